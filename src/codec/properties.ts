/**
 * MQTT 5.0 properties (§2.2.2): the property table as data, and encode/decode of a
 * property block (a Variable Byte Integer length, then identifier/value pairs).
 *
 * The table says, for each property: its identifier, its key in `Properties`, its wire
 * type, which packets (and the Will, a separate allowed-set) may carry it, and whether
 * it may repeat. Only User Property repeats everywhere (order kept); Subscription
 * Identifier repeats in PUBLISH but may appear once in SUBSCRIBE [MQTT-3.8.2.1.2].
 * A property that is unknown, not allowed in the packet, or repeated where forbidden is
 * a MalformedPacketError on decode and a PacketEncodeError on encode. Flags that must be
 * 0 or 1, and values that must not be 0 (Receive Maximum, Topic Alias, Maximum Packet
 * Size, Subscription Identifier), are checked both ways.
 *
 * Encoding follows the key order of the given `properties` object (as mqtt-packet
 * does), so callers control the byte order; decoding keeps the wire order of repeats.
 */
import { MalformedPacketError, PacketEncodeError } from '../errors';
import { assertNever } from '../util/assert-never';
import { Reader } from './reader';
import { binaryLength, utf8Length, varintLength, type Writer } from './writer';
import type { PacketType, Properties, UserProperty } from './types';

export type PropertyContext = PacketType | 'will';
type WireType = 'byte' | 'flag' | 'u16' | 'u32' | 'varint' | 'string' | 'binary' | 'pair';

interface PropertyDef {
  readonly id: number;
  readonly key: keyof Properties;
  readonly wire: WireType;
  readonly contexts: ReadonlySet<PropertyContext>;
  /** Contexts in which the property may appear more than once. */
  readonly repeatIn: ReadonlySet<PropertyContext>;
  /** 0 is a Protocol Error for this property. */
  readonly nonZero: boolean;
}

const PUBLISH_WILL: PropertyContext[] = ['publish', 'will'];
const REASON_STRING: PropertyContext[] = ['connack', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'suback', 'unsuback', 'disconnect', 'auth'];
const ALL: PropertyContext[] = [
  'connect', 'connack', 'publish', 'will', 'puback', 'pubrec', 'pubrel', 'pubcomp',
  'subscribe', 'suback', 'unsubscribe', 'unsuback', 'disconnect', 'auth',
];

function def(id: number, key: keyof Properties, wire: WireType, contexts: PropertyContext[], extra: { repeatIn?: PropertyContext[]; nonZero?: boolean } = {}): PropertyDef {
  return { id, key, wire, contexts: new Set(contexts), repeatIn: new Set(extra.repeatIn ?? []), nonZero: extra.nonZero ?? false };
}

/** Table 2-4 of MQTT 5.0. */
export const PROPERTY_TABLE: readonly PropertyDef[] = [
  def(0x01, 'payloadFormatIndicator', 'flag', PUBLISH_WILL),
  def(0x02, 'messageExpiryInterval', 'u32', PUBLISH_WILL),
  def(0x03, 'contentType', 'string', PUBLISH_WILL),
  def(0x08, 'responseTopic', 'string', PUBLISH_WILL),
  def(0x09, 'correlationData', 'binary', PUBLISH_WILL),
  def(0x0b, 'subscriptionIdentifiers', 'varint', ['publish', 'subscribe'], { repeatIn: ['publish'], nonZero: true }),
  def(0x11, 'sessionExpiryInterval', 'u32', ['connect', 'connack', 'disconnect']),
  def(0x12, 'assignedClientIdentifier', 'string', ['connack']),
  def(0x13, 'serverKeepAlive', 'u16', ['connack']),
  def(0x15, 'authenticationMethod', 'string', ['connect', 'connack', 'auth']),
  def(0x16, 'authenticationData', 'binary', ['connect', 'connack', 'auth']),
  def(0x17, 'requestProblemInformation', 'flag', ['connect']),
  def(0x18, 'willDelayInterval', 'u32', ['will']),
  def(0x19, 'requestResponseInformation', 'flag', ['connect']),
  def(0x1a, 'responseInformation', 'string', ['connack']),
  def(0x1c, 'serverReference', 'string', ['connack', 'disconnect']),
  def(0x1f, 'reasonString', 'string', REASON_STRING),
  def(0x21, 'receiveMaximum', 'u16', ['connect', 'connack'], { nonZero: true }),
  def(0x22, 'topicAliasMaximum', 'u16', ['connect', 'connack']),
  def(0x23, 'topicAlias', 'u16', ['publish'], { nonZero: true }),
  def(0x24, 'maximumQoS', 'flag', ['connack']),
  def(0x25, 'retainAvailable', 'flag', ['connack']),
  def(0x26, 'userProperties', 'pair', ALL, { repeatIn: ALL }),
  def(0x27, 'maximumPacketSize', 'u32', ['connect', 'connack'], { nonZero: true }),
  def(0x28, 'wildcardSubscriptionAvailable', 'flag', ['connack']),
  def(0x29, 'subscriptionIdentifiersAvailable', 'flag', ['connack']),
  def(0x2a, 'sharedSubscriptionAvailable', 'flag', ['connack']),
];

const BY_ID: ReadonlyMap<number, PropertyDef> = new Map(PROPERTY_TABLE.map((d) => [d.id, d]));
const BY_KEY: ReadonlyMap<string, PropertyDef> = new Map(PROPERTY_TABLE.map((d) => [d.key, d]));

/** True when `props` has at least one defined property (an empty object counts as none). */
export function hasProperties(props: Properties | undefined): props is Properties {
  if (props === undefined) return false;
  for (const key in props) if (props[key as keyof Properties] !== undefined) return true;
  return false;
}

// ---------------------------------------------------------------------------- encode

function encodeFail(rule: string, msg: string): never {
  throw new PacketEncodeError(rule, msg);
}

function lookup(key: string, ctx: PropertyContext): PropertyDef {
  const d = BY_KEY.get(key);
  if (d === undefined) encodeFail('property not allowed', `unknown property '${key}'`);
  if (!d.contexts.has(ctx)) encodeFail('property not allowed', `property '${key}' is not allowed in ${ctx}`);
  return d;
}

function scalarLength(d: PropertyDef, v: unknown): number {
  const name = d.key;
  switch (d.wire) {
    case 'flag':
      if (v !== 0 && v !== 1) encodeFail('property value', `${name} must be 0 or 1`);
      return 1;
    case 'byte':
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xff) encodeFail('property value', `${name} must be a byte`);
      return 1;
    case 'u16':
      if (!Number.isInteger(v) || (v as number) < (d.nonZero ? 1 : 0) || (v as number) > 0xffff) encodeFail('property value', `${name} must be an integer in ${d.nonZero ? 1 : 0}..65535`);
      return 2;
    case 'u32':
      if (!Number.isInteger(v) || (v as number) < (d.nonZero ? 1 : 0) || (v as number) > 0xffffffff) encodeFail('property value', `${name} must be an integer in ${d.nonZero ? 1 : 0}..4294967295`);
      return 4;
    case 'varint':
      if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 268_435_455) encodeFail('property value', `${name} must be an integer in 1..268435455`);
      return varintLength(v as number);
    case 'string':
      if (typeof v !== 'string') encodeFail('property value', `${name} must be a string`);
      return 2 + utf8Length(v, name);
    case 'binary':
      if (!(v instanceof Uint8Array)) encodeFail('property value', `${name} must be a Uint8Array`);
      return 2 + binaryLength(v, name);
    case 'pair': {
      const pair = v as UserProperty;
      if (!Array.isArray(pair) || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') encodeFail('property value', `${name} entries must be [name, value] string pairs`);
      return 4 + utf8Length(pair[0], 'user property name') + utf8Length(pair[1], 'user property value');
    }
    default:
      return assertNever(d.wire);
  }
}

/** Validates `props` for `ctx` and returns the property block's content length (without its length prefix). */
export function propertiesLength(props: Properties | undefined, ctx: PropertyContext): number {
  if (props === undefined) return 0;
  let len = 0;
  for (const key in props) {
    const v = props[key as keyof Properties];
    if (v === undefined) continue;
    const d = lookup(key, ctx);
    if (d.wire === 'pair' || d.wire === 'varint') {
      if (!Array.isArray(v)) encodeFail('property value', `${key} must be an array`);
      if (v.length > 1 && !d.repeatIn.has(ctx)) encodeFail('property repeated', `${key} may appear at most once in ${ctx}`);
      for (const item of v) len += 1 + scalarLength(d, item);
    } else {
      len += 1 + scalarLength(d, v);
    }
  }
  return len;
}

function writeScalar(w: Writer, d: PropertyDef, v: unknown): void {
  w.u8(d.id);
  switch (d.wire) {
    case 'flag': case 'byte': w.u8(v as number); return;
    case 'u16': w.u16(v as number); return;
    case 'u32': w.u32(v as number); return;
    case 'varint': w.varint(v as number); return;
    case 'string': w.utf8(v as string); return;
    case 'binary': w.binary(v as Uint8Array); return;
    case 'pair': w.utf8((v as UserProperty)[0]); w.utf8((v as UserProperty)[1]); return;
    default: assertNever(d.wire);
  }
}

/** Writes the block: its length (from propertiesLength), then each property. */
export function writeProperties(w: Writer, props: Properties | undefined, len: number): void {
  w.varint(len);
  if (len === 0 || props === undefined) return;
  for (const key in props) {
    const v = props[key as keyof Properties];
    if (v === undefined) continue;
    // Validated by propertiesLength already.
    const d = BY_KEY.get(key) as PropertyDef;
    if (d.wire === 'pair' || d.wire === 'varint') {
      for (const item of v as unknown[]) writeScalar(w, d, item);
    } else {
      writeScalar(w, d, v);
    }
  }
}

// ---------------------------------------------------------------------------- decode

function readScalar(r: Reader, d: PropertyDef): unknown {
  switch (d.wire) {
    case 'flag': {
      const v = r.u8(d.key);
      if (v > 1) throw new MalformedPacketError('property value', `${d.key} must be 0 or 1, got ${v}`);
      return v;
    }
    case 'byte': return r.u8(d.key);
    case 'u16': return r.u16(d.key);
    case 'u32': return r.u32(d.key);
    case 'varint': return r.varint(d.key);
    case 'string': return r.utf8(d.key);
    case 'binary': return r.binary(d.key);
    case 'pair': return r.pair(d.key);
    default: return assertNever(d.wire);
  }
}

/** Reads a property block; `undefined` when it is empty (the model's normal form). */
export function readProperties(r: Reader, ctx: PropertyContext): Properties | undefined {
  const len = r.varint('property length');
  if (len === 0) return undefined;
  r.need(len, 'property block');
  const end = r.pos + len;
  // A sub-reader bounded by the block, so a value cannot run into the payload.
  const sub = new Reader(r.buf, r.pos, end);
  const props: Record<string, unknown> = {};
  while (sub.pos < end) {
    const id = sub.varint('property identifier');
    const d = BY_ID.get(id);
    if (d === undefined || !d.contexts.has(ctx)) {
      throw new MalformedPacketError('property not allowed', `property 0x${id.toString(16)} is not allowed in ${ctx}`);
    }
    const v = readScalar(sub, d);
    if (d.nonZero && v === 0) throw new MalformedPacketError('property value', `${d.key} must not be 0`);
    const prev = props[d.key];
    if (d.wire === 'pair' || d.wire === 'varint') {
      if (prev === undefined) props[d.key] = [v];
      else if (d.repeatIn.has(ctx)) (prev as unknown[]).push(v);
      else throw new MalformedPacketError('property repeated', `${d.key} appears more than once in ${ctx}`);
    } else {
      if (prev !== undefined) throw new MalformedPacketError('property repeated', `${d.key} appears more than once in ${ctx}`);
      props[d.key] = v;
    }
  }
  r.pos = end;
  return props as Properties;
}
