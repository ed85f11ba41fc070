/**
 * fast-check arbitraries for MQTT 5 property blocks, per packet.
 *
 * `ALLOWED` is the table of which property each packet (and the will) may carry, read
 * from MQTT 5.0 §3.x.2.3 of each packet and §2.2.2.2 table 2-4. Values stay inside the
 * ranges the spec gives (a 0 Receive Maximum or Topic Alias is a Protocol Error, a
 * "byte" flag is 0 or 1, a Subscription Identifier is 1..268,435,455).
 *
 * Normal form: a property block with nothing in it is absent (`undefined` here, so the
 * packet arbitraries drop the key); `userProperties` and `subscriptionIdentifiers` are
 * absent rather than empty.
 */
import fc from 'fast-check';
import type { Properties, UserProperty } from '../../../src/codec';
import { bytes, topicName, utf8String } from './strings';

type PropertyName = keyof Properties;

const u8flag = fc.constantFrom(0, 1);
const u16 = fc.integer({ min: 0, max: 0xffff });
const u16nz = fc.integer({ min: 1, max: 0xffff });
const u32 = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff_ffff }));
const u32nz = fc.integer({ min: 1, max: 0xffff_ffff });
const varint = fc.oneof(
  fc.integer({ min: 1, max: 127 }),
  fc.integer({ min: 128, max: 16_383 }),
  fc.integer({ min: 1, max: 268_435_455 }),
);

/**
 * User property names come from a tiny pool half the time, so repeated names are
 * common: the spec lets a User Property "appear multiple times to represent multiple
 * name, value pairs", even with the same name (e.g. §3.3.2.3.7), and keeps their order.
 */
const userProperty: fc.Arbitrary<UserProperty> = fc.tuple(
  fc.oneof(fc.constantFrom('a', 'b', 'trace', ''), utf8String(12)),
  utf8String(16),
);
export const userProperties = fc.array(userProperty, { minLength: 1, maxLength: 5 });

/** Every property's value arbitrary, keyed by its model name. */
const VALUE: { [K in PropertyName]-?: fc.Arbitrary<NonNullable<Properties[K]>> } = {
  payloadFormatIndicator: u8flag,
  messageExpiryInterval: u32,
  contentType: utf8String(24),
  responseTopic: topicName,
  correlationData: bytes(32),
  subscriptionIdentifiers: fc.array(varint, { minLength: 1, maxLength: 3 }),
  sessionExpiryInterval: u32,
  assignedClientIdentifier: utf8String(23),
  serverKeepAlive: u16,
  authenticationMethod: utf8String(16),
  authenticationData: bytes(32),
  requestProblemInformation: u8flag,
  willDelayInterval: u32,
  requestResponseInformation: u8flag,
  responseInformation: utf8String(24),
  serverReference: utf8String(24),
  reasonString: utf8String(32),
  receiveMaximum: u16nz,
  topicAliasMaximum: u16,
  topicAlias: u16nz,
  maximumQoS: u8flag,
  retainAvailable: u8flag,
  userProperties,
  maximumPacketSize: u32nz,
  wildcardSubscriptionAvailable: u8flag,
  subscriptionIdentifiersAvailable: u8flag,
  sharedSubscriptionAvailable: u8flag,
};

/** Which properties each packet may carry; `will` is the CONNECT will property block. */
export const ALLOWED = {
  connect: [
    'sessionExpiryInterval', 'receiveMaximum', 'maximumPacketSize', 'topicAliasMaximum',
    'requestResponseInformation', 'requestProblemInformation', 'userProperties',
    'authenticationMethod', 'authenticationData',
  ],
  will: [
    'willDelayInterval', 'payloadFormatIndicator', 'messageExpiryInterval', 'contentType',
    'responseTopic', 'correlationData', 'userProperties',
  ],
  connack: [
    'sessionExpiryInterval', 'receiveMaximum', 'maximumQoS', 'retainAvailable', 'maximumPacketSize',
    'assignedClientIdentifier', 'topicAliasMaximum', 'reasonString', 'userProperties',
    'wildcardSubscriptionAvailable', 'subscriptionIdentifiersAvailable', 'sharedSubscriptionAvailable',
    'serverKeepAlive', 'responseInformation', 'serverReference', 'authenticationMethod',
    'authenticationData',
  ],
  // Several Subscription Identifiers only server → client, but the codec serves both ends.
  publish: [
    'payloadFormatIndicator', 'messageExpiryInterval', 'topicAlias', 'responseTopic',
    'correlationData', 'userProperties', 'subscriptionIdentifiers', 'contentType',
  ],
  ack: ['reasonString', 'userProperties'],
  subscribe: ['subscriptionIdentifiers', 'userProperties'],
  unsubscribe: ['userProperties'],
  disconnect: ['sessionExpiryInterval', 'reasonString', 'userProperties', 'serverReference'],
  auth: ['authenticationMethod', 'authenticationData', 'reasonString', 'userProperties'],
} as const satisfies Record<string, readonly PropertyName[]>;

export type PropertyContext = keyof typeof ALLOWED;

/**
 * A property block for `context`, or `undefined` for none (about one time in four).
 * SUBSCRIBE carries at most one Subscription Identifier ([MQTT-3.8.2.1.2]); Authentication
 * Data only with an Authentication Method (a Protocol Error otherwise, [MQTT-3.1.2.11.10]).
 */
export function properties(context: PropertyContext): fc.Arbitrary<Properties | undefined> {
  const model: { [K in PropertyName]?: fc.Arbitrary<unknown> } = {};
  for (const name of ALLOWED[context]) {
    model[name] = name === 'subscriptionIdentifiers' && context === 'subscribe'
      ? VALUE.subscriptionIdentifiers.map((ids) => ids.slice(0, 1))
      : VALUE[name];
  }
  const block = fc
    .record(model, { requiredKeys: [], noNullPrototype: true })
    .map((p) => {
      const props = p as Properties;
      if (props.authenticationData !== undefined && props.authenticationMethod === undefined) {
        delete props.authenticationData;
      }
      return Object.keys(props).length === 0 ? undefined : props;
    });
  return fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: block });
}
