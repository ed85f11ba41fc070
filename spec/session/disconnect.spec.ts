import { getFlow } from '../../src/session/id-table';
import type { Packet } from '../../src/codec/types';
import { MqttError } from '../../src/errors';
import { initialState, nextDeadline } from '../../src/session';
import { config, connack, connected, effects, errorCodeOf, ofType, pub, recv, run, sent } from './helpers';

describe('session: disconnectRequested', () => {
  it('sends DISCONNECT (5.0 code and properties), closes without error, settles everything pending', () => {
    const r1 = run(connected({ maxInflight: 1 }), [
      pub(1, 1),
      pub(2, 1),
      { type: 'subscribeRequested', requestId: 3, subscriptions: [{ topicFilter: 'a', qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 }] },
    ]);
    const r = run(r1.state, [{ type: 'disconnectRequested', reasonCode: 0x04, properties: { reasonString: 'bye' } }]);
    expect(sent(r.commands)).toEqual([{ type: 'disconnect', reasonCode: 0x04, properties: { reasonString: 'bye' } }]);
    expect(ofType(r.commands, 'settleRequest').map((c) => [c.requestId, errorCodeOf(c)]).sort()).toEqual([
      [1, 'client-disconnected'],
      [2, 'client-disconnected'],
      [3, 'client-disconnected'],
    ]);
    const close = effects(r.commands).at(-1);
    expect(close).toEqual({ type: 'closeTransport' });
    expect(r.state.connection.type).toBe('offline');
    expect(r.state.session.queue.size).toBe(0);
    // The in-flight flow is kept, silent, for a resumed session.
    expect(getFlow(r.state.session.flows, 1)).toMatchObject({ type: 'publish', requestId: undefined });
    const resumed = run(r.state, [{ type: 'transportOpened' }, recv(connack(false)), pub(9, 1)]);
    expect(ofType(resumed.commands, 'settleRequest').map((c) => c.requestId)).toEqual([]);
  });

  it('3.x DISCONNECT carries no reason code or properties', () => {
    const r = run(connected({ protocolVersion: 4 }), [{ type: 'disconnectRequested', reasonCode: 0x04, properties: { reasonString: 'x' } }]);
    expect(sent(r.commands)).toEqual([{ type: 'disconnect', reasonCode: 0 }]);
  });

  it('before CONNACK or offline: no DISCONNECT, just close', () => {
    const opening = run(initialState(config()), [{ type: 'transportOpened' }, { type: 'disconnectRequested' }]);
    expect(sent(opening.commands).map((p) => p.type)).toEqual(['connect']);
    expect(ofType(opening.commands, 'closeTransport')).toEqual([{ type: 'closeTransport' }]);
    expect(nextDeadline(opening.state)).toBeUndefined();
    const offline = run(initialState(config()), [pub(1, 1), { type: 'disconnectRequested' }]);
    expect(ofType(offline.commands, 'settleRequest').map(errorCodeOf)).toEqual(['client-disconnected']);
  });
});

describe('session: DISCONNECT from the broker', () => {
  it('closes with server-disconnected carrying the reason code and reason string', () => {
    const r = run(connected(), [recv({ type: 'disconnect', reasonCode: 0x8b, properties: { reasonString: 'shutting down' } })]);
    const close = ofType(r.commands, 'closeTransport');
    expect(close).toHaveLength(1);
    expect(close[0].error).toMatchObject({ code: 'server-disconnected', reasonCode: 0x8b });
    expect(close[0].error?.message).toContain('shutting down');
    expect(sent(r.commands)).toEqual([]);
    expect(r.state.connection.type).toBe('offline');
  });
});

describe('session: transportClosed', () => {
  it('drops the connection scope in one step and keeps session scope', () => {
    const before = run(connected({ maxInflight: 1 }), [pub(1, 1), pub(2, 1), recv({ type: 'publish', topic: 'x', payload: new Uint8Array(), qos: 2, retain: false, dup: false, packetId: 8 })]).state;
    const err = new MqttError('connection-closed', 'ECONNRESET');
    const r = run(before, [{ type: 'transportClosed', error: err }]);
    expect(effects(r.commands)).toEqual([]);
    expect(r.state.connection).toEqual({ type: 'offline' });
    expect(r.state.session.flows).toBe(before.session.flows);
    expect(r.state.session.queue).toBe(before.session.queue);
    expect(r.state.session.inboundQos2).toBe(before.session.inboundQos2);
    expect(nextDeadline(r.state)).toBeUndefined();
    // Packets that arrive after the close are ignored.
    expect(effects(run(r.state, [recv({ type: 'puback', packetId: 1, reasonCode: 0 })]).commands)).toEqual([]);
  });

  it('a second transportClosed is a no-op', () => {
    const s = run(connected(), [{ type: 'transportClosed' }]).state;
    const r = run(s, [{ type: 'transportClosed' }]);
    expect(effects(r.commands)).toEqual([]);
    expect(r.state).toBe(s);
  });
});

describe('session: reconnect', () => {
  // Three flows in send order: QoS 1 (id 1), QoS 2 past PUBREC (id 2), QoS 2 before PUBREC (id 3); one queued.
  const inflight = () =>
    run(connected({ clean: false, maxInflight: 3 }), [pub(1, 1), pub(2, 2), pub(3, 2), pub(4, 1), recv({ type: 'pubrec', packetId: 2, reasonCode: 0 }), { type: 'transportClosed' }]).state;

  it('session present: resends PUBLISH (DUP=1) and PUBREL in original order before the backlog [MQTT-4.4.0-1]', () => {
    const r = run(inflight(), [{ type: 'transportOpened' }, recv(connack(true))]);
    const packets = sent(r.commands).slice(1);
    expect(packets.map((p) => [p.type, 'packetId' in p ? p.packetId : 0, p.type === 'publish' ? p.dup : '-'])).toEqual([
      ['publish', 1, true],
      ['pubrel', 2, '-'],
      ['publish', 3, true],
    ]);
    expect(ofType(r.commands, 'settleRequest')).toEqual([]);
    // The flows complete normally after the resend; the backlog follows.
    const done = run(r.state, [recv({ type: 'puback', packetId: 1, reasonCode: 0 })]);
    expect(ofType(done.commands, 'settleRequest').map((c) => c.requestId)).toEqual([1]);
    expect(sent(done.commands)).toEqual([expect.objectContaining({ type: 'publish', packetId: 4, dup: false })]);
  });

  it('session present keeps the original order even after packet ids wrap', () => {
    let s = connected({ clean: false });
    s = { ...s, session: { ...s.session, nextPacketId: 65535 } };
    const r1 = run(s, [pub(1, 1), pub(2, 1), { type: 'transportClosed' }]);
    const r = run(r1.state, [{ type: 'transportOpened' }, recv(connack(true))]);
    expect(sent(r.commands).slice(1).map((p) => ('packetId' in p ? p.packetId : 0))).toEqual([65535, 1]);
  });

  it('session not present: in-flight publishes settle with session-lost, then the backlog is sent', () => {
    const r = run(inflight(), [{ type: 'transportOpened' }, recv(connack(false)), { type: 'connackHandled' }]);
    expect(ofType(r.commands, 'settleRequest').map((c) => [c.requestId, errorCodeOf(c)])).toEqual([
      [1, 'session-lost'],
      [2, 'session-lost'],
      [3, 'session-lost'],
    ]);
    expect(sent(r.commands).slice(1)).toEqual([expect.objectContaining({ type: 'publish', dup: false, qos: 1 })]);
    expect(r.state.session.inflight).toBe(1);
  });
});

describe('session: broker protocol violations', () => {
  const ack = { type: 'connack', sessionPresent: false, reasonCode: 0 } as const;
  it.each<[string, Packet]>([
    ['CONNECT', { type: 'connect', protocolVersion: 5, clean: true, keepalive: 0, clientId: 'x' }],
    ['SUBSCRIBE', { type: 'subscribe', packetId: 1, subscriptions: [] }],
    ['UNSUBSCRIBE', { type: 'unsubscribe', packetId: 1, topicFilters: ['a'] }],
    ['PINGREQ', { type: 'pingreq' }],
    ['a second CONNACK', ack],
    ['AUTH without an authentication method', { type: 'auth', reasonCode: 0x18 }],
  ])('%s → DISCONNECT 0x82 and protocol-error', (_name, packet) => {
    const r = run(connected(), [recv(packet)]);
    expect(sent(r.commands)).toEqual([{ type: 'disconnect', reasonCode: 0x82 }]);
    expect(ofType(r.commands, 'closeTransport')[0].error).toMatchObject({ code: 'protocol-error', reasonCode: 0x82 });
    expect(r.state.connection.type).toBe('offline');
  });

  it('any packet but CONNACK before CONNACK is a protocol error [MQTT-3.2.0-1]; 3.x sends no DISCONNECT', () => {
    const r = run(initialState(config({ protocolVersion: 4 })), [{ type: 'transportOpened' }, recv({ type: 'pingresp' })]);
    expect(sent(r.commands).map((p) => p.type)).toEqual(['connect']);
    expect(ofType(r.commands, 'closeTransport')[0].error).toMatchObject({ code: 'protocol-error', rule: 'MQTT-3.2.0-1' });
  });

  it('transportOpened while already open is refused with a log, state unchanged', () => {
    const s = connected();
    const r = run(s, [{ type: 'transportOpened' }]);
    expect(effects(r.commands)).toEqual([]);
    expect(r.state).toBe(s);
  });
});

describe('session: reconnectRequested', () => {
  const subscribe = (requestId: number): Parameters<typeof run>[1][number] => ({
    type: 'subscribeRequested',
    requestId,
    subscriptions: [{ topicFilter: 'a', qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 }],
  });

  it('sends DISCONNECT 0x00 and closes without error; only the sent SUBSCRIBE settles (connection-closed), as on a drop', () => {
    const before = run(connected({ maxInflight: 1 }), [pub(1, 1), pub(2, 1), subscribe(3)]).state;
    const r = run(before, [{ type: 'reconnectRequested' }]);
    expect(sent(r.commands)).toEqual([{ type: 'disconnect', reasonCode: 0 }]);
    expect(ofType(r.commands, 'settleRequest').map((c) => [c.requestId, errorCodeOf(c)])).toEqual([[3, 'connection-closed']]);
    expect(effects(r.commands).at(-1)).toEqual({ type: 'closeTransport' });
    expect(r.state.connection).toEqual({ type: 'offline', draining: true });
    // The caller of the in-flight publish is kept (not abandoned as disconnectRequested does), and so is the queue.
    expect(getFlow(r.state.session.flows, 1)).toMatchObject({ type: 'publish', requestId: 1 });
    expect(r.state.session.queue).toBe(before.session.queue);
    expect(nextDeadline(r.state)).toBeUndefined();
  });

  it('acks that arrive before the socket is gone end their flows, send nothing, and are not resent on resume', () => {
    const before = run(connected({ maxInflight: 3, clean: false }), [pub(1, 1), pub(2, 2), pub(3, 2), { type: 'reconnectRequested' }]).state;
    const late = run(before, [
      recv({ type: 'puback', packetId: 1, reasonCode: 0 }),
      recv({ type: 'pubrec', packetId: 2, reasonCode: 0 }),
      recv({ type: 'puback', packetId: 9, reasonCode: 0 }), // nothing waits for it: a debug line
    ]);
    expect(sent(late.commands)).toEqual([]); // no PUBREL after our DISCONNECT [MQTT-3.14.4-1]
    expect(ofType(late.commands, 'settleRequest').map((c) => [c.requestId, c.result.ok])).toEqual([[1, true]]);
    expect(getFlow(late.state.session.flows, 1)).toBeUndefined();
    expect(getFlow(late.state.session.flows, 2)).toMatchObject({ awaiting: 'pubcomp' });
    expect(ofType(late.commands, 'log').map((c) => c.level)).toEqual(['debug']);
    const closed = run(late.state, [{ type: 'transportClosed' }]);
    expect(closed.state.connection).toEqual({ type: 'offline' });
    // Resumed: the PUBREL for 2 and the PUBLISH (DUP) for 3 go out; 1 is done.
    const resumed = run(closed.state, [{ type: 'transportOpened' }, recv(connack(true))]);
    expect(sent(resumed.commands).slice(1).map((p) => [p.type, 'packetId' in p ? p.packetId : undefined])).toEqual([
      ['pubrel', 2],
      ['publish', 3],
    ]);
  });

  it('an ack after any other close (disconnect, a drop, a protocol error) is ignored', () => {
    for (const end of [{ type: 'disconnectRequested' as const }, { type: 'transportClosed' as const }]) {
      const closed = run(connected(), [pub(1, 1), end]).state;
      expect(closed.connection).toEqual({ type: 'offline' });
      const r = run(closed, [recv({ type: 'puback', packetId: 1, reasonCode: 0 })]);
      expect(ofType(r.commands, 'settleRequest')).toEqual([]);
    }
    const violated = run(connected(), [pub(1, 1), recv(connack())]); // a second CONNACK breaks the protocol
    expect(violated.state.connection).toEqual({ type: 'offline' });
    const after = run(violated.state, [recv({ type: 'puback', packetId: 1, reasonCode: 0 })]);
    expect(ofType(after.commands, 'settleRequest')).toEqual([]);
  });

  it('the resumed session resends the flow (DUP) and sends the queued publish after connackHandled; both settle on PUBACK', () => {
    const dropped = run(connected({ maxInflight: 1, clean: false }), [pub(1, 1), pub(2, 1), { type: 'reconnectRequested' }, { type: 'transportClosed' }]).state;
    const r = run(dropped, [{ type: 'transportOpened' }, recv(connack(true)), { type: 'connackHandled' }, recv({ type: 'puback', packetId: 1, reasonCode: 0 })]);
    const publishes = sent(r.commands).filter((p): p is Extract<Packet, { type: 'publish' }> => p.type === 'publish');
    expect(publishes.map((p) => [p.packetId, p.dup])).toEqual([
      [1, true],
      [2, false],
    ]);
    const done = run(r.state, [recv({ type: 'puback', packetId: 2, reasonCode: 0 })]);
    expect([...ofType(r.commands, 'settleRequest'), ...ofType(done.commands, 'settleRequest')].map((c) => [c.requestId, c.result.ok])).toEqual([
      [1, true],
      [2, true],
    ]);
  });

  it('without the session (Session Present 0) the in-flight publish errors with session-lost, as after a drop', () => {
    const dropped = run(connected(), [pub(1, 1), { type: 'reconnectRequested' }]).state;
    const r = run(dropped, [{ type: 'transportOpened' }, recv(connack(false))]);
    expect(ofType(r.commands, 'settleRequest').map(errorCodeOf)).toEqual(['session-lost']);
  });

  it('3.1.1: DISCONNECT (no reason code on the wire)', () => {
    const r = run(connected({ protocolVersion: 4 }), [{ type: 'reconnectRequested' }]);
    expect(sent(r.commands)).toEqual([{ type: 'disconnect', reasonCode: 0 }]);
  });

  it('before CONNACK: no DISCONNECT, just close; offline: close (a socket may be dialling), nothing else changes', () => {
    const opening = run(initialState(config()), [{ type: 'transportOpened' }, pub(1, 1), { type: 'reconnectRequested' }]);
    expect(sent(opening.commands).map((p) => p.type)).toEqual(['connect']);
    expect(effects(opening.commands).filter((c) => c.type !== 'sendPacket')).toEqual([{ type: 'closeTransport' }]);
    expect(opening.state.connection.type).toBe('offline');
    expect(opening.state.session.queue.size).toBe(1);
    const idle = run(initialState(config()), [pub(1, 1)]).state;
    const offline = run(idle, [{ type: 'reconnectRequested' }]);
    expect(effects(offline.commands)).toEqual([{ type: 'closeTransport' }]);
    expect(offline.state).toBe(idle);
  });
});
