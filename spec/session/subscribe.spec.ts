import type { Subscription } from '../../src/codec/types';
import { initialState } from '../../src/session';
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
    expect(r.state.session.flows).toEqual({ ids: [], flows: [] });
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
    ]);
    expect(sent(r.commands).map((p) => p.type)).toEqual(['connect', 'subscribe', 'publish']);
  });

  it('sent requests settle with the close error when the transport closes; offline ones wait', () => {
    const r = run(connected(), [
      { type: 'subscribeRequested', requestId: 1, subscriptions: [sub('a')] },
      { type: 'transportClosed' },
      { type: 'unsubscribeRequested', requestId: 2, topicFilters: ['a'] },
    ]);
    expect(ofType(r.commands, 'settleRequest').map((c) => [c.requestId, errorCodeOf(c)])).toEqual([[1, 'connection-closed']]);
    expect(r.state.session.flows).toEqual({ ids: [], flows: [] });
    expect(r.state.session.controlQueue).toHaveLength(1);
  });
});
