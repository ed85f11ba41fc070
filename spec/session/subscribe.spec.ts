import type { Subscription } from '../../src/codec/types';
import { initialState } from '../../src/session';
import { CONTROL_WINDOW } from '../../src/session/subscribe';
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
    // Two SUBACKs free two slots: the next two in request order go out, the UNSUBSCRIBE still waits behind them.
    const acked = run(opened.state, [recv({ type: 'suback', packetId: 1, reasonCodes: [1] }), recv({ type: 'suback', packetId: 2, reasonCodes: [1] })]);
    const next = sent(acked.commands);
    expect(next.map((p) => (p.type === 'subscribe' ? p.subscriptions[0].topicFilter : p.type))).toEqual([`f/${CONTROL_WINDOW}`, `f/${CONTROL_WINDOW + 1}`]);
    expect(acked.state.session.controlQueue.size).toBe(1);
    const last = run(acked.state, [recv({ type: 'suback', packetId: 3, reasonCodes: [1] })]);
    expect(sent(last.commands)).toEqual([expect.objectContaining({ type: 'unsubscribe', topicFilters: [`f/${n - 2}`] })]);
    expect(last.state.session.controlInflight).toBe(CONTROL_WINDOW);
  });

  it('a closed connection ends the sent ones, keeps the queued ones, and sends those after the next CONNACK', () => {
    const requests = Array.from({ length: CONTROL_WINDOW + 2 }, (_, i) => ({ type: 'subscribeRequested' as const, requestId: i + 1, subscriptions: [sub(`g/${i}`)] }));
    const r = run(connected(), [...requests, { type: 'transportClosed' }, { type: 'transportOpened' }, recv(connack())]);
    expect(ofType(r.commands, 'settleRequest')).toHaveLength(CONTROL_WINDOW);
    const after = sent(r.commands).slice(CONTROL_WINDOW);
    expect(after.map((p) => (p.type === 'subscribe' ? p.subscriptions[0].topicFilter : p.type))).toEqual(['connect', `g/${CONTROL_WINDOW}`, `g/${CONTROL_WINDOW + 1}`]);
  });
});
