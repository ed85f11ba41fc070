/**
 * fast-check arbitraries of valid packets of all 15 types, for MQTT 3.1 (3), 3.1.1 (4)
 * and 5.0 (5), in the model's normal form (src/codec/types.ts): an absent optional
 * field is a missing key (never `undefined`), an empty property block is absent,
 * `reasonCode` is always a number, binaries are plain Uint8Arrays.
 *
 * "Valid" means what a conforming sender may put on the wire, so a decoder must
 * accept it and give it back unchanged. The rules each generator follows are cited
 * next to it. Reason-code tables are written out here from the spec (not imported
 * from src/codec), so the tests do not just check the codec against itself.
 */
import fc from 'fast-check';
import type {
  ConnectPacket, Packet, PacketType, ProtocolVersion, QoS, Subscription, Will,
} from '../../../src/codec';
import { properties } from './properties';
import { payload, topicFilter, topicName, utf8String } from './strings';

export const VERSIONS: readonly ProtocolVersion[] = [3, 4, 5];

export const ALL_TYPES: readonly PacketType[] = [
  'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe',
  'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth',
];

/** AUTH exists only in MQTT 5 ([MQTT-3.15]). */
export function typesFor(version: ProtocolVersion): PacketType[] {
  return ALL_TYPES.filter((t) => t !== 'auth' || version === 5);
}

// ---- reason codes, MQTT 5.0 §3.x.2.1 of each packet ----
/** 3.x CONNACK return codes 0..5 as the model's 5.0 reason codes (table 3.1 of 3.1.1). */
const CONNACK_3X = [0x00, 0x84, 0x85, 0x88, 0x86, 0x87];
const CONNACK_5 = [
  0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97,
  0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f,
];
const PUBACK_5 = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
const PUBREL_5 = [0x00, 0x92];
const SUBACK_5 = [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2];
/** 3.1 grants QoS only; 3.1.1 added 0x80 Failure ([MQTT-3.9.3]). */
const SUBACK_3 = [0x00, 0x01, 0x02];
const SUBACK_4 = [0x00, 0x01, 0x02, 0x80];
const UNSUBACK_5 = [0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91];
const DISCONNECT_5 = [
  0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95,
  0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2,
];
const AUTH_5 = [0x00, 0x18, 0x19];

/** Drops keys whose value is `undefined`, giving the normal form's "absent". */
export function compact<T extends object>(o: T): T {
  // Also gives a plain prototype: fc.record may build null-prototype objects.
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

const qos = fc.constantFrom<QoS>(0, 1, 2);
/** A non-zero packet identifier ([MQTT-2.3.1-1]). */
export const packetId = fc.integer({ min: 1, max: 0xffff });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const props = (version: ProtocolVersion, ctx: Parameters<typeof properties>[0]) =>
  version === 5 ? properties(ctx) : fc.constant(undefined);

function will(version: ProtocolVersion): fc.Arbitrary<Will> {
  return fc
    .record({ topic: topicName, payload, qos, retain: fc.boolean(), properties: props(version, 'will') })
    .map(compact);
}

function connect(version: ProtocolVersion): fc.Arbitrary<ConnectPacket> {
  // 3.1: a Client Identifier of 1..23 characters (3.1 §3.1 "Client Identifier").
  // 3.1.1: may be empty only with CleanSession=1 ([MQTT-3.1.3-7]). 5.0: may be empty.
  const clientId = version === 3 ? utf8String(23, 1) : utf8String(23);
  return fc
    .record({
      clean: fc.boolean(),
      keepalive: fc.integer({ min: 0, max: 0xffff }),
      clientId,
      bridge: opt(fc.constant(true as const)),
      username: opt(utf8String(16)),
      password: opt(payload),
      will: opt(will(version)),
      properties: props(version, 'connect'),
    })
    .map((r) => {
      const p: ConnectPacket = compact({ type: 'connect' as const, protocolVersion: version, ...r });
      if (version === 4 && p.clientId === '') p.clean = true;
      // 3.x: a password only with a user name ([MQTT-3.1.2-22]); 5.0 lifts this.
      if (version !== 5 && p.username === undefined) delete p.password;
      return p;
    });
}

function connack(version: ProtocolVersion): fc.Arbitrary<Packet> {
  return fc
    .record({
      sessionPresent: fc.boolean(),
      reasonCode: fc.constantFrom(...(version === 5 ? CONNACK_5 : CONNACK_3X)),
      properties: props(version, 'connack'),
    })
    // Session Present is 0 whenever the connection is refused ([MQTT-3.2.2-4], [MQTT-3.2.2-6]);
    // MQTT 3.1 has no such flag (its first CONNACK byte is reserved).
    .map((r) => compact({ type: 'connack' as const, ...r, sessionPresent: r.sessionPresent && r.reasonCode === 0 && version !== 3 }));
}

function publish(version: ProtocolVersion): fc.Arbitrary<Packet> {
  return fc
    .record({
      // 5.0: an empty topic only with a Topic Alias standing in for it (§3.3.2.1).
      topic: version === 5 ? fc.oneof({ weight: 9, arbitrary: topicName }, { weight: 1, arbitrary: fc.constant('') }) : topicName,
      payload,
      qos,
      retain: fc.boolean(),
      dup: fc.boolean(),
      packetId,
      properties: props(version, 'publish'),
      alias: fc.integer({ min: 1, max: 0xffff }),
    })
    .map(({ alias, ...r }) => {
      let properties = r.properties;
      if (r.topic === '' && properties?.topicAlias === undefined) properties = { ...properties, topicAlias: alias };
      return compact({
        type: 'publish' as const,
        ...r,
        dup: r.qos > 0 && r.dup, // DUP is 0 for QoS 0 ([MQTT-3.3.1-2])
        packetId: r.qos > 0 ? r.packetId : undefined, // only when QoS > 0 ([MQTT-2.3.1-5])
        properties,
      });
    });
}

function ack(type: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp', version: ProtocolVersion): fc.Arbitrary<Packet> {
  const codes = type === 'puback' || type === 'pubrec' ? PUBACK_5 : PUBREL_5;
  return fc
    .record({
      packetId,
      reasonCode: version === 5 ? fc.constantFrom(...codes) : fc.constant(0),
      properties: props(version, 'ack'),
    })
    .map((r) => compact({ type, ...r }));
}

function subscription(version: ProtocolVersion): fc.Arbitrary<Subscription> {
  // 3.x SUBSCRIBE carries QoS only; the other options take their defaults.
  if (version !== 5) {
    return fc.record({ topicFilter, qos }).map((r) => ({ ...r, noLocal: false, retainAsPublished: false, retainHandling: 0 as const }));
  }
  return fc.record({
    topicFilter,
    qos,
    noLocal: fc.boolean(),
    retainAsPublished: fc.boolean(),
    retainHandling: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
  }, { noNullPrototype: true });
}

/** The arbitrary of valid packets of one type for one version. AUTH requires version 5. */
export function packetOf(type: PacketType, version: ProtocolVersion): fc.Arbitrary<Packet> {
  switch (type) {
    case 'connect': return connect(version);
    case 'connack': return connack(version);
    case 'publish': return publish(version);
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp': return ack(type, version);
    case 'subscribe':
      return fc
        .record({ packetId, subscriptions: fc.array(subscription(version), { minLength: 1, maxLength: 4 }), properties: props(version, 'subscribe') })
        .map((r) => compact({ type: 'subscribe' as const, ...r }));
    case 'suback': {
      const codes = version === 5 ? SUBACK_5 : version === 4 ? SUBACK_4 : SUBACK_3;
      return fc
        .record({ packetId, reasonCodes: fc.array(fc.constantFrom(...codes), { minLength: 1, maxLength: 6 }), properties: props(version, 'ack') })
        .map((r) => compact({ type: 'suback' as const, ...r }));
    }
    case 'unsubscribe':
      return fc
        .record({ packetId, topicFilters: fc.array(topicFilter, { minLength: 1, maxLength: 4 }), properties: props(version, 'unsubscribe') })
        .map((r) => compact({ type: 'unsubscribe' as const, ...r }));
    case 'unsuback':
      return fc
        .record({
          packetId,
          // 3.x UNSUBACK has no payload: the model's `[]`.
          reasonCodes: version === 5 ? fc.array(fc.constantFrom(...UNSUBACK_5), { minLength: 1, maxLength: 6 }) : fc.constant<number[]>([]),
          properties: props(version, 'ack'),
        })
        .map((r) => compact({ type: 'unsuback' as const, ...r }));
    case 'pingreq': return fc.constant({ type: 'pingreq' as const });
    case 'pingresp': return fc.constant({ type: 'pingresp' as const });
    case 'disconnect':
      return fc
        .record({ reasonCode: version === 5 ? fc.constantFrom(...DISCONNECT_5) : fc.constant(0), properties: props(version, 'disconnect') })
        .map((r) => compact({ type: 'disconnect' as const, ...r }));
    case 'auth':
      if (version !== 5) throw new Error('AUTH exists only in MQTT 5');
      return fc
        .record({ reasonCode: fc.constantFrom(...AUTH_5), properties: props(version, 'auth') })
        .map((r) => compact({ type: 'auth' as const, ...r }));
  }
}

/** Any valid packet for `version`, every type equally likely. */
export function anyPacket(version: ProtocolVersion): fc.Arbitrary<Packet> {
  return fc.oneof(...typesFor(version).map((t) => packetOf(t, version)));
}
