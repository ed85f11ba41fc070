/**
 * UNSUBACK (§3.11). 3.x: Packet Identifier only; the model's `reasonCodes` is `[]`
 * when decoded and ignored when encoding (3.x has nowhere to put them).
 * 5.0: Packet Identifier, properties, one reason code per filter (at least one).
 */
import { MalformedPacketError, PacketEncodeError } from '../../errors';
import { propertiesLength, readProperties, writeProperties } from '../properties';
import type { Reader } from '../reader';
import type { ProtocolVersion, UnsubAckPacket } from '../types';
import { checkRemainingLength, varintLength, type Allocator } from '../writer';
import { checkNoPropertiesFor3, checkPacketIdDecoded, checkPacketIdForEncode, checkReasonCodeDecoded, checkReasonCodeForEncode } from './common';

function measure(p: UnsubAckPacket, version: ProtocolVersion): { remaining: number; propLen: number } {
  checkPacketIdForEncode(p.packetId, 'unsuback');
  if (version < 5) {
    checkNoPropertiesFor3(p.properties, version, 'unsuback');
    return { remaining: 2, propLen: 0 };
  }
  if (p.reasonCodes.length === 0) throw new PacketEncodeError('MQTT-3.11.3-1', 'UNSUBACK needs one reason code per topic filter');
  for (const c of p.reasonCodes) checkReasonCodeForEncode('unsuback', c);
  const propLen = propertiesLength(p.properties, 'unsuback');
  const remaining = 2 + varintLength(propLen) + propLen + p.reasonCodes.length;
  checkRemainingLength(remaining, 'UNSUBACK');
  return { remaining, propLen };
}

export function unsubackLength(p: UnsubAckPacket, version: ProtocolVersion): number {
  const { remaining } = measure(p, version);
  return 1 + varintLength(remaining) + remaining;
}

export function encodeUnsuback(p: UnsubAckPacket, version: ProtocolVersion, out: Allocator): Uint8Array {
  const { remaining, propLen } = measure(p, version);
  const w = out.writer(1 + varintLength(remaining) + remaining);
  w.header(0xb0, remaining);
  w.u16(p.packetId);
  if (version < 5) return w.done();
  writeProperties(w, p.properties, propLen);
  for (const c of p.reasonCodes) w.u8(c);
  return w.done();
}

export function decodeUnsuback(r: Reader, version: ProtocolVersion): UnsubAckPacket {
  const packetId = checkPacketIdDecoded(r.u16('packet identifier'), 'unsuback');
  if (version < 5) {
    r.done('UNSUBACK');
    return { type: 'unsuback', packetId, reasonCodes: [] };
  }
  const properties = readProperties(r, 'unsuback');
  const reasonCodes: number[] = [];
  while (r.remaining > 0) reasonCodes.push(checkReasonCodeDecoded('unsuback', r.u8('reason code')));
  if (reasonCodes.length === 0) throw new MalformedPacketError('MQTT-3.11.3-1', 'UNSUBACK has no reason codes');
  const packet: UnsubAckPacket = { type: 'unsuback', packetId, reasonCodes };
  if (properties !== undefined) packet.properties = properties;
  return packet;
}
