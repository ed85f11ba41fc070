/**
 * Argument validation for the public methods: everything a user passes is checked here,
 * once, and turned into the session's types — or refused with a typed
 * `MqttError('invalid-argument')` before anything is sent.
 */

import { encodedLength, type Properties, type ProtocolVersion, type QoS, type Subscription } from '../codec';
import { MqttError } from '../errors';
import type { OutgoingMessage } from '../session';
import { validateTopicFilter, validateTopicName } from '../topic';
import { invalid } from './resolve-options';
import { toPayloadBytes, type Payload } from './payload';

export interface PublishOptions {
  qos?: QoS;
  retain?: boolean;
  /**
   * MQTT 5 PUBLISH properties (contentType, messageExpiryInterval, responseTopic,
   * correlationData, userProperties, …). Not `topicAlias`: that is the `topicAliases`
   * client option's job (refused with `invalid-argument`).
   */
  properties?: Properties;
}

export interface SubscribeOptions {
  qos?: QoS;
  /** MQTT 5: do not receive own publications. */
  noLocal?: boolean;
  /** MQTT 5: keep the RETAIN flag as published. */
  retainAsPublished?: boolean;
  /** MQTT 5: 0 send retained on subscribe, 1 only if new, 2 never. */
  retainHandling?: 0 | 1 | 2;
  /** MQTT 5 SUBSCRIBE properties (subscriptionIdentifiers, userProperties). */
  properties?: Properties;
}

/** Paho's six subscribe forms: a filter, `[filter, qos]`, `[filter, options]`, a `Subscription`-like object, or a list of them. */
export type SubscribeRequest =
  | string
  | readonly [string, QoS | SubscribeOptions]
  | ({ topicFilter: string } & SubscribeOptions)
  | ReadonlyArray<string | readonly [string, QoS | SubscribeOptions] | ({ topicFilter: string } & SubscribeOptions)>;

const MAX_REMAINING_LENGTH = 268_435_455;

function checkQos(qos: unknown): QoS {
  if (qos !== 0 && qos !== 1 && qos !== 2) throw invalid(`QoS must be 0, 1 or 2, got ${String(qos)}`, 'MQTT-3.3.1-4');
  return qos;
}

function checkProperties(properties: Properties | undefined, version: ProtocolVersion): void {
  if (properties !== undefined && version !== 5) throw invalid('Properties need protocolVersion 5');
}

/** Validates a publish and returns the session's message, or throws `invalid-argument` / `packet-too-large`. */
export function toOutgoingMessage(
  topic: string,
  payload: Payload,
  options: PublishOptions,
  version: ProtocolVersion,
  maximumPacketSize: number | undefined,
): OutgoingMessage {
  if (typeof topic !== 'string') throw invalid(`Topic must be a string, got ${typeof topic}`);
  const topicError = validateTopicName(topic);
  if (topicError) throw topicError;
  const qos = checkQos(options.qos ?? 0);
  checkProperties(options.properties, version);
  const bytes = toPayloadBytes(payload);
  if (bytes instanceof MqttError) throw bytes;
  const message: OutgoingMessage = { topic, payload: bytes, qos, retain: options.retain ?? false };
  if (options.properties) {
    if (options.properties.topicAlias !== undefined) throw handSetAlias();
    message.properties = options.properties;
  }
  const limit = Math.min(maximumPacketSize ?? Infinity, MAX_REMAINING_LENGTH + 5);
  // Without properties, an upper bound (fixed header 5, topic ≤ 3 bytes a UTF-16 unit,
  // packet id 2) settles most publishes without measuring; with them, measuring also
  // checks every property against the spec, so bad ones are refused before sending.
  if (message.properties === undefined && 9 + 3 * topic.length + bytes.length <= limit) return message;
  const size = encodedLength({ type: 'publish', ...message, dup: false, ...(qos > 0 ? { packetId: 1 } : {}) }, version);
  if (size > limit) {
    throw new MqttError('packet-too-large', `A PUBLISH of ${size} bytes exceeds the maximum packet size of ${limit} bytes`, {
      rule: 'MQTT-3.1.2-24',
    });
  }
  return message;
}

/**
 * A `topicAlias` in publish properties is refused: mappings belong to one network
 * connection [MQTT-3.3.2-7] and this client may send a publish on a later one (queued
 * offline, resent after a reconnect), where the alias may exceed the broker's Topic
 * Alias Maximum [MQTT-3.3.2-9] or clash with the aliases the `topicAliases` option
 * assigns. With a topic always present it would save nothing anyway.
 */
function handSetAlias(): MqttError {
  return invalid(
    'properties.topicAlias is managed by the client: use the topicAliases option (aliases are per connection, and a publish may go out on a later one)',
    'MQTT-3.3.2-7',
  );
}

function toSubscription(filter: string, spec: QoS | SubscribeOptions | undefined, defaults: SubscribeOptions, version: ProtocolVersion): Subscription {
  if (typeof filter !== 'string') throw invalid(`Topic filter must be a string, got ${typeof filter}`);
  const filterError = validateTopicFilter(filter);
  if (filterError) throw filterError;
  const o: SubscribeOptions = typeof spec === 'number' ? { ...defaults, qos: spec } : { ...defaults, ...spec };
  const subscription: Subscription = {
    topicFilter: filter,
    qos: checkQos(o.qos ?? 0),
    noLocal: o.noLocal ?? false,
    retainAsPublished: o.retainAsPublished ?? false,
    retainHandling: o.retainHandling ?? 0,
  };
  if (![0, 1, 2].includes(subscription.retainHandling)) throw invalid(`retainHandling must be 0, 1 or 2`, 'MQTT-3.8.3-5');
  if (version !== 5 && (subscription.noLocal || subscription.retainAsPublished || subscription.retainHandling !== 0)) {
    throw invalid('noLocal, retainAsPublished and retainHandling need protocolVersion 5');
  }
  if (subscription.noLocal && filter.startsWith('$share/')) throw invalid('noLocal is not allowed on a shared subscription', 'MQTT-3.8.3-4');
  return subscription;
}

/** Normalises any of Paho's subscribe forms into a list of subscriptions. */
export function toSubscriptions(request: SubscribeRequest, options: SubscribeOptions, version: ProtocolVersion): Subscription[] {
  checkProperties(options.properties, version);
  const one = (r: SubscribeRequest extends ReadonlyArray<infer E> ? E : never): Subscription => {
    if (typeof r === 'string') return toSubscription(r, undefined, options, version);
    if (Array.isArray(r)) return toSubscription(r[0] as string, r[1] as QoS | SubscribeOptions, options, version);
    const { topicFilter, ...rest } = r as { topicFilter: string } & SubscribeOptions;
    return toSubscription(topicFilter, rest, options, version);
  };
  // A `[filter, qos]` tuple is an array too: tell it from a list by its second element.
  const isTuple = Array.isArray(request) && request.length === 2 && typeof request[0] === 'string' && typeof request[1] !== 'string' && !Array.isArray(request[1]) && (typeof request[1] === 'number' || !('topicFilter' in (request[1] as object)));
  const list = typeof request === 'string' || isTuple || !Array.isArray(request) ? [request] : (request as unknown[]);
  if (list.length === 0) throw invalid('subscribe needs at least one topic filter', 'MQTT-3.8.3-3');
  return list.map((r) => one(r as never));
}

export function toTopicFilters(filters: string | readonly string[], properties: Properties | undefined, version: ProtocolVersion): string[] {
  checkProperties(properties, version);
  const list = typeof filters === 'string' ? [filters] : [...filters];
  if (list.length === 0) throw invalid('unsubscribe needs at least one topic filter', 'MQTT-3.10.3-2');
  for (const f of list) {
    const error = typeof f === 'string' ? validateTopicFilter(f) : invalid(`Topic filter must be a string, got ${typeof f}`);
    if (error) throw error;
  }
  return list;
}
