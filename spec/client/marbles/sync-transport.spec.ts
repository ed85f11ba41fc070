/**
 * Custom transports may act synchronously (an in-memory socket, a test double): close
 * inside `writer.end()`, or emit `opened` and data while being subscribed. The client
 * must keep exactly one live socket either way.
 */

import { map, Observable, type MonoTypeOperatorFunction } from 'rxjs';
import type { SocketEvent, Transport } from '../../../src';
import { TestBroker } from '../../../src/testing';
import { at, describeError, rig, testScheduler } from './helpers';

/** The broker's sockets, closing synchronously inside the client's `end()`. */
function closingInsideEnd(broker: TestBroker): () => Transport {
  return () =>
    new Observable<SocketEvent>((subscriber) => {
      const endNow: MonoTypeOperatorFunction<SocketEvent> = map((e) =>
        e.type === 'opened'
          ? {
              ...e,
              writer: {
                write: (bytes) => e.writer.write(bytes),
                end: () => {
                  e.writer.end();
                  subscriber.complete();
                },
              },
            }
          : e,
      );
      const socket = broker.transport().pipe(endNow).subscribe(subscriber);
      return () => socket.unsubscribe();
    });
}

describe('synchronous custom transports (marbles)', () => {
  it('reconnect() over a transport that closes inside end(): the redial starts inside the close, one socket, and the old close grace does not kill it', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const broker = new TestBroker({ scheduler: ts });
      const { client } = rig(ts, { transport: closingInsideEnd(broker) });
      client.connect().subscribe();
      at(ts, 10, () => client.reconnect().subscribe());
      at(ts, 5000, () => client.disconnect().subscribe());
      expectObservable(client.connectionState$.pipe(map((s) => s.type))).toBe('(ab) 6ms (ab) 4986ms c', {
        a: 'connecting',
        b: 'connected',
        c: 'closed',
      });
      at(ts, 4000, () => expect([broker.connectionCount, broker.isOpen]).toEqual([2, true]));
    });
  });

  it('a reconnect within the 2 s close grace survives a transport that closed inside end()', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const broker = new TestBroker({ scheduler: ts });
      const { client } = rig(ts, { transport: closingInsideEnd(broker) });
      client.connect().subscribe();
      at(ts, 10, () => client.disconnect().subscribe());
      at(ts, 100, () => client.connect().subscribe());
      at(ts, 5000, () => client.disconnect().subscribe());
      // '(ab)' spans 4 frames: closed at 10, connected again at 100, closed on purpose at 5000 — nothing at 2010.
      expectObservable(client.connectionState$.pipe(map((s) => s.type))).toBe('(ab) 6ms c 89ms (ab) 4896ms c', {
        a: 'connecting',
        b: 'connected',
        c: 'closed',
      });
    });
  });

  it('tears down a socket that sent malformed bytes while it was being subscribed', () => {
    const ts = testScheduler();
    let teardowns = 0;
    ts.run(({ expectObservable }) => {
      const { client } = rig(ts, {
        transport: () =>
          new Observable<SocketEvent>((subscriber) => {
            subscriber.next({ type: 'opened', writer: { write: () => true, end: () => {} } });
            subscriber.next({ type: 'data', bytes: new Uint8Array([0x00, 0x00]) });
            return () => teardowns++;
          }),
      });
      client.connect().subscribe({ error: () => {} }); // fails before frame 0
      expectObservable(client.connectionState$.pipe(map((s) => (s.type === 'disconnected' ? describeError(s.error) : s.type)))).toBe('a', {
        a: 'malformed-packet',
      });
    });
    expect(teardowns).toBe(1);
  });
});
