/**
 * SUBSCRIBE (§3.8): fixed header flags 0b0010 [MQTT-3.8.1-1]; Packet Identifier;
 * (5.0) properties, with at most one Subscription Identifier; then at least one
 * [MQTT-3.8.3-2] Topic Filter + Subscription Options pair.
 *
 * Options byte: bits 1-0 QoS, bit 2 No Local, bit 3 Retain As Published, bits 5-4
 * Retain Handling (3 is a Protocol Error), bits 7-6 reserved [MQTT-3.8.3-5]. In 3.x
 * only the QoS bits exist and bits 7-2 are reserved [MQTT-3.8.3-4]; so a 3.x encode
 * refuses anything but the default options rather than drop them silently.
 */
import { MalformedPacketError, PacketEncodeError } from '../../errors';
import { propertiesLength, readProperties, writeProperties } from '../properties';
import type { Reader } from '../reader';
import type { ProtocolVersion, QoS, RetainHandling, SubscribePacket, Subscription } from '../types';
import { checkRemainingLength, utf8Length, varintLength, type Allocator } from '../writer';
import { checkNoPropertiesFor3, checkPacketIdDecoded, checkPacketIdForEncode, checkQoSForEncode } from './common';

function measure(p: SubscribePacket, version: ProtocolVersion): { remaining: number; propLen: number } {
  checkPacketIdForEncode(p.packetId, 'subscribe');
  if (p.subscriptions.length === 0) throw new PacketEncodeError('MQTT-3.8.3-2', 'SUBSCRIBE needs at least one topic filter');
  let remaining = 2;
  let propLen = 0;
  if (version === 5) {
    propLen = propertiesLength(p.properties, 'subscribe');
    remaining += varintLength(propLen) + propLen;
  } else {
    checkNoPropertiesFor3(p.properties, version, 'subscribe');
  }
  for (const s of p.subscriptions) {
    checkQoSForEncode(s.qos, 'subscription');
    if (version < 5 && (s.noLocal || s.retainAsPublished || s.retainHandling !== 0)) {
      throw new PacketEncodeError('subscription options require MQTT 5', `noLocal, retainAsPublished and retainHandling cannot be sent with protocol level ${version}`);
    }
    if (s.retainHandling !== 0 && s.retainHandling !== 1 && s.retainHandling !== 2) {
      throw new PacketEncodeError('retain handling', `retainHandling must be 0, 1 or 2, got ${String(s.retainHandling)}`);
    }
    const len = utf8Length(s.topicFilter, 'topic filter');
    if (len === 0) throw new PacketEncodeError('MQTT-4.7.3-1', 'topic filter must not be empty');
    remaining += 2 + len + 1;
  }
  checkRemainingLength(remaining, 'SUBSCRIBE');
  return { remaining, propLen };
}

export function subscribeLength(p: SubscribePacket, version: ProtocolVersion): number {
  const { remaining } = measure(p, version);
  return 1 + varintLength(remaining) + remaining;
}

export function encodeSubscribe(p: SubscribePacket, version: ProtocolVersion, out: Allocator): Uint8Array {
  const { remaining, propLen } = measure(p, version);
  const w = out.writer(1 + varintLength(remaining) + remaining);
  w.header(0x82, remaining);
  w.u16(p.packetId);
  if (version === 5) writeProperties(w, p.properties, propLen);
  for (const s of p.subscriptions) {
    w.utf8(s.topicFilter);
    w.u8(s.qos | (s.noLocal ? 0x04 : 0) | (s.retainAsPublished ? 0x08 : 0) | (s.retainHandling << 4));
  }
  return w.done();
}

function readOptions(r: Reader, version: ProtocolVersion): Omit<Subscription, 'topicFilter'> {
  const o = r.u8('subscription options');
  const qos = o & 0x03;
  if (version < 5) {
    if ((o & 0xfc) !== 0) throw new MalformedPacketError('MQTT-3.8.3-4', 'SUBSCRIBE options reserved bits are set');
  } else if ((o & 0xc0) !== 0) {
    throw new MalformedPacketError('MQTT-3.8.3-5', 'SUBSCRIBE options reserved bits are set');
  }
  if (qos === 3) throw new MalformedPacketError('subscription QoS 3', 'SUBSCRIBE requests QoS 3');
  const retainHandling = (o >> 4) & 0x03;
  if (retainHandling === 3) throw new MalformedPacketError('retain handling 3', 'SUBSCRIBE retain handling is 3');
  return { qos: qos as QoS, noLocal: (o & 0x04) !== 0, retainAsPublished: (o & 0x08) !== 0, retainHandling: retainHandling as RetainHandling };
}

export function decodeSubscribe(r: Reader, version: ProtocolVersion): SubscribePacket {
  const packetId = checkPacketIdDecoded(r.u16('packet identifier'), 'subscribe');
  const properties = version === 5 ? readProperties(r, 'subscribe') : undefined;
  const subscriptions: Subscription[] = [];
  while (r.remaining > 0) {
    const topicFilter = r.utf8('topic filter');
    if (topicFilter.length === 0) throw new MalformedPacketError('MQTT-4.7.3-1', 'SUBSCRIBE topic filter is empty');
    subscriptions.push({ topicFilter, ...readOptions(r, version) });
  }
  if (subscriptions.length === 0) throw new MalformedPacketError('MQTT-3.8.3-2', 'SUBSCRIBE has no topic filters');
  const packet: SubscribePacket = { type: 'subscribe', packetId, subscriptions };
  if (properties !== undefined) packet.properties = properties;
  return packet;
}
