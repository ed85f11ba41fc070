// Property test: random event sequences never make the reducer throw, never mutate
// the (frozen) input, and keep the invariants: in-flight ≤ window, one flow per
// packet id, every request settled at most once.
import fc from 'fast-check';
import type { Packet } from '../../src/codec/types';
import { initialState, reduce, type SessionConfig, type SessionEvent, type SessionState } from '../../src/session';
import { config, deepFreeze } from './helpers';
import { CONTROL_WINDOW } from '../../src/session/subscribe';
import { tableEntries } from '../../src/session/id-table';

const id = fc.integer({ min: 1, max: 4 });
const code = fc.constantFrom(0, 0x10, 0x80, 0x92);
const qos = fc.constantFrom<0 | 1 | 2>(0, 1, 2);

const packet: fc.Arbitrary<Packet> = fc.oneof(
  fc.record({ sessionPresent: fc.boolean(), reasonCode: fc.constantFrom(0, 0, 0x87) }).map((p) => ({ type: 'connack' as const, ...p })),
  fc.constant({ type: 'connack' as const, sessionPresent: false, reasonCode: 0 }),
  fc.constant({ type: 'connack' as const, sessionPresent: false, reasonCode: 0 }),
  fc.record({ packetId: id, reasonCode: code }).map((p) => ({ type: 'puback' as const, ...p })),
  fc.record({ packetId: id, reasonCode: code }).map((p) => ({ type: 'pubrec' as const, ...p })),
  fc.record({ packetId: id, reasonCode: code }).map((p) => ({ type: 'pubrel' as const, ...p })),
  fc.record({ packetId: id, reasonCode: code }).map((p) => ({ type: 'pubcomp' as const, ...p })),
  fc.record({ packetId: id, reasonCodes: fc.array(code, { maxLength: 2 }) }).map((p) => ({ type: 'suback' as const, ...p })),
  fc.record({ packetId: id, reasonCodes: fc.array(code, { maxLength: 2 }) }).map((p) => ({ type: 'unsuback' as const, ...p })),
  fc.record({ qos, packetId: id, dup: fc.boolean() }).map(({ qos, packetId, dup }) => ({
    type: 'publish' as const,
    topic: 'in',
    payload: new Uint8Array(),
    qos,
    retain: false,
    dup,
    ...(qos > 0 ? { packetId } : {}),
  })),
  fc.constant({ type: 'pingresp' as const }),
  fc.constant({ type: 'pingreq' as const }),
  fc.constant({ type: 'disconnect' as const, reasonCode: 0x8b }),
  fc.constant({ type: 'auth' as const, reasonCode: 0x18 }),
);

type Body = SessionEvent extends infer E ? (E extends SessionEvent ? Omit<E, 'now'> : never) : never;
// Request ids are 0 here and numbered uniquely when the sequence is replayed.
const event: fc.Arbitrary<Body[]> = fc.oneof(
  // A successful connection as the engine drives it (connackHandled after the CONNACK), so that most runs spend time connected.
  // (Some brokers allow 2 topic aliases: with the option on, publishes then use them.)
  { weight: 3, arbitrary: fc.tuple(fc.boolean(), fc.boolean()).map<Body[]>(([present, aliases]) => [{ type: 'transportOpened' }, { type: 'packetReceived', packet: { type: 'connack', sessionPresent: present, reasonCode: 0, ...(aliases ? { properties: { topicAliasMaximum: 2 } } : {}) } }, { type: 'connackHandled' }]) },
  { weight: 30, arbitrary: fc.oneof(
    { weight: 3, arbitrary: fc.constant<Body>({ type: 'transportOpened' }) },
    { weight: 1, arbitrary: fc.constant<Body>({ type: 'transportClosed' }) },
    { weight: 6, arbitrary: packet.map<Body>((p) => ({ type: 'packetReceived', packet: p })) },
    { weight: 6, arbitrary: fc.tuple(qos, fc.constantFrom('t', 'topic/1', 'topic/2', 'topic/3')).map<Body>(([q, topic]) => ({ type: 'publishRequested', requestId: 0, message: { topic, payload: new Uint8Array(), qos: q, retain: false } })) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 40 }).map<Body>((r) => ({ type: 'publishWithdrawn', requestId: r })) },
    { weight: 1, arbitrary: fc.constant<Body>({ type: 'subscribeRequested', requestId: 0, subscriptions: [{ topicFilter: 'a', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 }] }) },
    { weight: 1, arbitrary: fc.constant<Body>({ type: 'unsubscribeRequested', requestId: 0, topicFilters: ['a'] }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 10 }).map<Body>((d) => ({ type: 'messageAcked', deliveryId: d })) },
    { weight: 1, arbitrary: fc.constant<Body>({ type: 'disconnectRequested' }) },
    { weight: 1, arbitrary: fc.constant<Body>({ type: 'reconnectRequested' }) },
    { weight: 3, arbitrary: fc.constant<Body>({ type: 'tick' }) },
    { weight: 1, arbitrary: fc.constant<Body>({ type: 'connackHandled' }) },
  ).map((e) => [e]) },
);

const cfg = fc.record({
  protocolVersion: fc.constantFrom<3 | 4 | 5>(4, 5),
  clean: fc.constantFrom<SessionConfig['clean']>(true, false, 'first-only'),
  maxInflight: fc.integer({ min: 0, max: 3 }),
  maxQueued: fc.integer({ min: 0, max: 3 }),
  manualAck: fc.boolean(),
  keepalive: fc.constantFrom(0, 1, 5),
  outboundTopicAliases: fc.constantFrom(0, 65535),
});

function checkInvariants(state: SessionState): void {
  const { session, connection, config: c } = state;
  const entries = tableEntries(session.flows);
  const ids = entries.map(([id]) => id);
  const flows = entries.map(([, f]) => f);
  expect(session.flows.size).toBe(entries.length);
  expect(flows.filter((f) => f.type === 'publish')).toHaveLength(session.inflight);
  expect(flows.filter((f) => f.type !== 'publish')).toHaveLength(session.controlInflight);
  expect(session.controlInflight).toBeLessThanOrEqual(CONTROL_WINDOW);
  expect(new Set(ids).size).toBe(ids.length); // no duplicate ids in use
  flows.forEach((f, i) => expect(f.packet.packetId).toBe(ids[i])); // one flow per id
  expect(session.inboundQos2Count).toBe(tableEntries(session.inboundQos2).length);
  expect(session.inboundQos2.size).toBe(session.inboundQos2Count);
  if (connection.type === 'connected') {
    // (CONNACKs here carry no Receive Maximum, so a resumed session never exceeds the window.)
    const window = Math.min(c.maxInflight === 0 ? 65535 : c.maxInflight, connection.receiveMaximum);
    expect(session.inflight).toBeLessThanOrEqual(window);
  }
  if (c.maxQueued > 0) expect(session.queue.size).toBeLessThanOrEqual(c.maxQueued);
}

describe('session: property', () => {
  it('never throws, never mutates, keeps invariants, settles each request at most once', () => {
    fc.assert(
      fc.property(cfg, fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), event), { maxLength: 80 }), (c, steps) => {
        let nextRequest = 1;
        let state = initialState(config(c));
        let now = 0;
        const settled = new Map<number, number>();
        const requested = new Set<number>();
        for (const [dt, bodies] of steps) for (const body of bodies) {
          now += dt;
          let e = { ...body, now } as SessionEvent;
          if (e.type === 'publishRequested' || e.type === 'subscribeRequested' || e.type === 'unsubscribeRequested') {
            e = { ...e, requestId: nextRequest++ };
            requested.add(e.requestId);
          }
          const frozen = deepFreeze(state);
          const result = reduce(frozen, e);
          for (const cmd of result.commands) {
            if (cmd.type === 'settleRequest') {
              settled.set(cmd.requestId, (settled.get(cmd.requestId) ?? 0) + 1);
              expect(requested.has(cmd.requestId)).toBe(true);
            }
          }
          state = result.state;
          checkInvariants(state);
        }
        for (const n of settled.values()) expect(n).toBe(1);
      }),
      { numRuns: 500 },
    );
  });
});
