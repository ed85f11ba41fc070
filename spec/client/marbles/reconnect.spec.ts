/**
 * The `reconnect` option in virtual time: the exact backoff curve, its reset after a
 * CONNACK, giving up (maxAttempts, permanent refusals), disconnect() while reconnecting,
 * and what waits meanwhile (publishes, subscriptions, connect() subscribers).
 *
 * `timeline` records each state with the virtual time it was entered; `dialled` records
 * when each socket was opened. The broker drops the connection with `close()`.
 */

import { map } from 'rxjs';
import { backoff } from '../../../src';
import type { TestBrokerOptions } from '../../../src/testing';
import { at, codes, dialled, packetTypes, rig, testScheduler, text, timeline } from './helpers';


/** CONNACK accepts the connections numbered in `accepted`, refuses the others with `code`. */
const acceptOnly =
  (code: number, ...accepted: number[]): TestBrokerOptions['connack'] =>
  (_connect, n) =>
    accepted.includes(n) ? {} : { reasonCode: code };

describe('reconnect (marbles)', () => {
  it('redials after 1 s, 2 s, 4 s … capped at maxDelay, and starts at 1 s again after a CONNACK', () => {
    const ts = testScheduler();
    let states: string[] = [];
    let dials: number[] = [];
    ts.run(() => {
      const r = dialled(ts, { protocolVersion: 5, reconnect: { maxDelay: 5000 } }, { connack: acceptOnly(0x88, 1, 6, 7) });
      dials = r.dials;
      states = timeline(ts, r.client);
      r.client.connect().subscribe();
      at(ts, 10, () => r.broker.close());
      at(ts, 20_000, () => r.broker.close());
    });
    expect(dials).toEqual([0, 1010, 3010, 7010, 12_010, 17_010, 21_000]);
    expect(states).toEqual([
      '0: idle',
      '0: connecting',
      '0: connected',
      '10: reconnecting #1 in 1000 after connection-closed',
      '1010: reconnecting #2 in 2000 after connection-refused 0x88',
      '3010: reconnecting #3 in 4000 after connection-refused 0x88',
      '7010: reconnecting #4 in 5000 after connection-refused 0x88',
      '12010: reconnecting #5 in 5000 after connection-refused 0x88',
      '17010: connected',
      // Reset: the next drop waits minDelay again.
      '20000: reconnecting #1 in 1000 after connection-closed',
      '21000: connected',
    ]);
  });

  it('gives up after maxAttempts failed redials: disconnected with the last error; a waiting connect() errors with it', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client, dials } = dialled(ts, { protocolVersion: 5, reconnect: { maxAttempts: 2 } }, { connack: acceptOnly(0x89, 1) });
      const states = timeline(ts, client);
      client.connect().subscribe();
      at(ts, 10, () => broker.close());
      expectObservable(client.connect().pipe(codes()), '500ms ^').toBe('3010ms #', undefined, 'connection-refused 0x89');
      at(ts, 100_000, () => {
        expect(dials).toEqual([0, 1010, 3010]);
        expect(states.slice(3)).toEqual([
          '10: reconnecting #1 in 1000 after connection-closed',
          '1010: reconnecting #2 in 2000 after connection-refused 0x89',
          '3010: disconnected connection-refused 0x89',
        ]);
      });
    });
  });

  describe.each([
    [5, 0x84, 'Unsupported Protocol Version'],
    [5, 0x85, 'Client Identifier not valid'],
    [5, 0x86, 'Bad User Name or Password'],
    [5, 0x87, 'Not authorized'],
    [5, 0x8a, 'Banned'],
    [4, 0x86, '3.1.1 return code 4'],
    [4, 0x87, '3.1.1 return code 5'],
  ])('at level %i, a refusal with code %i (%s)', (protocolVersion, code) => {
    it('is permanent: no further redial, disconnected with the refusal', () => {
      const ts = testScheduler();
      ts.run(() => {
        const { broker, client, dials } = dialled(ts, { protocolVersion: protocolVersion as 4 | 5, reconnect: true }, { connack: acceptOnly(code, 1) });
        const states = timeline(ts, client);
        client.connect().subscribe();
        at(ts, 10, () => broker.close());
        at(ts, 1_000_000, () => {
          expect(dials).toEqual([0, 1010]);
          expect(states.slice(3)).toEqual([
            '10: reconnecting #1 in 1000 after connection-closed',
            `1010: disconnected connection-refused 0x${code.toString(16)}`,
          ]);
        });
      });
    });
  });

  it('disconnect() while waiting to redial: closed at once, the redial is cancelled, a waiting publish errors', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client, dials } = dialled(ts, { reconnect: true });
      expectObservable(client.connectionState$.pipe(map((s) => s.type))).toBe('(abc) 5ms d 489ms e', {
        a: 'idle',
        b: 'connecting',
        c: 'connected',
        d: 'reconnecting',
        e: 'closed',
      });
      at(ts, 0, () => client.connect().subscribe()); // after expectObservable has subscribed
      at(ts, 10, () => broker.close());
      expectObservable(client.publish('t', 'x', { qos: 1 }).pipe(codes()), '100ms ^').toBe('500ms #', undefined, 'client-disconnected');
      expectObservable(client.disconnect(), '500ms ^').toBe('500ms |');
      at(ts, 100_000, () => expect(dials).toEqual([0]));
    });
  });

  it('disconnect() while a redial waits for CONNACK: closed, and no further redial', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client, dials } = dialled(ts, { reconnect: true, connectTimeout: 0 }, { connack: (_c, n) => (n === 1 ? {} : false) });
      const states = timeline(ts, client);
      client.connect().subscribe();
      at(ts, 10, () => broker.close());
      expectObservable(client.disconnect(), '1500ms ^').toBe('1500ms |');
      at(ts, 100_000, () => {
        expect(dials).toEqual([0, 1010]);
        expect(states.slice(3)).toEqual(['10: reconnecting #1 in 1000 after connection-closed', '1500: closed']);
      });
    });
  });

  it('connect() while reconnecting waits for the redial it did not start', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client, dials } = dialled(ts, { reconnect: true });
      client.connect().subscribe();
      at(ts, 10, () => broker.close());
      expectObservable(client.connect(), '500ms ^').toBe('1010ms (a|)', { a: { sessionPresent: false, reasonCode: 0 } });
      at(ts, 100_000, () => expect(dials).toEqual([0, 1010]));
    });
  });

  it('queues a publish made while reconnecting (up to maxQueued) and sends it once reconnected', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { reconnect: true, maxQueued: 1 });
      at(ts, 0, () => client.connect().subscribe()); // after packetTypes below has subscribed
      at(ts, 10, () => broker.close());
      expectObservable(client.publish('t', 'queued', { qos: 1 }), '500ms ^').toBe('1010ms (a|)', { a: { qos: 1, packetId: 1, reasonCode: 0 } });
      expectObservable(client.publish('t', 'one too many', { qos: 1 }).pipe(codes()), '501ms ^').toBe('501ms #', undefined, 'queue-full');
      // 'a' at 0, then 1 + 1009 = 1010: CONNECT and the queued PUBLISH in the frame of the redial.
      expectObservable(packetTypes(broker, 'connect', 'publish')).toBe('a 1009ms (bc)', { a: 'connect', b: 'connect', c: 'publish' });
    });
  });

  it('restores messages$ subscriptions after reconnecting to a broker that lost the session', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { reconnect: { minDelay: 100 } });
      client.connect().subscribe();
      at(ts, 10, () => broker.close());
      at(ts, 200, () => broker.deliver('t', 'after'));
      expectObservable(client.messages$('t').pipe(map(text))).toBe('200ms a', { a: 't=after' });
      expectObservable(packetTypes(broker, 'subscribe')).toBe('a 109ms b', { a: 'subscribe', b: 'subscribe' });
    });
  });

  it('reconnects after a broker DISCONNECT and after a protocol error, with that error on the state', () => {
    const ts = testScheduler();
    let states: string[] = [];
    ts.run(() => {
      const r = rig(ts, { protocolVersion: 5, reconnect: { minDelay: 100 } });
      states = timeline(ts, r.client);
      r.client.connect().subscribe();
      at(ts, 10, () => r.broker.send({ type: 'disconnect', reasonCode: 0x89 }));
      at(ts, 500, () => r.broker.send({ type: 'connack', sessionPresent: false, reasonCode: 0 }));
    });
    expect(states.slice(3)).toEqual([
      '10: reconnecting #1 in 100 after server-disconnected 0x89',
      '110: connected',
      '500: reconnecting #1 in 100 after protocol-error 0x82',
      '600: connected',
    ]);
  });

  it('does not retry a first connect() that fails (the subscriber hears it); backoff() on it does', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const plain = dialled(ts, { reconnect: true }, { connack: acceptOnly(0x88) });
      expectObservable(plain.client.connect().pipe(codes())).toBe('#', undefined, 'connection-refused 0x88');
      at(ts, 100_000, () => expect(plain.dials).toEqual([0]));

      const retried = dialled(ts, {}, { connack: acceptOnly(0x88, 3) });
      expectObservable(retried.client.connect().pipe(backoff({ scheduler: ts }))).toBe('3s (a|)', { a: { sessionPresent: false, reasonCode: 0 } });
      at(ts, 100_000, () => expect(retried.dials).toEqual([0, 1000, 3000]));
    });
  });

  it('without the option (the default) a drop ends in disconnected and nothing redials', () => {
    const ts = testScheduler();
    ts.run(() => {
      const { broker, client, dials } = dialled(ts, {});
      const states = timeline(ts, client);
      client.connect().subscribe();
      at(ts, 10, () => broker.close());
      at(ts, 1_000_000, () => {
        expect(dials).toEqual([0]);
        expect(states.slice(3)).toEqual(['10: disconnected connection-closed']);
      });
    });
  });
});
