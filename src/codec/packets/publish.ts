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
import { checkRemainingLength, MAX_VARINT, utf8Length, varintLength, type Allocator } from '../writer';
import { checkNoPropertiesFor3, checkPacketIdDecoded, checkPacketIdForEncode, checkQoSForEncode } from './common';

function hasWildcard(topic: string): boolean {
  return topic.indexOf('+') !== -1 || topic.indexOf('#') !== -1;
}

/**
 * A topic that is non-empty, all ASCII, and free of U+0000, '+' and '#': valid as it is
 * [MQTT-1.5.4-2, MQTT-3.3.2-2, MQTT-4.7.3-1], one byte per character. Almost every
 * topic is; one native regex test is about twice as fast as the checks it stands for
 * (two indexOf and the utf8Length loop), which then run only to name the failure.
 * (A constant: test() on a regex without the g/y flags reads and writes no state.)
 */
const PLAIN_TOPIC = /^[\x01-\x22\x24-\x2a\x2c-\x7f]+$/;

/** Validates a PUBLISH topic and returns its UTF-8 byte length (0 for an empty topic). */
function topicLength(topic: string): number {
  if (topic === lastPlainTopic) return topic.length;
  if (typeof topic === 'string' && topic.length <= 0xffff && PLAIN_TOPIC.test(topic)) {
    lastPlainTopic = topic;
    return topic.length;
  }
  if (typeof topic !== 'string') throw new PacketEncodeError('MQTT-3.3.2-1', 'PUBLISH topic must be a string');
  if (hasWildcard(topic)) throw new PacketEncodeError('MQTT-3.3.2-2', `PUBLISH topic '${topic}' contains a wildcard`);
  return utf8Length(topic, 'topic');
}

/** The last topic that passed PLAIN_TOPIC: a publisher mostly repeats one, so it is tested once. */
let lastPlainTopic: string | undefined;

// Measuring is split in three small functions returning numbers, rather than one
// returning a { topicLen, propLen, remaining } object: this is the hottest encode path
// and the object was a per-packet allocation.

/** Validates everything but the property block; returns the topic's UTF-8 byte length. */
function checkFields(p: PublishPacket, version: ProtocolVersion): number {
  // The common, valid case is decided by inline tests; the shared checks run only to
  // throw the right error. Per packet that saves calls into other modules, which the
  // benchmark's tsx (CommonJS via esbuild) routes through an export getter each.
  const { qos, packetId } = p;
  if (qos !== 1 && qos !== 2 && qos !== 0) checkQoSForEncode(qos, 'PUBLISH');
  if (p.dup && qos === 0) throw new PacketEncodeError('MQTT-3.3.1-2', 'DUP must be 0 for a QoS 0 PUBLISH');
  if (qos === 0) {
    if (packetId !== undefined) throw new PacketEncodeError('MQTT-2.2.1-2', 'a QoS 0 PUBLISH must not carry a packetId');
  } else if (!(typeof packetId === 'number' && packetId >= 1 && packetId <= 0xffff && (packetId | 0) === packetId)) {
    checkPacketIdForEncode(packetId, 'publish');
  }
  const topicLen = topicLength(p.topic);
  if (!(p.payload instanceof Uint8Array)) throw new PacketEncodeError('payload', 'PUBLISH payload must be a Uint8Array');
  if (version < 5) {
    if (p.properties !== undefined) checkNoPropertiesFor3(p.properties, version, 'publish');
    if (topicLen === 0) throw new PacketEncodeError('MQTT-4.7.3-1', 'PUBLISH topic must not be empty');
  }
  return topicLen;
}

/** 5.0: validates the property block and returns its length; 0 for 3.x (no block). */
function checkProperties(p: PublishPacket, version: ProtocolVersion, topicLen: number): number {
  if (version < 5) return 0;
  const propLen = propertiesLength(p.properties, 'publish');
  if (topicLen === 0 && p.properties?.topicAlias === undefined) {
    throw new PacketEncodeError('MQTT-3.3.2.3.4', 'PUBLISH topic may be empty only with a topic alias');
  }
  return propLen;
}

function remainingLength(p: PublishPacket, version: ProtocolVersion, topicLen: number, propLen: number): number {
  let remaining = 2 + topicLen + (p.qos > 0 ? 2 : 0) + p.payload.length;
  if (version === 5) remaining += varintLength(propLen) + propLen;
  if (remaining > MAX_VARINT) checkRemainingLength(remaining, 'PUBLISH');
  return remaining;
}

export function publishLength(p: PublishPacket, version: ProtocolVersion): number {
  const topicLen = checkFields(p, version);
  const remaining = remainingLength(p, version, topicLen, checkProperties(p, version, topicLen));
  return 1 + varintLength(remaining) + remaining;
}

export function encodePublish(p: PublishPacket, version: ProtocolVersion, out: Allocator): Uint8Array {
  const topicLen = checkFields(p, version);
  const propLen = checkProperties(p, version, topicLen);
  const remaining = remainingLength(p, version, topicLen, propLen);
  const w = out.writer(1 + varintLength(remaining) + remaining);
  w.header(0x30 | (p.dup ? 0x08 : 0) | (p.qos << 1) | (p.retain ? 0x01 : 0), remaining);
  w.utf8(p.topic, topicLen);
  if (p.qos > 0) w.u16(p.packetId as number);
  if (version === 5) writeProperties(w, p.properties, propLen);
  w.bytes(p.payload);
  return w.done();
}

/** `flags` is the low nibble of the first byte. */
export function decodePublish(flags: number, r: Reader, version: ProtocolVersion): PublishPacket {
  const qos = (flags >> 1) & 0x03;
  if (qos === 3) throw new MalformedPacketError('MQTT-3.3.1-4', 'PUBLISH QoS is 3');
  const dup = (flags & 0x08) !== 0;
  if (dup && qos === 0) throw new MalformedPacketError('MQTT-3.3.1-2', 'DUP is set on a QoS 0 PUBLISH');
  const retain = (flags & 0x01) !== 0;
  const topic = r.topicName();
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
