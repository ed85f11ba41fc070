/**
 * SUBACK (§3.9): Packet Identifier, (5.0) properties, then one reason code per
 * requested filter (at least one, as SUBSCRIBE carries at least one).
 *
 * 3.1.1 allows only 0x00, 0x01, 0x02 and 0x80 [MQTT-3.9.3-2]. Encoding a 5.0 failure
 * code (≥ 0x80) for 3.x sends the one failure code 3.x has, 0x80: the client learns
 * the subscription failed, which is the truth, only without the reason.
 */
import { MalformedPacketError, PacketEncodeError } from '../../errors';
import { propertiesLength, readProperties, writeProperties } from '../properties';
import type { Reader } from '../reader';
import type { ProtocolVersion, SubAckPacket } from '../types';
import { checkRemainingLength, varintLength, type Allocator } from '../writer';
import {
  checkNoPropertiesFor3, checkPacketIdDecoded, checkPacketIdForEncode, checkReasonCodeDecoded, checkReasonCodeForEncode, hex,
} from './common';

function to3x(code: number): number {
  if (code === 0 || code === 1 || code === 2) return code;
  if (code >= 0x80 && code <= 0xff) return 0x80;
  throw new PacketEncodeError('MQTT-3.9.3-2', `SUBACK reason code 0x${hex(code)} cannot be sent with MQTT 3.x`);
}

function measure(p: SubAckPacket, version: ProtocolVersion): { remaining: number; propLen: number } {
  checkPacketIdForEncode(p.packetId, 'suback');
  if (p.reasonCodes.length === 0) throw new PacketEncodeError('MQTT-3.9.3-1', 'SUBACK needs one reason code per topic filter');
  let propLen = 0;
  let remaining = 2 + p.reasonCodes.length;
  if (version === 5) {
    for (const c of p.reasonCodes) checkReasonCodeForEncode('suback', c);
    propLen = propertiesLength(p.properties, 'suback');
    remaining += varintLength(propLen) + propLen;
  } else {
    checkNoPropertiesFor3(p.properties, version, 'suback');
    for (const c of p.reasonCodes) to3x(c);
  }
  checkRemainingLength(remaining, 'SUBACK');
  return { remaining, propLen };
}

export function subackLength(p: SubAckPacket, version: ProtocolVersion): number {
  const { remaining } = measure(p, version);
  return 1 + varintLength(remaining) + remaining;
}

export function encodeSuback(p: SubAckPacket, version: ProtocolVersion, out: Allocator): Uint8Array {
  const { remaining, propLen } = measure(p, version);
  const w = out.writer(1 + varintLength(remaining) + remaining);
  w.header(0x90, remaining);
  w.u16(p.packetId);
  if (version === 5) writeProperties(w, p.properties, propLen);
  for (const c of p.reasonCodes) w.u8(version === 5 ? c : to3x(c));
  return w.done();
}

export function decodeSuback(r: Reader, version: ProtocolVersion): SubAckPacket {
  const packetId = checkPacketIdDecoded(r.u16('packet identifier'), 'suback');
  const properties = version === 5 ? readProperties(r, 'suback') : undefined;
  const reasonCodes: number[] = [];
  while (r.remaining > 0) {
    const c = r.u8('reason code');
    if (version === 5) checkReasonCodeDecoded('suback', c);
    else if (c > 2 && c !== 0x80) throw new MalformedPacketError('MQTT-3.9.3-2', `SUBACK return code 0x${hex(c)} is reserved`);
    reasonCodes.push(c);
  }
  if (reasonCodes.length === 0) throw new MalformedPacketError('MQTT-3.9.3-1', 'SUBACK has no reason codes');
  const packet: SubAckPacket = { type: 'suback', packetId, reasonCodes };
  if (properties !== undefined) packet.properties = properties;
  return packet;
}
