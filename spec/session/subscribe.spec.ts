import type { Subscription } from '../../src/codec/types';
import { initialState } from '../../src/session';
import { tableValues } from '../../src/session/id-table';
import { CONTROL_WINDOW, MERGED_BYTES } from '../../src/session/subscribe';
import { config, connack, connected, effects, errorCodeOf, ofType, recv, run, sent } from './helpers';

const sub = (topicFilter: string, qos: 0 | 1 | 2 = 1): Subscription => ({ topicFilter, qos, noLocal: false, retainAsPublished: false, retainHandling: 0 });

describe('session: SUBSCRIBE / UNSUBSCRIBE', () => {
  it('SUBSCRIBE → SUBACK settles ok with every reason code (failures included)', () => {
    const r = run(connected(), [
      { type: 'subscribeRequested', requestId: 1, subscriptions: [sub('a'), sub('b')], properties: { subscriptionIdentifiers: [3] } },
      recv({ type: 'suback', packetId: 1, reasonCodes: [1, 0x87] }),
    ]);
    expect(effects(r.commands)).toEqual([
      { type: 'sendPacket', packet: { type: 'subscribe', packetId: 1, subscriptions: [sub('a'), sub('b')], properties: { subscriptionIdentifiers: [3] } } },
      { type: 'settleRequest', requestId: 1, result: { ok: true, value: { packetId: 1, reasonCodes: [1, 0x87] } } },
    ]);
    expect(r.state.session.flows.size).toBe(0);
  });

  it('UNSUBSCRIBE → UNSUBACK (3.x: no reason codes, no properties sent)', () => {
    const r = run(connected({ protocolVersion: 4 }), [
      { type: 'unsubscribeRequested', requestId: 2, topicFilters: ['a'], properties: { userProperties: [['k', 'v']] } },
      recv({ type: 'unsuback', packetId: 1, reasonCodes: [] }),
    ]);
    expect(effects(r.commands)).toEqual([
      { type: 'sendPacket', packet: { type: 'unsubscribe', packetId: 1, topicFilters: ['a'] } },
      { type: 'settleRequest', requestId: 2, result: { ok: true, value: { packetId: 1, reasonCodes: [] } } },
    ]);
  });

  it('subscribe and publish ids never collide', () => {
    const r = run(connected(), [
      { type: 'publishRequested', requestId: 1, message: { topic: 't', payload: new Uint8Array(), qos: 1, retain: false } },
      { type: 'subscribeRequested', requestId: 2, subscriptions: [sub('a')] },
      { type: 'unsubscribeRequested', requestId: 3, topicFilters: ['a'] },
    ]);
    expect(sent(r.commands).map((p) => ('packetId' in p ? p.packetId : 0))).toEqual([1, 2, 3]);
  });

  it('a SUBACK for an unknown id or of the wrong kind is logged and ignored', () => {
    const r = run(connected(), [
      { type: 'subscribeRequested', requestId: 1, subscriptions: [sub('a')] },
      recv({ type: 'unsuback', packetId: 1, reasonCodes: [0] }),
      recv({ type: 'suback', packetId: 5, reasonCodes: [0] }),
    ]);
    expect(ofType(r.commands, 'settleRequest')).toEqual([]);
    expect(ofType(r.commands, 'log')).toHaveLength(2);
  });

  it('refuses an empty filter list locally', () => {
    const r = run(connected(), [
      { type: 'subscribeRequested', requestId: 1, subscriptions: [] },
      { type: 'unsubscribeRequested', requestId: 2, topicFilters: [] },
    ]);
    expect(ofType(r.commands, 'settleRequest').map(errorCodeOf)).toEqual(['invalid-argument', 'invalid-argument']);
    expect(sent(r.commands)).toEqual([]);
  });

  it('requests made offline are sent after CONNACK: resends first, then control, then backlog', () => {
    const r = run(initialState(config()), [
      { type: 'publishRequested', requestId: 1, message: { topic: 't', payload: new Uint8Array(), qos: 1, retain: false } },
      { type: 'subscribeRequested', requestId: 2, subscriptions: [sub('a')] },
      { type: 'transportOpened' },
      recv(connack()),
      // The client restores its own subscriptions on `connected`; they go before the backlog too.
      { type: 'subscribeRequested', requestId: 3, subscriptions: [sub('restored')] },
      { type: 'connackHandled' },
    ]);
    expect(sent(r.commands).map((p) => p.type)).toEqual(['connect', 'subscribe', 'subscribe', 'publish']);
  });

  it(`after CONNACK the backlog waits until no SUBSCRIBE is left queued behind the window of ${CONTROL_WINDOW}`, () => {
    const restored = Array.from({ length: CONTROL_WINDOW + 1 }, (_, i) => ({ type: 'subscribeRequested' as const, requestId: 10 + i, subscriptions: [sub(`r/${i}`)] }));
    const r = run(initialState(config()), [
      { type: 'publishRequested', requestId: 1, message: { topic: 'r/0', payload: new Uint8Array(), qos: 0, retain: false } },
      { type: 'transportOpened' },
      recv(connack()),
      ...restored,
      { type: 'connackHandled' },
    ]);
    expect(sent(r.commands).filter((p) => p.type === 'publish')).toEqual([]);
    expect(r.state.session.controlQueue.size).toBe(1);
    const acked = run(r.state, [recv({ type: 'suback', packetId: 1, reasonCodes: [0] })]);
    expect(sent(acked.commands).map((p) => p.type)).toEqual(['subscribe', 'publish']);
  });

  it('sent requests settle with the close error when the transport closes; offline ones wait', () => {
    const r = run(connected(), [
      { type: 'subscribeRequested', requestId: 1, subscriptions: [sub('a')] },
      { type: 'transportClosed' },
      { type: 'unsubscribeRequested', requestId: 2, topicFilters: ['a'] },
    ]);
    expect(ofType(r.commands, 'settleRequest').map((c) => [c.requestId, errorCodeOf(c)])).toEqual([[1, 'connection-closed']]);
    expect(r.state.session.flows.size).toBe(0);
    expect(r.state.session.controlQueue.size).toBe(1);
    expect(r.state.session.controlInflight).toBe(0);
  });

  it(`keeps at most ${CONTROL_WINDOW} SUBSCRIBE/UNSUBSCRIBE in flight; the rest go out in order as acks arrive`, () => {
    const n = CONTROL_WINDOW + 3;
    const requests = Array.from({ length: n }, (_, i) =>
      i === n - 1
        ? { type: 'unsubscribeRequested' as const, requestId: i + 1, topicFilters: [`f/${i - 1}`] }
        : { type: 'subscribeRequested' as const, requestId: i + 1, subscriptions: [sub(`f/${i}`)] });
    const opened = run(connected(), requests);
    expect(sent(opened.commands)).toHaveLength(CONTROL_WINDOW);
    expect(opened.state.session.controlQueue.size).toBe(3);
    expect(opened.state.session.controlInflight).toBe(CONTROL_WINDOW);
    // One SUBACK frees one slot: the SUBSCRIBEs queued behind each other share it (one
    // packet, in request order); the UNSUBSCRIBE, another kind, waits behind them.
    const acked = run(opened.state, [recv({ type: 'suback', packetId: 1, reasonCodes: [1] })]);
    const next = sent(acked.commands);
    expect(next).toEqual([expect.objectContaining({ type: 'subscribe', subscriptions: [sub(`f/${CONTROL_WINDOW}`), sub(`f/${CONTROL_WINDOW + 1}`)] })]);
    expect(acked.state.session.controlQueue.size).toBe(1);
    expect(acked.state.session.controlInflight).toBe(CONTROL_WINDOW);
    // Its SUBACK hands each request its own code; the freed slot takes the UNSUBSCRIBE.
    const packetId = (next[0] as { packetId: number }).packetId;
    const last = run(acked.state, [recv({ type: 'suback', packetId, reasonCodes: [1, 0x80] })]);
    expect(ofType(last.commands, 'settleRequest')).toEqual([
      { type: 'settleRequest', requestId: CONTROL_WINDOW + 1, result: { ok: true, value: { packetId, reasonCodes: [1] } } },
      { type: 'settleRequest', requestId: CONTROL_WINDOW + 2, result: { ok: true, value: { packetId, reasonCodes: [0x80] } } },
    ]);
    expect(sent(last.commands)).toEqual([expect.objectContaining({ type: 'unsubscribe', topicFilters: [`f/${n - 2}`] })]);
    expect(last.state.session.controlInflight).toBe(CONTROL_WINDOW);
  });

  it('a closed connection ends the sent ones, keeps the queued ones, and sends those after the next CONNACK', () => {
    const requests = Array.from({ length: CONTROL_WINDOW + 2 }, (_, i) => ({ type: 'subscribeRequested' as const, requestId: i + 1, subscriptions: [sub(`g/${i}`)] }));
    const r = run(connected(), [...requests, { type: 'transportClosed' }, { type: 'transportOpened' }, recv(connack())]);
    expect(ofType(r.commands, 'settleRequest')).toHaveLength(CONTROL_WINDOW);
    const after = sent(r.commands).slice(CONTROL_WINDOW);
    expect(after.map((p) => (p.type === 'subscribe' ? p.subscriptions.map((x) => x.topicFilter) : p.type))).toEqual([
      'connect',
      [`g/${CONTROL_WINDOW}`, `g/${CONTROL_WINDOW + 1}`],
    ]);
  });

  describe('requests queued behind each other share a packet', () => {
    /** CONTROL_WINDOW requests in flight (ids 1..64), then `queued`, then one SUBACK to free a slot. */
    const behindFullWindow = (queued: Parameters<typeof run>[1], cfg: Parameters<typeof connected>[0] = {}) => {
      const filling = Array.from({ length: CONTROL_WINDOW }, (_, i) => ({ type: 'subscribeRequested' as const, requestId: 1000 + i, subscriptions: [sub(`w/${i}`)] }));
      const full = run(connected(cfg), [...filling, ...queued]);
      return run(full.state, [recv({ type: 'suback', packetId: 1, reasonCodes: [1] })]);
    };

    it('a request with properties goes alone (properties belong to a packet)', () => {
      const r = behindFullWindow([
        { type: 'subscribeRequested', requestId: 1, subscriptions: [sub('a')] },
        { type: 'subscribeRequested', requestId: 2, subscriptions: [sub('b')], properties: { subscriptionIdentifiers: [7] } },
        { type: 'subscribeRequested', requestId: 3, subscriptions: [sub('c')] },
      ]);
      // One slot: 'a' alone (the next one has properties); 'b' and 'c' wait.
      expect(sent(r.commands)).toEqual([expect.objectContaining({ type: 'subscribe', subscriptions: [sub('a')] })]);
      expect(r.state.session.controlQueue.size).toBe(2);
    });

    it('a request that asks several filters keeps them together, and its codes', () => {
      const r = behindFullWindow([
        { type: 'subscribeRequested', requestId: 1, subscriptions: [sub('a'), sub('b')] },
        { type: 'subscribeRequested', requestId: 2, subscriptions: [sub('c')] },
      ]);
      const [packet] = sent(r.commands) as Array<{ packetId: number; subscriptions: Subscription[] }>;
      expect(packet.subscriptions.map((x) => x.topicFilter)).toEqual(['a', 'b', 'c']);
      const acked = run(r.state, [recv({ type: 'suback', packetId: packet.packetId, reasonCodes: [0, 0x87, 2] })]);
      expect(ofType(acked.commands, 'settleRequest').map((c) => [c.requestId, c.result.ok && (c.result.value as { reasonCodes: number[] }).reasonCodes])).toEqual([
        [1, [0, 0x87]],
        [2, [2]],
      ]);
    });

    it('UNSUBSCRIBEs share one too (3.1.1: no reason codes to hand out)', () => {
      const r = behindFullWindow([
        { type: 'unsubscribeRequested', requestId: 1, topicFilters: ['a'] },
        { type: 'unsubscribeRequested', requestId: 2, topicFilters: ['b', 'c'] },
      ], { protocolVersion: 4 });
      const [packet] = sent(r.commands) as Array<{ packetId: number; topicFilters: string[] }>;
      expect(packet.topicFilters).toEqual(['a', 'b', 'c']);
      const acked = run(r.state, [recv({ type: 'unsuback', packetId: packet.packetId, reasonCodes: [] })]);
      expect(ofType(acked.commands, 'settleRequest').map((c) => c.requestId)).toEqual([1, 2]);
      expect(ofType(acked.commands, 'settleRequest').every((c) => c.result.ok)).toBe(true);
    });

    it(`a packet carries at most ${MERGED_BYTES} bytes of filters; the rest follow, in order`, () => {
      const long = (i: number) => `${'x'.repeat(200)}/${i}`;
      const queued = Array.from({ length: 100 }, (_, i) => ({ type: 'subscribeRequested' as const, requestId: i + 1, subscriptions: [sub(long(i))] }));
      const seen: string[] = [];
      const packets: number[] = [];
      const collect = (r: ReturnType<typeof run>) => {
        for (const p of sent(r.commands)) {
          if (p.type !== 'subscribe' || !p.subscriptions[0].topicFilter.startsWith('x')) continue;
          const bytes = p.subscriptions.reduce((n, x) => n + 3 * x.topicFilter.length + 3, 0);
          expect(bytes).toBeLessThanOrEqual(MERGED_BYTES);
          packets.push(p.subscriptions.length);
          seen.push(...p.subscriptions.map((x) => x.topicFilter));
        }
        return r.state;
      };
      let state = collect(behindFullWindow(queued));
      // Ack everything in flight, again and again, until the queue is empty.
      for (let round = 0; round < 10 && state.session.controlQueue.size > 0; round++) {
        const inFlight = tableValuesOf(state);
        state = collect(run(state, inFlight.map((f) => recv({ type: 'suback', packetId: f.packetId, reasonCodes: f.filters.map(() => 1) }))));
      }
      expect(seen).toEqual(queued.map((_, i) => long(i)));
      // 100 filters of ~610 bytes at most: 26 a packet fit in MERGED_BYTES.
      expect(packets).toEqual([26, 26, 26, 22]);
    });

    it('the connection closing fails every request of a shared packet', () => {
      const r = behindFullWindow([
        { type: 'subscribeRequested', requestId: 1, subscriptions: [sub('a')] },
        { type: 'subscribeRequested', requestId: 2, subscriptions: [sub('b')] },
      ]);
      const closed = run(r.state, [{ type: 'transportClosed' }]);
      const failed = ofType(closed.commands, 'settleRequest').filter((c) => !c.result.ok).map((c) => c.requestId);
      expect(failed).toEqual(expect.arrayContaining([1, 2]));
    });

    it.each([4, 5] as const)('MQTT %s: a SUBACK whose codes do not match the filters closes the connection [MQTT-3.9.3-1]', (protocolVersion) => {
      const r = run(connected({ protocolVersion }), [
        { type: 'subscribeRequested', requestId: 1, subscriptions: [sub('a'), sub('b')] },
        recv({ type: 'suback', packetId: 1, reasonCodes: [1] }),
      ]);
      expect(ofType(r.commands, 'closeTransport').map((c) => c.error?.code)).toEqual(['protocol-error']);
      expect(sent(r.commands).some((p) => p.type === 'disconnect')).toBe(protocolVersion === 5);
    });
  });
});

/** The SUBSCRIBE flows in flight: packet id and filters. */
function tableValuesOf(state: ReturnType<typeof connected>): Array<{ packetId: number; filters: string[] }> {
  return tableValues(state.session.flows).flatMap((f) => (f.type === 'subscribe' ? [{ packetId: f.packet.packetId, filters: f.packet.subscriptions.map((x) => x.topicFilter) }] : []));
}
