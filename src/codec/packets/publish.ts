/**
 * PUBLISH (§3.3): the hot path of the codec.
 *
 * Fixed header flags: DUP (bit 3), QoS (bits 2-1), RETAIN (bit 0). QoS 3 is malformed
 * [MQTT-3.3.1-4]; DUP must be 0 for QoS 0 [MQTT-3.3.1-2].
 * Variable header: Topic Name (no wildcards [MQTT-3.3.2-2]; at least one character
 * [MQTT-4.7.3-1], except in 5.0 where a Topic Alias stands in for it [MQTT-3.3.2.3.4]),
 * Packet Identifier only when QoS > 0 [MQTT-2.2.1-2], and (5.0) the properties.
 * Payload: everything after, up to the remaining length; decoded as a view (decode.ts).
 */
import { MalformedPacketError, PacketEncodeError } from '../../errors';
import { propertiesLength, readProperties, writeProperties } from '../properties';
import type { Reader } from '../reader';
import type { ProtocolVersion, PublishPacket, QoS } from '../types';
import { checkRemainingLength, utf8Length, varintLength, Writer } from '../writer';
import { checkNoPropertiesFor3, checkPacketIdDecoded, checkPacketIdForEncode, checkQoSForEncode } from './common';

function hasWildcard(topic: string): boolean {
  return topic.indexOf('+') !== -1 || topic.indexOf('#') !== -1;
}

interface PublishSizes {
  topicLen: number;
  propLen: number;
  remaining: number;
}

function measure(p: PublishPacket, version: ProtocolVersion): PublishSizes {
  const qos = checkQoSForEncode(p.qos, 'PUBLISH');
  if (p.dup && qos === 0) throw new PacketEncodeError('MQTT-3.3.1-2', 'DUP must be 0 for a QoS 0 PUBLISH');
  if (qos > 0) checkPacketIdForEncode(p.packetId, 'publish');
  else if (p.packetId !== undefined) throw new PacketEncodeError('MQTT-2.2.1-2', 'a QoS 0 PUBLISH must not carry a packetId');
  if (typeof p.topic !== 'string') throw new PacketEncodeError('MQTT-3.3.2-1', 'PUBLISH topic must be a string');
  if (hasWildcard(p.topic)) throw new PacketEncodeError('MQTT-3.3.2-2', `PUBLISH topic '${p.topic}' contains a wildcard`);
  if (!(p.payload instanceof Uint8Array)) throw new PacketEncodeError('payload', 'PUBLISH payload must be a Uint8Array');
  const topicLen = utf8Length(p.topic, 'topic');
  let propLen = 0;
  let remaining = 2 + topicLen + (qos > 0 ? 2 : 0) + p.payload.length;
  if (version < 5) {
    checkNoPropertiesFor3(p.properties, version, 'publish');
    if (topicLen === 0) throw new PacketEncodeError('MQTT-4.7.3-1', 'PUBLISH topic must not be empty');
  } else {
    propLen = propertiesLength(p.properties, 'publish');
    if (topicLen === 0 && p.properties?.topicAlias === undefined) {
      throw new PacketEncodeError('MQTT-3.3.2.3.4', 'PUBLISH topic may be empty only with a topic alias');
    }
    remaining += varintLength(propLen) + propLen;
  }
  checkRemainingLength(remaining, 'PUBLISH');
  return { topicLen, propLen, remaining };
}

export function publishLength(p: PublishPacket, version: ProtocolVersion): number {
  const { remaining } = measure(p, version);
  return 1 + varintLength(remaining) + remaining;
}

export function encodePublish(p: PublishPacket, version: ProtocolVersion): Uint8Array {
  const { propLen, remaining } = measure(p, version);
  const w = new Writer(1 + varintLength(remaining) + remaining);
  w.header(0x30 | (p.dup ? 0x08 : 0) | (p.qos << 1) | (p.retain ? 0x01 : 0), remaining);
  w.utf8(p.topic);
  if (p.qos > 0) w.u16(p.packetId as number);
  if (version === 5) writeProperties(w, p.properties, propLen);
  w.bytes(p.payload);
  return w.buf;
}

/** `flags` is the low nibble of the first byte. */
export function decodePublish(flags: number, r: Reader, version: ProtocolVersion): PublishPacket {
  const qos = (flags >> 1) & 0x03;
  if (qos === 3) throw new MalformedPacketError('MQTT-3.3.1-4', 'PUBLISH QoS is 3');
  const dup = (flags & 0x08) !== 0;
  if (dup && qos === 0) throw new MalformedPacketError('MQTT-3.3.1-2', 'DUP is set on a QoS 0 PUBLISH');
  const retain = (flags & 0x01) !== 0;
  const topic = r.utf8('topic name');
  if (hasWildcard(topic)) throw new MalformedPacketError('MQTT-3.3.2-2', 'PUBLISH topic contains a wildcard');
  let packetId: number | undefined;
  if (qos > 0) packetId = checkPacketIdDecoded(r.u16('packet identifier'), 'publish');
  let properties;
  if (version === 5) {
    properties = readProperties(r, 'publish');
    if (topic.length === 0 && properties?.topicAlias === undefined) {
      throw new MalformedPacketError('MQTT-3.3.2.3.4', 'PUBLISH has an empty topic and no topic alias');
    }
  } else if (topic.length === 0) {
    throw new MalformedPacketError('MQTT-4.7.3-1', 'PUBLISH topic is empty');
  }
  const payload = r.rest();
  const packet: PublishPacket = { type: 'publish', topic, payload, qos: qos as QoS, retain, dup };
  if (packetId !== undefined) packet.packetId = packetId;
  if (properties !== undefined) packet.properties = properties;
  return packet;
}
