/**
 * Keepalive in virtual time: PINGREQ after exactly one Keep Alive of silence, the
 * connection declared dead one Keep Alive after an unanswered PINGREQ, and traffic in
 * both directions pushing the next PINGREQ back.
 *
 * An armed keepalive re-arms forever, so each spec ends the connection (disconnect() or
 * the timeout itself) to let `run` finish.
 */

import { filter, map } from 'rxjs';
import { TestBroker } from '../../../src/testing';
import { at, describeError, packetTypes, probedTransport, rig, testScheduler } from './helpers';

describe('keepalive (marbles)', () => {
  it('sends PINGREQ at exactly 10 s of silence with keepalive 10, and every 10 s while answered', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { keepalive: 10 });
      client.connect().subscribe();
      at(ts, 25_000, () => client.disconnect().subscribe());
      expectObservable(packetTypes(broker, 'pingreq', 'disconnect')).toBe('10s a 9999ms a 4999ms b', { a: 'pingreq', b: 'disconnect' });
    });
  });

  it('closes with keepalive-timeout at 20 s when the broker does not answer the PINGREQ', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable, cold, expectSubscriptions }) => {
      const socket = cold<never>('-');
      const broker = new TestBroker({ scheduler: ts, autoAck: { ping: false } });
      const { client } = rig(ts, { keepalive: 10, transport: probedTransport(broker, socket) });
      client.connect().subscribe();
      expectObservable(packetTypes(broker, 'pingreq')).toBe('10s a', { a: 'pingreq' });
      expectObservable(
        client.connectionState$.pipe(
          filter((s) => s.type === 'disconnected'),
          map((s) => (s.type === 'disconnected' ? describeError(s.error) : s.type)),
        ),
      ).toBe('20s a', { a: 'keepalive-timeout' });
      expectSubscriptions(socket.subscriptions).toBe('^ 19999ms !');
    });
  });

  it('closes a silenced (half-open) connection the same way, after its last answer', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { keepalive: 10 });
      client.connect().subscribe();
      at(ts, 15_000, () => broker.silence()); // the PINGREQ at 10 s was answered
      expectObservable(packetTypes(broker, 'pingreq')).toBe('10s a 9999ms a', { a: 'pingreq' });
      expectObservable(client.connectionState$.pipe(filter((s) => s.type === 'disconnected'), map((s) => s.type))).toBe('30s a', {
        a: 'disconnected',
      });
    });
  });

  it('pushes the next PINGREQ back when packets go both ways (a QoS 1 publish at 5 s → PINGREQ at 15 s)', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { keepalive: 10 });
      client.connect().subscribe();
      at(ts, 5000, () => client.publish('t', 'x', { qos: 1 }).subscribe());
      at(ts, 16_000, () => client.disconnect().subscribe());
      expectObservable(packetTypes(broker, 'pingreq', 'publish')).toBe('5s p 9999ms a', { p: 'publish', a: 'pingreq' });
    });
  });

  it('still pings at 10 s when only the client sends (QoS 0 publishes get no answer: nothing proves the broker alive)', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { keepalive: 10 });
      client.connect().subscribe();
      at(ts, 5000, () => client.publish('t', 'x').subscribe());
      at(ts, 11_000, () => client.disconnect().subscribe());
      expectObservable(packetTypes(broker, 'pingreq', 'publish')).toBe('5s p 4999ms a', { p: 'publish', a: 'pingreq' });
    });
  });

  it('uses the broker’s Server Keep Alive (5.0) instead of its own', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { protocolVersion: 5, keepalive: 60 }, { connack: { properties: { serverKeepAlive: 3 } } });
      client.connect().subscribe();
      at(ts, 4000, () => client.disconnect().subscribe());
      expectObservable(packetTypes(broker, 'pingreq')).toBe('3s a', { a: 'pingreq' });
    });
  });
});
