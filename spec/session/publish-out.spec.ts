import { getFlow, tableEntries } from '../../src/session/id-table';
import { initialState, nextDeadline, type SessionState } from '../../src/session';
import { fifoToArray } from '../../src/session/fifo';
import { config, connack, connected, effects, errorCodeOf, ofType, pub, recv, run, sent } from './helpers';

const puback = (packetId: number, reasonCode = 0) => recv({ type: 'puback', packetId, reasonCode });
const pubrec = (packetId: number, reasonCode = 0) => recv({ type: 'pubrec', packetId, reasonCode });
const pubcomp = (packetId: number, reasonCode = 0) => recv({ type: 'pubcomp', packetId, reasonCode });

function ids(state: SessionState): number[] {
  return tableEntries(state.session.flows).map(([id]) => id);
}

describe('session: outbound QoS 0', () => {
  it('sends and settles at once', () => {
    const r = run(connected(), [pub(1, 0)]);
    expect(effects(r.commands)).toEqual([
      { type: 'sendPacket', packet: { type: 'publish', topic: 't', payload: new TextEncoder().encode('m1'), qos: 0, retain: false, dup: false } },
      { type: 'settleRequest', requestId: 1, result: { ok: true, value: { qos: 0, reasonCode: 0 } } },
    ]);
    expect(ids(r.state)).toEqual([]);
  });
});

describe('session: outbound QoS 1', () => {
  it('PUBLISH → PUBACK settles with the ack and frees the id', () => {
    const r1 = run(connected(), [pub(7, 1)]);
    expect(sent(r1.commands)).toEqual([expect.objectContaining({ type: 'publish', qos: 1, packetId: 1, dup: false })]);
    expect(ofType(r1.commands, 'settleRequest')).toEqual([]);
    expect(r1.state.session.inflight).toBe(1);
    const r2 = run(r1.state, [recv({ type: 'puback', packetId: 1, reasonCode: 0x10, properties: { reasonString: 'no subs' } })]);
    expect(effects(r2.commands)).toEqual([
      { type: 'settleRequest', requestId: 7, result: { ok: true, value: { packetId: 1, qos: 1, reasonCode: 0x10, properties: { reasonString: 'no subs' } } } },
    ]);
    expect(r2.state.session.inflight).toBe(0);
    expect(ids(r2.state)).toEqual([]);
  });

  it('PUBACK ≥ 0x80 settles with publish-failed carrying reason code and packet id', () => {
    const r = run(connected(), [pub(7, 1), puback(1, 0x87)]);
    const settled = ofType(r.commands, 'settleRequest')[0];
    expect(settled.result.ok).toBe(false);
    if (!settled.result.ok) expect(settled.result.error).toMatchObject({ code: 'publish-failed', reasonCode: 0x87, packetId: 1 });
    expect(ids(r.state)).toEqual([]);
  });

  it('ignores (logs) a PUBACK for an unknown id', () => {
    const before = connected();
    const r = run(before, [puback(99)]);
    expect(effects(r.commands)).toEqual([]);
    expect(ofType(r.commands, 'log')).toHaveLength(1);
    expect(r.state.session).toBe(before.session);
  });
});

describe('session: outbound QoS 2', () => {
  it('PUBLISH → PUBREC → PUBREL → PUBCOMP settles with PUBCOMP’s code', () => {
    const r1 = run(connected(), [pub(3, 2), pubrec(1)]);
    expect(sent(r1.commands).map((p) => p.type)).toEqual(['publish', 'pubrel']);
    expect(sent(r1.commands)[1]).toEqual({ type: 'pubrel', packetId: 1, reasonCode: 0 });
    expect(ofType(r1.commands, 'settleRequest')).toEqual([]);
    const r2 = run(r1.state, [pubcomp(1)]);
    expect(effects(r2.commands)).toEqual([{ type: 'settleRequest', requestId: 3, result: { ok: true, value: { packetId: 1, qos: 2, reasonCode: 0 } } }]);
    expect(ids(r2.state)).toEqual([]);
  });

  it.each([
    ['PUBREC 0x80', [pubrec(1, 0x80)], 0x80],
    ['PUBCOMP 0x92', [pubrec(1), pubcomp(1, 0x92)], 0x92],
  ])('%s ends the flow with publish-failed', (_name, acks, code) => {
    const r = run(connected(), [pub(3, 2), ...acks]);
    const settled = ofType(r.commands, 'settleRequest');
    expect(settled).toHaveLength(1);
    expect(errorCodeOf(settled[0])).toBe('publish-failed');
    if (!settled[0].result.ok) expect(settled[0].result.error).toMatchObject({ reasonCode: code, packetId: 1 });
    expect(sent(r.commands).filter((p) => p.type === 'pubrel')).toHaveLength(code === 0x80 ? 0 : 1);
    expect(ids(r.state)).toEqual([]);
    expect(r.state.session.inflight).toBe(0);
  });

  it('answers a repeated PUBREC with PUBREL again and an unknown PUBREC with PUBREL 0x92', () => {
    const r = run(connected(), [pub(3, 2), pubrec(1), pubrec(1), pubrec(42)]);
    expect(sent(r.commands).slice(1)).toEqual([
      { type: 'pubrel', packetId: 1, reasonCode: 0 },
      { type: 'pubrel', packetId: 1, reasonCode: 0 },
      { type: 'pubrel', packetId: 42, reasonCode: 0x92 },
    ]);
  });

  it('ignores PUBCOMP before PUBREC and PUBACK for a QoS 2 id', () => {
    const r = run(connected(), [pub(3, 2), pubcomp(1), puback(1)]);
    expect(ofType(r.commands, 'settleRequest')).toEqual([]);
    expect(getFlow(r.state.session.flows, 1)).toMatchObject({ awaiting: 'pubrec' });
  });
});

describe('session: in-flight window and queue', () => {
  it('holds maxInflight in flight, queues the rest in order, drains one per ack', () => {
    const r1 = run(connected({ maxInflight: 2 }), [pub(1, 1), pub(2, 2), pub(3, 1), pub(4, 0), pub(5, 1)]);
    expect(sent(r1.commands).map((p) => p.type === 'publish' && p.packetId)).toEqual([1, 2]);
    expect(r1.state.session.inflight).toBe(2);
    expect(fifoToArray(r1.state.session.queue).map((q) => q.requestId)).toEqual([3, 4, 5]);
    // PUBACK for 1 frees a slot: 3 goes, then the QoS 0 behind it (needs no slot), then 5 waits.
    const r2 = run(r1.state, [puback(1)]);
    expect(sent(r2.commands).map((p) => (p.type === 'publish' ? `${p.qos}:${p.packetId ?? '-'}` : p.type))).toEqual(['1:3', '0:-']);
    expect(ofType(r2.commands, 'settleRequest').map((c) => c.requestId)).toEqual([1, 4]);
    expect(fifoToArray(r2.state.session.queue).map((q) => q.requestId)).toEqual([5]);
    const r3 = run(r2.state, [pubrec(2), pubcomp(2)]);
    expect(sent(r3.commands).map((p) => p.type)).toEqual(['pubrel', 'publish']);
    expect(r3.state.session.queue.size).toBe(0);
  });

  it('is also bounded by the broker’s Receive Maximum', () => {
    const r = run(connected({ maxInflight: 10 }, connack(false, 0, { receiveMaximum: 1 })), [pub(1, 1), pub(2, 1)]);
    expect(sent(r.commands)).toHaveLength(1);
    expect(r.state.session.queue.size).toBe(1);
  });

  it('QoS 0 waits behind queued publishes to keep order', () => {
    const r = run(connected({ maxInflight: 1 }), [pub(1, 1), pub(2, 1), pub(3, 0)]);
    expect(sent(r.commands)).toHaveLength(1);
    expect(fifoToArray(r.state.session.queue).map((q) => q.requestId)).toEqual([2, 3]);
  });

  it('overflow settles with queue-full; maxQueued 0 is unlimited', () => {
    const r = run(connected({ maxInflight: 1, maxQueued: 2 }), [pub(1, 1), pub(2, 1), pub(3, 1), pub(4, 1)]);
    const settled = ofType(r.commands, 'settleRequest');
    expect(settled.map((c) => [c.requestId, errorCodeOf(c)])).toEqual([[4, 'queue-full']]);
    const unlimited = run(initialState(config({ maxQueued: 0 })), Array.from({ length: 500 }, (_, i) => pub(i + 1, 1)));
    expect(unlimited.state.session.queue.size).toBe(500);
  });

  it('queues every QoS while offline and sends on CONNACK in order', () => {
    const r1 = run(initialState(config()), [pub(1, 0), pub(2, 1), pub(3, 2), { type: 'transportOpened' }]);
    expect(sent(r1.commands).map((p) => p.type)).toEqual(['connect']);
    expect(r1.state.session.queue.size).toBe(3);
    // The backlog waits for the client's word that it acted on the CONNACK.
    expect(sent(run(r1.state, [recv(connack())]).commands)).toEqual([]);
    const r2 = run(r1.state, [recv(connack()), { type: 'connackHandled' }]);
    expect(sent(r2.commands).map((p) => (p.type === 'publish' ? p.qos : p.type))).toEqual([0, 1, 2]);
    expect(ofType(r2.commands, 'settleRequest').map((c) => c.requestId)).toEqual([1]);
  });

  it('refuses QoS above the broker’s Maximum QoS and retain when unavailable', () => {
    const r = run(connected({}, connack(false, 0, { maximumQoS: 1, retainAvailable: 0 })), [pub(1, 2), pub(2, 0, 't', { retain: true }), pub(3, 1)]);
    expect(ofType(r.commands, 'settleRequest').map((c) => [c.requestId, errorCodeOf(c)])).toEqual([
      [1, 'invalid-argument'],
      [2, 'invalid-argument'],
    ]);
    expect(sent(r.commands)).toHaveLength(1);
  });
});

describe('session: publishWithdrawn', () => {
  it('drops a queued publish without settling it', () => {
    const r = run(connected({ maxInflight: 1 }), [pub(1, 1), pub(2, 1), pub(3, 1), { type: 'publishWithdrawn', requestId: 2 }, puback(1)]);
    expect(sent(r.commands).map((p) => p.type === 'publish' && p.packetId)).toEqual([1, 2]);
    expect(sent(r.commands)[1]).toMatchObject({ payload: new TextEncoder().encode('m3') });
    expect(ofType(r.commands, 'settleRequest').map((c) => c.requestId)).toEqual([1]);
  });

  it('lets an in-flight publish finish silently', () => {
    const r = run(connected(), [pub(1, 2), { type: 'publishWithdrawn', requestId: 1 }, pubrec(1), pubcomp(1)]);
    expect(sent(r.commands).map((p) => p.type)).toEqual(['publish', 'pubrel']);
    expect(ofType(r.commands, 'settleRequest')).toEqual([]);
    expect(ids(r.state)).toEqual([]);
  });

  it('is a no-op for an unknown request', () => {
    const before = connected();
    const r = run(before, [{ type: 'publishWithdrawn', requestId: 9 }]);
    expect(effects(r.commands)).toEqual([]);
    expect(r.state.session).toBe(before.session);
    expect(nextDeadline(r.state)).toBe(nextDeadline(before));
  });
});
