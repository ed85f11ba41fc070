/**
 * UNSUBSCRIBE (§3.10): fixed header flags 0b0010 [MQTT-3.10.1-1]; Packet Identifier;
 * (5.0) properties; then at least one Topic Filter [MQTT-3.10.3-2].
 */
import { MalformedPacketError, PacketEncodeError } from '../../errors';
import { propertiesLength, readProperties, writeProperties } from '../properties';
import type { Reader } from '../reader';
import type { ProtocolVersion, UnsubscribePacket } from '../types';
import { checkRemainingLength, utf8Length, varintLength, type Allocator } from '../writer';
import { checkNoPropertiesFor3, checkPacketIdDecoded, checkPacketIdForEncode } from './common';

function measure(p: UnsubscribePacket, version: ProtocolVersion): { remaining: number; propLen: number } {
  checkPacketIdForEncode(p.packetId, 'unsubscribe');
  if (p.topicFilters.length === 0) throw new PacketEncodeError('MQTT-3.10.3-2', 'UNSUBSCRIBE needs at least one topic filter');
  let remaining = 2;
  let propLen = 0;
  if (version === 5) {
    propLen = propertiesLength(p.properties, 'unsubscribe');
    remaining += varintLength(propLen) + propLen;
  } else {
    checkNoPropertiesFor3(p.properties, version, 'unsubscribe');
  }
  for (const f of p.topicFilters) {
    const len = utf8Length(f, 'topic filter');
    if (len === 0) throw new PacketEncodeError('MQTT-4.7.3-1', 'topic filter must not be empty');
    remaining += 2 + len;
  }
  checkRemainingLength(remaining, 'UNSUBSCRIBE');
  return { remaining, propLen };
}

export function unsubscribeLength(p: UnsubscribePacket, version: ProtocolVersion): number {
  const { remaining } = measure(p, version);
  return 1 + varintLength(remaining) + remaining;
}

export function encodeUnsubscribe(p: UnsubscribePacket, version: ProtocolVersion, out: Allocator): Uint8Array {
  const { remaining, propLen } = measure(p, version);
  const w = out.writer(1 + varintLength(remaining) + remaining);
  w.header(0xa2, remaining);
  w.u16(p.packetId);
  if (version === 5) writeProperties(w, p.properties, propLen);
  for (const f of p.topicFilters) w.utf8(f);
  return w.done();
}

export function decodeUnsubscribe(r: Reader, version: ProtocolVersion): UnsubscribePacket {
  const packetId = checkPacketIdDecoded(r.u16('packet identifier'), 'unsubscribe');
  const properties = version === 5 ? readProperties(r, 'unsubscribe') : undefined;
  const topicFilters: string[] = [];
  while (r.remaining > 0) {
    const f = r.utf8('topic filter');
    if (f.length === 0) throw new MalformedPacketError('MQTT-4.7.3-1', 'UNSUBSCRIBE topic filter is empty');
    topicFilters.push(f);
  }
  if (topicFilters.length === 0) throw new MalformedPacketError('MQTT-3.10.3-2', 'UNSUBSCRIBE has no topic filters');
  const packet: UnsubscribePacket = { type: 'unsubscribe', packetId, topicFilters };
  if (properties !== undefined) packet.properties = properties;
  return packet;
}
