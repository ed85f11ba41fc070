/**
 * PUBACK, PUBREC, PUBREL, PUBCOMP (§3.4–3.7): one layout.
 *
 * 3.x: Packet Identifier only (remaining length 2).
 * 5.0: Packet Identifier, then a Reason Code and a property block, both optional: a
 * remaining length of 2 means reason code 0x00 and no properties; 3 means a reason
 * code and no properties [MQTT-3.4.2.1]. The encoder always picks the shortest form,
 * so the common success ack is the same 4 bytes in every version (a fast path).
 */
import { propertiesLength, readProperties, writeProperties } from '../properties';
import type { Reader } from '../reader';
import type { AckPacket, ProtocolVersion } from '../types';
import { checkRemainingLength, varintLength, type Allocator } from '../writer';
import {
  checkNoPropertiesFor3,
  checkNoReasonCodeFor3,
  checkPacketIdDecoded,
  checkPacketIdForEncode,
  checkReasonCodeDecoded,
  checkReasonCodeForEncode,
} from './common';

export type AckType = 'puback' | 'pubrec' | 'pubrel' | 'pubcomp';

/** First byte of the fixed header; PUBREL's reserved flags are 0b0010 [MQTT-3.6.1-1]. */
export const ACK_FIRST_BYTE: Readonly<Record<AckType, number>> = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 };

function ackRemaining(p: AckPacket<AckType>, version: ProtocolVersion): number {
  checkPacketIdForEncode(p.packetId, p.type);
  const code = p.reasonCode ?? 0;
  if (version < 5) {
    checkNoPropertiesFor3(p.properties, version, p.type);
    checkNoReasonCodeFor3(code, p.type, version);
    return 2;
  }
  checkReasonCodeForEncode(p.type, code);
  const propLen = propertiesLength(p.properties, p.type);
  if (propLen === 0) return code === 0 ? 2 : 3;
  return 3 + varintLength(propLen) + propLen;
}

export function ackLength(p: AckPacket<AckType>, version: ProtocolVersion): number {
  const rem = ackRemaining(p, version);
  return 1 + varintLength(rem) + rem;
}

export function encodeAck(p: AckPacket<AckType>, version: ProtocolVersion, out: Allocator): Uint8Array {
  const first = ACK_FIRST_BYTE[p.type];
  const id = p.packetId;
  const code = p.reasonCode ?? 0;
  // Fast path: the 4-byte success ack, the overwhelmingly common case.
  if (code === 0 && p.properties === undefined && Number.isInteger(id) && id >= 1 && id <= 0xffff) {
    const w = out.writer(4);
    w.header(first, 2);
    w.u16(id);
    return w.done();
  }
  const rem = ackRemaining(p, version);
  checkRemainingLength(rem, p.type);
  const w = out.writer(1 + varintLength(rem) + rem);
  w.header(first, rem);
  w.u16(id);
  if (rem === 2) return w.done();
  w.u8(code);
  if (rem === 3) return w.done();
  writeProperties(w, p.properties, propertiesLength(p.properties, p.type));
  return w.done();
}

export function decodeAck<T extends AckType>(type: T, r: Reader, version: ProtocolVersion): AckPacket<T> {
  const packetId = checkPacketIdDecoded(r.u16('packet identifier'), type);
  if (version < 5 || r.remaining === 0) {
    r.done(type);
    return { type, packetId, reasonCode: 0 };
  }
  const reasonCode = checkReasonCodeDecoded(type, r.u8('reason code'));
  if (r.remaining === 0) return { type, packetId, reasonCode };
  const properties = readProperties(r, type);
  r.done(type);
  return properties === undefined ? { type, packetId, reasonCode } : { type, packetId, reasonCode, properties };
}
