// The session's persisted form (persist.ts, persist-diff.ts), over random event sequences:
// - the changes between any two states, applied to the first's snapshot, give the second's;
// - the snapshot survives JSON and its own check;
// - a session restored from it resends exactly what the original would (DUP PUBLISH,
//   PUBREL, in order, then the QoS 1/2 backlog) and does not deliver a held QoS 2 again.
import fc from 'fast-check';
import type { Packet, PublishPacket } from '../../src/codec/types';
import { initialState, reduce, type SessionCommand, type SessionConfig, type SessionEvent, type SessionState } from '../../src/session';
import { applyChanges, EMPTY_PERSISTED, persistSession, restoreSession, type PersistedSession } from '../../src/session/persist';
import { checkChanges, checkPersisted } from '../../src/session/persist-check';
import { sessionChanges } from '../../src/session/persist-diff';
import { tableEntries } from '../../src/session/id-table';
import { config, deepFreeze } from './helpers';

type Body = SessionEvent extends infer E ? (E extends SessionEvent ? Omit<E, 'now'> : never) : never;

const id = fc.integer({ min: 1, max: 5 });
const payload = fc.uint8Array({ maxLength: 6 });
const properties = fc.option(
  fc.record({ correlationData: fc.uint8Array({ maxLength: 4 }), userProperties: fc.array(fc.tuple(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 })), { maxLength: 2 }) }, { requiredKeys: [] }),
  { nil: undefined },
);

const inbound: fc.Arbitrary<Packet> = fc.oneof(
  fc.record({ packetId: id }).map((p) => ({ type: 'puback' as const, ...p, reasonCode: 0 })),
  fc.record({ packetId: id, reasonCode: fc.constantFrom(0, 0, 0x80) }).map((p) => ({ type: 'pubrec' as const, ...p })),
  fc.record({ packetId: id }).map((p) => ({ type: 'pubcomp' as const, ...p, reasonCode: 0 })),
  fc.record({ packetId: id }).map((p) => ({ type: 'pubrel' as const, ...p, reasonCode: 0 })),
  fc.record({ qos: fc.constantFrom<0 | 1 | 2>(1, 2, 2), packetId: id, dup: fc.boolean() }).map(({ qos, packetId, dup }) => ({
    type: 'publish' as const, topic: 'in', payload: new Uint8Array([1]), qos, retain: false, dup, packetId,
  })),
);

const event: fc.Arbitrary<Body[]> = fc.oneof(
  { weight: 8, arbitrary: fc.boolean().map<Body[]>((present) => [{ type: 'transportOpened' }, { type: 'packetReceived', packet: { type: 'connack', sessionPresent: present, reasonCode: 0 } }, { type: 'connackHandled' }]) },
  { weight: 30, arbitrary: fc.oneof(
    { weight: 1, arbitrary: fc.constant<Body>({ type: 'transportClosed' }) },
    { weight: 8, arbitrary: inbound.map<Body>((p) => ({ type: 'packetReceived', packet: p })) },
    { weight: 8, arbitrary: fc.tuple(fc.constantFrom<0 | 1 | 2>(0, 1, 2), fc.constantFrom('a', 'b/c'), payload, fc.boolean(), properties).map<Body>(([qos, topic, p, retain, props]) => ({
      type: 'publishRequested', requestId: 0, message: { topic, payload: p, qos, retain, ...(props ? { properties: props } : {}) },
    })) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 30 }).map<Body>((r) => ({ type: 'publishWithdrawn', requestId: r })) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 10 }).map<Body>((d) => ({ type: 'messageAcked', deliveryId: d })) },
    { weight: 1, arbitrary: fc.constant<Body>({ type: 'disconnectRequested' }) },
    { weight: 1, arbitrary: fc.constant<Body>({ type: 'reconnectRequested' }) },
    // The broker's acks for the ids the session hands out first (1, 2, 3…): flows get to every stage.
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom('puback', 'pubrec', 'pubrec', 'pubcomp'), fc.integer({ min: 1, max: 3 })).map<Body>(([type, packetId]) => ({
      type: 'packetReceived', packet: { type: type as 'puback', packetId, reasonCode: 0 },
    })) },
    { weight: 1, arbitrary: fc.constant<Body>({ type: 'transportBlocked' }) },
    { weight: 1, arbitrary: fc.constant<Body>({ type: 'transportDrained' }) },
  ).map((e) => [e]) },
);

const cfg = fc.record({
  protocolVersion: fc.constantFrom<4 | 5>(4, 5),
  clean: fc.constantFrom<SessionConfig['clean']>(false, 'first-only'),
  maxInflight: fc.integer({ min: 1, max: 3 }),
  manualAck: fc.boolean(),
});

/** Every event in order, request ids numbered from 1; `save` says after which events a store would be written (a run's end). */
const scenario = fc.record({ c: cfg, events: fc.array(event, { minLength: 10, maxLength: 60 }), cuts: fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }) });

function replay(c: SessionConfig, events: Body[][], onStep: (prev: SessionState, next: SessionState, i: number) => void): SessionState {
  let state = initialState(c);
  let requestId = 0;
  let i = 0;
  for (const group of events) {
    for (const e of group) {
      const body = 'requestId' in e && e.type !== 'publishWithdrawn' ? { ...e, requestId: ++requestId } : e;
      const next = reduce(deepFreeze(state), { ...body, now: 0 } as SessionEvent).state;
      onStep(state, next, i++);
      state = next;
    }
  }
  return state;
}

/** Queue keys are request ids, which restoring renumbers: compare by position. */
function normalised(p: PersistedSession): PersistedSession {
  return { ...p, queue: p.queue.map((q, i) => ({ ...q, key: i })) };
}

function sent(commands: SessionCommand[]): Packet[] {
  return commands.flatMap((c) => (c.type === 'sendPacket' ? [c.packet] : []));
}

/** What a resumed session puts on the wire after CONNECT: resends, then the QoS 1/2 backlog (QoS 0 is not persisted). */
function resumed(state: SessionState): { wire: unknown[]; delivered: number } {
  let s = state;
  const commands: SessionCommand[] = [];
  const step = (e: Body) => {
    const r = reduce(s, { ...e, now: 0 } as SessionEvent);
    s = r.state;
    commands.push(...r.commands);
  };
  if (s.connection.type !== 'offline' || s.connection.draining) step({ type: 'transportClosed' });
  if (s.connection.type !== 'offline') step({ type: 'transportClosed' });
  commands.length = 0;
  step({ type: 'transportOpened' });
  step({ type: 'packetReceived', packet: { type: 'connack', sessionPresent: true, reasonCode: 0 } });
  step({ type: 'connackHandled' });
  // The broker resends every held QoS 2 PUBLISH: none may be delivered again.
  for (const [heldId, entry] of tableEntries(state.session.inboundQos2)) {
    if (entry.acked) step({ type: 'packetReceived', packet: { type: 'publish', topic: 'in', payload: new Uint8Array([1]), qos: 2, retain: false, dup: true, packetId: heldId } });
  }
  const wire = sent(commands)
    .filter((p) => p.type !== 'connect' && !(p.type === 'publish' && p.qos === 0))
    .map((p) => (p.type === 'publish' ? { ...(p as PublishPacket), properties: p.properties ?? undefined } : p));
  return { wire, delivered: commands.filter((c) => c.type === 'deliverMessage').length };
}

describe('the persisted session', () => {
  it('changes between any two states replay onto the first snapshot to give the second (per event and per run)', () => {
    fc.assert(
      fc.property(scenario, ({ c, events, cuts }) => {
        let stored: PersistedSession = EMPTY_PERSISTED;
        let savedState: SessionState | undefined;
        const final = replay(config(c), events, (prev, next, i) => {
          // Per event.
          expect(applyChanges(persistSession(prev.session), sessionChanges(prev.session, next.session))).toEqual(persistSession(next.session));
          // Per run: several events between saves, as the engine saves.
          if (savedState === undefined) savedState = prev;
          if (cuts[i % cuts.length]) {
            const changes = JSON.parse(JSON.stringify(sessionChanges(savedState.session, next.session))) as unknown;
            stored = applyChanges(stored, checkChanges(changes));
            savedState = next;
          }
        });
        if (savedState !== undefined) stored = applyChanges(stored, sessionChanges(savedState.session, final.session));
        expect(stored).toEqual(persistSession(final.session));
      }),
      { numRuns: 300 },
    );
  });

  it('survives JSON and its check, and restoring it gives the same snapshot', () => {
    fc.assert(
      fc.property(scenario, ({ c, events }) => {
        const state = replay(config(c), events, () => undefined);
        const p = persistSession(state.session);
        const back = checkPersisted(JSON.parse(JSON.stringify(p)));
        expect(back).toEqual(p);
        const restored = restoreSession(initialState(config(c)).session, back);
        expect(normalised(persistSession(restored))).toEqual(normalised(p));
      }),
      { numRuns: 300 },
    );
  });

  it('a restored session resends what the original would, in order, and delivers no held QoS 2 again', () => {
    fc.assert(
      fc.property(scenario, ({ c, events }) => {
        const original = replay(config(c), events, () => undefined);
        const p = checkPersisted(JSON.parse(JSON.stringify(persistSession(original.session))));
        const fresh = initialState(config(c));
        const restored: SessionState = { ...fresh, session: restoreSession(fresh.session, p) };
        const a = resumed(original);
        const b = resumed(restored);
        expect(b.wire).toEqual(a.wire);
        expect(b.delivered).toBe(0);
        expect(a.delivered).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
