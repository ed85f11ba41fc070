/**
 * connect() and connectionState$ in virtual time: cold, one CONNACK, refusals and the
 * connect timeout at their exact frame.
 */

import { delay, filter, map } from 'rxjs';
import { TestBroker } from '../../../src/testing';
import { at, codes, describeError, packetTypes, probedTransport, rig, testScheduler } from './helpers';

const accepted = { sessionPresent: false, reasonCode: 0 };

describe('connect() (marbles)', () => {
  it('is cold: nothing is dialled or written before it is subscribed; emits the ConnAck and completes', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const socket = cold<never>('-');
      const broker = new TestBroker({ scheduler: ts, replyDelay: 3 });
      const { client } = rig(ts, { transport: probedTransport(broker, socket) });
      const connect$ = client.connect(); // created at 0, subscribed at 5
      expectObservable(connect$, '5ms ^').toBe('8ms (a|)', { a: accepted });
      expectObservable(packetTypes(broker)).toBe('5ms a', { a: 'connect' });
      expectSubscriptions(socket.subscriptions).toBe('5ms ^');
    });
  });

  it('emits the current ConnAck at once to a second connect() while connected, without dialling again', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, {}, { replyDelay: 2 });
      expectObservable(client.connect()).toBe('2ms (a|)', { a: accepted });
      expectObservable(client.connect(), '10ms ^').toBe('10ms (a|)', { a: accepted });
      expectObservable(packetTypes(broker)).toBe('a', { a: 'connect' });
      at(ts, 20, () => expect(broker.connectionCount).toBe(1));
    });
  });

  it('shows idle → connecting → connected on connectionState$', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { client } = rig(ts, {}, { replyDelay: 5 });
      // '(ab)' spans frames 0-3, so 1ms more puts 'c' at 5.
      expectObservable(client.connectionState$.pipe(map((s) => s.type))).toBe('(ab) 1ms c', {
        a: 'idle',
        b: 'connecting',
        c: 'connected',
      });
      expectObservable(client.connect(), '^').toBe('5ms (a|)', { a: accepted });
    });
  });

  it('keeps connecting when the connect() subscriber leaves before CONNACK (the connection lives until disconnect())', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { client } = rig(ts, {}, { replyDelay: 5 });
      expectObservable(client.connectionState$.pipe(map((s) => s.type))).toBe('(ab) 1ms c', { a: 'idle', b: 'connecting', c: 'connected' });
      expectObservable(client.connect(), '^ 1ms !').toBe('');
    });
  });

  it('errors with connection-refused and the 5.0 reason code 0x86; the state says disconnected with it', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable, cold, expectSubscriptions }) => {
      const socket = cold<never>('-');
      const broker = new TestBroker({ scheduler: ts, replyDelay: 4, connack: { reasonCode: 0x86 } });
      const { client } = rig(ts, { protocolVersion: 5, transport: probedTransport(broker, socket) });
      expectObservable(client.connect().pipe(codes())).toBe('4ms #', undefined, 'connection-refused 0x86');
      expectObservable(
        client.connectionState$.pipe(
          filter((s) => s.type === 'disconnected'),
          map((s) => (s.type === 'disconnected' ? describeError(s.error) : s.type)),
        ),
      ).toBe('4ms a', { a: 'connection-refused 0x86' });
      expectSubscriptions(socket.subscriptions).toBe('^ 3ms !');
    });
  });

  it('maps a 3.1.1 CONNACK return code (4, bad user name or password) to connection-refused 0x86', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { protocolVersion: 4 }, { connack: false });
      // The wire bytes of a 3.1.1 refusal, not the codec's encoding of 0x86: 20 02 00 04.
      broker.received$.pipe(filter((p) => p.type === 'connect'), delay(3)).subscribe(() => broker.sendBytes([0x20, 0x02, 0x00, 0x04]));
      expectObservable(client.connect().pipe(codes())).toBe('3ms #', undefined, 'connection-refused 0x86');
    });
  });

  it('errors with connect-timeout exactly at connectTimeout when no CONNACK comes, and drops the socket then', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable, cold, expectSubscriptions }) => {
      const socket = cold<never>('-');
      const broker = new TestBroker({ scheduler: ts, connack: false });
      const { client } = rig(ts, { connectTimeout: 5000, transport: probedTransport(broker, socket) });
      // '(ab)' spans frames 0-3, so 4996ms more puts 'c' at 5000.
      expectObservable(client.connectionState$.pipe(map((s) => s.type))).toBe('(ab) 4996ms c', {
        a: 'idle',
        b: 'connecting',
        c: 'disconnected',
      });
      expectObservable(client.connect().pipe(codes())).toBe('5s #', undefined, 'connect-timeout');
      expectSubscriptions(socket.subscriptions).toBe('^ 4999ms !');
    });
  });

  it('errors every waiting connect() when the broker closes the socket before CONNACK', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, {}, { connack: false });
      at(ts, 7, () => broker.close());
      expectObservable(client.connect().pipe(codes())).toBe('7ms #', undefined, 'connection-closed');
      expectObservable(client.connect().pipe(codes()), '2ms ^').toBe('7ms #', undefined, 'connection-closed');
    });
  });
});
