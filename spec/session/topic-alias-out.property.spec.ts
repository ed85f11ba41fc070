// Property test of outbound topic aliases: for any run of publishes over a few topics,
// interleaved with acks, drops, reconnects (session resumed or not) and brokers that allow
// different numbers of aliases, a simulated broker that resolves aliases per network
// connection — and treats an alias it never saw on this connection, an alias of 0 or one
// over its maximum as a protocol error — recovers the requested topic of every PUBLISH.
import fc from 'fast-check';
import type { PublishPacket } from '../../src/codec/types';
import { initialState, reduce, type SessionEvent, type SessionState } from '../../src/session';
import { topicHash } from '../../src/session/topic-alias-out';
import { encodedLength } from '../../src/codec/encode';
import { config, connack, deepFreeze, recv, run, sent } from './helpers';

type Body = SessionEvent extends infer E ? (E extends SessionEvent ? Omit<E, 'now'> : never) : never;

// 'dev/1232789' and 'dev/1429192' have the same hash (they share a bucket); 'abc' is too short to get an alias.
const TOPICS = ['sensors/kitchen/temperature', 'dev/1232789', 'dev/1429192', 'abc', 'status'];
const id = fc.integer({ min: 1, max: 4 });
const ack = (type: 'puback' | 'pubrec' | 'pubcomp') => id.map<Body>((packetId) => ({ type: 'packetReceived', packet: { type, packetId, reasonCode: 0 } }));

/** A connection as the engine drives it, to a broker allowing 0..4 aliases (absent = 0). */
const connection: fc.Arbitrary<Body[]> = fc
  .record({ present: fc.boolean(), maximum: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }) })
  .map<Body[]>(({ present, maximum }) => [
    { type: 'transportOpened' },
    {
      type: 'packetReceived',
      packet: { type: 'connack', sessionPresent: present, reasonCode: 0, ...(maximum === undefined ? {} : { properties: { topicAliasMaximum: maximum } }) },
    },
    { type: 'connackHandled' },
  ]);

const event: fc.Arbitrary<Body[]> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .record({ topic: fc.constantFrom(...TOPICS), qos: fc.constantFrom<0 | 1 | 2>(0, 0, 1, 2) })
      .map<Body[]>(({ topic, qos }) => [{ type: 'publishRequested', requestId: 0, message: { topic, payload: new Uint8Array(), qos, retain: false } }]),
  },
  { weight: 2, arbitrary: ack('puback').map((e) => [e]) },
  { weight: 2, arbitrary: ack('pubrec').map((e) => [e]) },
  { weight: 2, arbitrary: ack('pubcomp').map((e) => [e]) },
  { weight: 1, arbitrary: fc.constant<Body[]>([{ type: 'transportClosed' }]) },
  { weight: 1, arbitrary: fc.constant<Body[]>([{ type: 'reconnectRequested' }, { type: 'transportClosed' }]) },
  { weight: 2, arbitrary: connection },
);

/** The broker's side of one network connection: the aliases it allows and the mappings it holds. */
interface BrokerConnection {
  maximum: number;
  aliases: Map<number, string>;
}

/** Resolves a PUBLISH as a broker would [MQTT-3.3.2-8..12]; throws what the broker would close the connection for. */
function resolve(conn: BrokerConnection, p: PublishPacket): string {
  const alias = p.properties?.topicAlias;
  if (alias === undefined) {
    if (p.topic === '') throw new Error('empty topic without an alias');
    return p.topic;
  }
  if (alias < 1 || alias > conn.maximum) throw new Error(`alias ${alias} outside 1..${conn.maximum}`);
  if (p.topic !== '') {
    conn.aliases.set(alias, p.topic);
    return p.topic;
  }
  const topic = conn.aliases.get(alias);
  if (topic === undefined) throw new Error(`alias ${alias} never set on this connection`);
  return topic;
}

const payloadOf = (requestId: number) => new TextEncoder().encode(String(requestId));
const requestOf = (p: PublishPacket) => Number(new TextDecoder().decode(p.payload));

describe('session: outbound topic aliases, property', () => {
  it('a broker resolving aliases per connection recovers every PUBLISH’s topic; no alias exceeds the maximum', () => {
    // What the runs exercised, so the property cannot pass with aliases silently off.
    const seen = { aliasOnly: 0, remapped: 0, resentWithAlias: 0 };
    fc.assert(
      fc.property(
        fc.record({ ours: fc.constantFrom(1, 2, 3, 65535), clean: fc.constantFrom(true, false), maxInflight: fc.integer({ min: 1, max: 4 }) }),
        connection,
        fc.array(event, { maxLength: 120, size: 'max' }),
        ({ ours, clean, maxInflight }, first, rest) => {
          const steps = [first, ...rest];
          let state: SessionState = initialState(config({ outboundTopicAliases: ours, clean, maxInflight }));
          const topicOf = new Map<number, string>();
          let nextRequest = 1;
          let broker: BrokerConnection | undefined;
          let now = 0;
          for (const body of steps.flat()) {
            let e = { ...body, now: ++now } as SessionEvent;
            if (e.type === 'publishRequested') {
              const requestId = nextRequest++;
              topicOf.set(requestId, e.message.topic);
              e = { ...e, requestId, message: { ...e.message, payload: payloadOf(requestId) } };
            }
            const wasOffline = state.connection.type === 'offline';
            const result = reduce(deepFreeze(state), e);
            state = result.state;
            // A new network connection when the session took the open; its broker allows what CONNACK says.
            if (e.type === 'transportOpened' && wasOffline) broker = { maximum: 0, aliases: new Map() };
            if (e.type === 'packetReceived' && e.packet.type === 'connack' && broker !== undefined) {
              broker.maximum = e.packet.properties?.topicAliasMaximum ?? 0;
            }
            for (const cmd of result.commands) {
              if (cmd.type !== 'sendPacket' || cmd.packet.type !== 'publish') continue;
              const p = cmd.packet;
              expect(broker).toBeDefined();
              const alias = p.properties?.topicAlias;
              const before = alias === undefined ? undefined : broker!.aliases.get(alias);
              if (alias !== undefined && p.topic !== '' && before !== undefined && before !== p.topic) seen.remapped++;
              if (alias !== undefined && p.dup) seen.resentWithAlias++;
              expect(resolve(broker!, p)).toBe(topicOf.get(requestOf(p)));
              if (alias !== undefined) expect(alias).toBeLessThanOrEqual(Math.min(ours, broker!.maximum));
              if (p.dup) expect(p.topic).not.toBe(''); // a resend carries its full topic
              if (p.topic === '') seen.aliasOnly++;
            }
            if (e.type === 'transportClosed') broker = undefined;
          }
        },
      ),
      { numRuns: 300 },
    );
    // The property is about aliases: make sure the runs used them.
    expect(seen.aliasOnly).toBeGreaterThan(200);
    expect(seen.remapped).toBeGreaterThan(20);
    expect(seen.resentWithAlias).toBeGreaterThan(20);
  });

  it('a new mapping is made exactly when topic + alias fits the broker’s Maximum Packet Size', () => {
    // Mostly 3-byte characters: the cheap upper bound (3 bytes a UTF-16 unit) is then tight.
    const topicChar = fc.constantFrom('€', '€', '€', '€', '€', '€', '€', '€', '€', 'a', 'é', '😀');
    fc.assert(
      fc.property(
        fc.array(topicChar, { minLength: 4, maxLength: 12 }).map((cs) => cs.join('')),
        fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 16_000, max: 17_000 })),
        fc.constantFrom<0 | 1 | 2>(0, 1, 2),
        fc.option(fc.constant({ contentType: 'text/plain' }), { nil: undefined, freq: 2 }),
        fc.constantFrom(-1, 0),
        (topic, size, qos, properties, slack) => {
          const payload = new Uint8Array(size);
          const wire: PublishPacket = { type: 'publish', topic, payload, qos, retain: false, dup: false, ...(qos > 0 ? { packetId: 1 } : {}), properties: { ...properties, topicAlias: 1 } };
          const exact = encodedLength(wire, 5);
          const start = run(initialState(config({ outboundTopicAliases: 10 })), [
            { type: 'transportOpened' },
            recv(connack(false, 0, { topicAliasMaximum: 10, maximumPacketSize: exact + slack })),
          ]).state;
          const r = run(start, [{ type: 'publishRequested', requestId: 1, message: { topic, payload, qos, retain: false, ...(properties ? { properties } : {}) } }]);
          const [sentPublish] = sent(r.commands) as PublishPacket[];
          expect(sentPublish.properties?.topicAlias).toBe(slack === 0 ? 1 : undefined);
          expect(sentPublish.topic).toBe(topic);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('(fixture) two of the topics share a hash bucket, one is too short to alias', () => {
    expect(topicHash('dev/1232789')).toBe(topicHash('dev/1429192'));
    expect(TOPICS.filter((t) => t.length >= 4)).toHaveLength(4);
  });
});
