/**
 * The mapping between rxmqtt's packet model and mqtt-packet 9's object shape, for the
 * differential tests (and the codec benchmark's fixtures).
 *
 * mqtt-packet's shape, read from its writeToStream.js and parser.js:
 * - `cmd` is the packet type name; packet identifiers are `messageId`;
 * - CONNECT: `protocolId` ('MQIsdp' for 3.1, 'MQTT' otherwise), `protocolVersion`
 *   (3/4/5), `bridgeMode` (the 0x80 bit), `clean`, `keepalive`, `clientId`,
 *   `username`, `password` (Buffer), `will: { topic, payload, qos, retain, properties }`;
 * - CONNACK: `sessionPresent`, and `returnCode` (3.x, the raw 0..5) or `reasonCode` (5.0);
 * - SUBSCRIBE: `subscriptions: [{ topic, qos, nl, rap, rh }]` (nl/rap/rh only for 5.0);
 * - SUBACK: `granted`; UNSUBSCRIBE: `unsubscriptions`; UNSUBACK (5.0): `granted`;
 * - properties use the same names as our model, except `subscriptionIdentifier`
 *   (a number when there is one, an array when several), `userProperties` (an object
 *   from name to a string, or to an array of strings when the name repeats), the seven
 *   one-byte flag properties (booleans), and binary properties (Buffers);
 * - the parser leaves fields it did not read at its `Packet` defaults (`retain: false,
 *   qos: 0, dup: false, topic: null, payload: null, length`), so `fromMqttPacket`
 *   picks only the fields each type defines.
 */
import type { Packet, Properties, ProtocolVersion, UserProperty } from '../../../src/codec';

/** An mqtt-packet packet object; loosely typed because its .d.ts does not match its runtime. */
export interface MqttPacketObject {
  cmd: Packet['type'];
  [field: string]: unknown;
}
type Loose = Record<string, unknown>;

/** Properties that mqtt-packet's writer takes, and its parser returns, as booleans ("byte" type). */
const BOOLEAN_PROPS: ReadonlySet<string> = new Set([
  'payloadFormatIndicator', 'requestProblemInformation', 'requestResponseInformation', 'retainAvailable',
  'wildcardSubscriptionAvailable', 'subscriptionIdentifiersAvailable', 'sharedSubscriptionAvailable',
]);
const BINARY_PROPS: ReadonlySet<string> = new Set(['correlationData', 'authenticationData']);

/** 3.x CONNACK return code ⇄ model reason code (3.1.1 table 3.1 / types.ts). */
const RETURN_TO_REASON = [0x00, 0x84, 0x85, 0x88, 0x86, 0x87];

const toBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.length);
/** A fresh plain Uint8Array (not a Buffer, not a view on a pooled slab). */
const toBytes = (b: unknown): Uint8Array => new Uint8Array(b as Uint8Array);

/**
 * Groups user properties the way mqtt-packet holds them. The object has no prototype,
 * as the parser's has, so a name like `__proto__` is an ordinary key.
 */
export function groupUserProperties(pairs: readonly UserProperty[]): Record<string, string | string[]> {
  const grouped: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of pairs) {
    const seen = grouped[name];
    if (seen === undefined) grouped[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else grouped[name] = [seen, value];
  }
  return grouped;
}

/** Flattens mqtt-packet's user properties in its iteration order (own-key order). */
export function flattenUserProperties(grouped: Loose): UserProperty[] {
  const pairs: UserProperty[] = [];
  for (const name of Object.getOwnPropertyNames(grouped)) {
    const v = grouped[name];
    for (const value of Array.isArray(v) ? v : [v]) pairs.push([name, String(value)]);
  }
  return pairs;
}

export function toMqttProperties(p: Properties): Loose {
  const out: Loose = {};
  for (const [name, value] of Object.entries(p)) {
    if (name === 'subscriptionIdentifiers') {
      const ids = value as number[];
      out.subscriptionIdentifier = ids.length === 1 ? ids[0] : ids;
    } else if (name === 'userProperties') out.userProperties = groupUserProperties(value as UserProperty[]);
    else if (BOOLEAN_PROPS.has(name)) out[name] = value === 1;
    else if (BINARY_PROPS.has(name)) out[name] = toBuffer(value as Uint8Array);
    else out[name] = value;
  }
  return out;
}

export function fromMqttProperties(o: Loose): Properties {
  const out: Loose = {};
  for (const [name, value] of Object.entries(o)) {
    if (name === 'subscriptionIdentifier') out.subscriptionIdentifiers = Array.isArray(value) ? value : [value];
    else if (name === 'userProperties') out.userProperties = flattenUserProperties(value as Loose);
    else if (BOOLEAN_PROPS.has(name)) out[name] = value ? 1 : 0;
    else if (BINARY_PROPS.has(name)) out[name] = toBytes(value);
    else out[name] = value;
  }
  return out as Properties;
}

/** Adds `properties` to `o` when the packet has some. */
function withProps(o: MqttPacketObject, p: Properties | undefined): MqttPacketObject {
  if (p !== undefined) o.properties = toMqttProperties(p);
  return o;
}

/** Our packet → the object mqtt-packet's `generate(obj, { protocolVersion: version })` takes. */
export function toMqttPacket(p: Packet, version: ProtocolVersion): MqttPacketObject {
  switch (p.type) {
    case 'connect': {
      const o: MqttPacketObject = {
        cmd: 'connect', protocolId: p.protocolVersion === 3 ? 'MQIsdp' : 'MQTT', protocolVersion: p.protocolVersion,
        clean: p.clean, keepalive: p.keepalive, clientId: p.clientId,
      };
      if (p.bridge) o.bridgeMode = true;
      if (p.username !== undefined) o.username = p.username;
      if (p.password !== undefined) o.password = toBuffer(p.password);
      if (p.will !== undefined) {
        const w = p.will;
        o.will = { topic: w.topic, payload: toBuffer(w.payload), qos: w.qos, retain: w.retain };
        if (w.properties !== undefined) (o.will as Loose).properties = toMqttProperties(w.properties);
      }
      return withProps(o, p.properties);
    }
    case 'connack': {
      const code = version === 5 ? { reasonCode: p.reasonCode } : { returnCode: RETURN_TO_REASON.indexOf(p.reasonCode) };
      return withProps({ cmd: 'connack', sessionPresent: p.sessionPresent, ...code }, p.properties);
    }
    case 'publish': {
      const o: MqttPacketObject = { cmd: 'publish', topic: p.topic, payload: toBuffer(p.payload), qos: p.qos, retain: p.retain, dup: p.dup };
      if (p.packetId !== undefined) o.messageId = p.packetId;
      return withProps(o, p.properties);
    }
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      return withProps({ cmd: p.type, messageId: p.packetId, reasonCode: p.reasonCode }, p.properties);
    case 'subscribe':
      return withProps({
        cmd: 'subscribe', messageId: p.packetId,
        subscriptions: p.subscriptions.map((s) => (version === 5
          ? { topic: s.topicFilter, qos: s.qos, nl: s.noLocal, rap: s.retainAsPublished, rh: s.retainHandling }
          : { topic: s.topicFilter, qos: s.qos })),
      }, p.properties);
    case 'suback':
      return withProps({ cmd: 'suback', messageId: p.packetId, granted: [...p.reasonCodes] }, p.properties);
    case 'unsubscribe':
      return withProps({ cmd: 'unsubscribe', messageId: p.packetId, unsubscriptions: [...p.topicFilters] }, p.properties);
    case 'unsuback': {
      const o: MqttPacketObject = { cmd: 'unsuback', messageId: p.packetId };
      if (version === 5) o.granted = [...p.reasonCodes];
      return withProps(o, p.properties);
    }
    case 'pingreq': case 'pingresp':
      return { cmd: p.type };
    case 'disconnect': case 'auth':
      return withProps({ cmd: p.type, reasonCode: p.reasonCode }, p.properties);
  }
}

/** Copies `properties` into `p` when mqtt-packet's object has them. */
function props<T extends Extract<Packet, { properties?: Properties }>>(p: T, o: MqttPacketObject): T {
  if (o.properties !== undefined) p.properties = fromMqttProperties(o.properties as Loose);
  return p;
}

/** An object emitted by mqtt-packet's `parser({ protocolVersion: version })` → our packet. */
export function fromMqttPacket(o: MqttPacketObject, version: ProtocolVersion): Packet {
  const num = (field: string) => o[field] as number;
  switch (o.cmd) {
    case 'connect': {
      const p: Packet = {
        type: 'connect', protocolVersion: num('protocolVersion') as ProtocolVersion,
        clean: o.clean as boolean, keepalive: num('keepalive'), clientId: o.clientId as string,
      };
      if (o.bridgeMode) p.bridge = true;
      if (o.username !== undefined) p.username = o.username as string;
      if (o.password !== undefined) p.password = toBytes(o.password);
      if (o.will !== undefined) {
        const w = o.will as Loose;
        p.will = { topic: w.topic as string, payload: toBytes(w.payload), qos: w.qos as 0 | 1 | 2, retain: w.retain as boolean };
        if (w.properties !== undefined) p.will.properties = fromMqttProperties(w.properties as Loose);
      }
      return props(p, o);
    }
    case 'connack': {
      const reasonCode = version === 5 ? num('reasonCode') : RETURN_TO_REASON[num('returnCode')];
      return props({ type: 'connack', sessionPresent: o.sessionPresent as boolean, reasonCode }, o);
    }
    case 'publish': {
      const p: Packet = {
        type: 'publish', topic: o.topic as string, payload: toBytes(o.payload), qos: num('qos') as 0 | 1 | 2,
        retain: o.retain as boolean, dup: o.dup as boolean,
      };
      if (p.qos > 0) p.packetId = num('messageId');
      return props(p, o);
    }
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      return props({ type: o.cmd, packetId: num('messageId'), reasonCode: (o.reasonCode as number | undefined) ?? 0 }, o);
    case 'subscribe':
      return props({
        type: 'subscribe', packetId: num('messageId'),
        subscriptions: (o.subscriptions as Loose[]).map((s) => ({
          topicFilter: s.topic as string, qos: s.qos as 0 | 1 | 2, noLocal: (s.nl as boolean | undefined) ?? false,
          retainAsPublished: (s.rap as boolean | undefined) ?? false, retainHandling: (s.rh as 0 | 1 | 2 | undefined) ?? 0,
        })),
      }, o);
    case 'suback':
      return props({ type: 'suback', packetId: num('messageId'), reasonCodes: [...(o.granted as number[])] }, o);
    case 'unsubscribe':
      return props({ type: 'unsubscribe', packetId: num('messageId'), topicFilters: [...(o.unsubscriptions as string[])] }, o);
    case 'unsuback':
      return props({ type: 'unsuback', packetId: num('messageId'), reasonCodes: [...((o.granted as number[] | undefined) ?? [])] }, o);
    case 'pingreq': case 'pingresp':
      return { type: o.cmd };
    case 'disconnect': case 'auth':
      return props({ type: o.cmd, reasonCode: (o.reasonCode as number | undefined) ?? 0 }, o);
  }
}
