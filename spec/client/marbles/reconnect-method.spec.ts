/**
 * `reconnect()` in virtual time: DISCONNECT 0x00 then CONNECT on a new socket, the states
 * on the way (never `closed` or `disconnected` for a deliberate reconnect), what survives
 * it (a queued publish, a QoS 1 publish in flight, `messages$` routes), reconnect() while
 * offline, while the `reconnect` option is reconnecting, and unsubscribing before CONNACK.
 *
 * `timeline` records each state with the virtual time it was entered; `dialled` records
 * when each socket was opened.
 */

import { map } from 'rxjs';
import type { Packet } from '../../../src';
import { TestBroker, type TestBrokerOptions } from '../../../src/testing';
import { at, codes, dialled, packetIds, packetTypes, probedTransport, rig, testScheduler, text, timeline } from './helpers';


/** Session Present on every connection after the first (a broker that kept the session). */
const resumes: TestBrokerOptions['connack'] = (_connect, n) => ({ sessionPresent: n > 1 });

const ACCEPTED = { sessionPresent: false, reasonCode: 0 };
const RESUMED = { sessionPresent: true, reasonCode: 0 };

describe('reconnect() (marbles)', () => {
  it('sends DISCONNECT 0x00 and closes the socket, then CONNECTs on a new one; states connected → connecting → connected', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const broker = new TestBroker({ scheduler: ts });
      const probe = cold('-');
      const { client } = rig(ts, { protocolVersion: 5, transport: probedTransport(broker, probe) });
      const received: Packet[] = [];
      broker.received$.subscribe((p) => received.push(p));
      expectObservable(client.connectionState$.pipe(map((s) => s.type))).toBe('(abc) 5ms (bc)', { a: 'idle', b: 'connecting', c: 'connected' });
      at(ts, 0, () => client.connect().subscribe());
      expectObservable(client.reconnect(), '10ms ^').toBe('10ms (a|)', { a: ACCEPTED });
      expectObservable(packetTypes(broker)).toBe('a 9ms (bc)', { a: 'connect', b: 'disconnect', c: 'connect' });
      expectSubscriptions(probe.subscriptions).toBe(['^ 9ms !', '10ms ^']);
      at(ts, 20, () => expect(received.find((p) => p.type === 'disconnect')).toEqual({ type: 'disconnect', reasonCode: 0 }));
    });
  });

  it('at 3.1.1 sends DISCONNECT too (it has no reason code: the broker discards the Will)', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { protocolVersion: 4, will: { topic: 'w', payload: new Uint8Array([1]), qos: 0, retain: false } });
      at(ts, 0, () => client.connect().subscribe());
      at(ts, 10, () => client.reconnect().subscribe());
      expectObservable(packetTypes(broker)).toBe('a 9ms (bc)', { a: 'connect', b: 'disconnect', c: 'connect' });
    });
  });

  it('a QoS 1 publish in flight is resent (DUP) on the resumed session, and a queued one goes out after it', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { clean: false, maxInflight: 1 }, { connack: resumes, autoAck: { publish: false } });
      const states = timeline(ts, client);
      const dups: boolean[] = [];
      broker.received$.subscribe((p) => p.type === 'publish' && dups.push(p.dup));
      at(ts, 0, () => client.connect().subscribe());
      // In flight (no PUBACK on the first connection), and one queued behind the window.
      expectObservable(client.publish('t', 'in flight', { qos: 1 }), '1ms ^').toBe('20ms (a|)', { a: { qos: 1, packetId: 1, reasonCode: 0 } });
      expectObservable(client.publish('t', 'queued', { qos: 1 }), '2ms ^').toBe('30ms (a|)', { a: { qos: 1, packetId: 2, reasonCode: 0 } });
      at(ts, 10, () => client.reconnect().subscribe());
      at(ts, 20, () => broker.send({ type: 'puback', packetId: 1, reasonCode: 0 }));
      at(ts, 30, () => broker.send({ type: 'puback', packetId: 2, reasonCode: 0 }));
      expectObservable(packetIds(broker, 'publish')).toBe('1ms a 8ms b 9ms c', { a: 'publish:1', b: 'publish:1', c: 'publish:2' });
      at(ts, 40, () => {
        expect(dups).toEqual([false, true, false]);
        expect(states).toEqual(['0: idle', '0: connecting', '0: connected', '10: connecting', '10: connected (session present)']);
      });
    });
  });

  it('a publish made during the redial queues (up to maxQueued) and goes out after the new CONNACK', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { maxQueued: 1 }, { replyDelay: 5 });
      at(ts, 0, () => client.connect().subscribe()); // connected at 5
      at(ts, 10, () => client.reconnect().subscribe()); // closed and dialled at 10, CONNACK at 15
      expectObservable(client.publish('t', 'x', { qos: 1 }), '12ms ^').toBe('20ms (a|)', { a: { qos: 1, packetId: 1, reasonCode: 0 } });
      expectObservable(client.publish('t', 'too many', { qos: 1 }).pipe(codes()), '13ms ^').toBe('13ms #', undefined, 'queue-full');
      expectObservable(packetTypes(broker)).toBe('a 9ms (bc) 1ms d', { a: 'connect', b: 'disconnect', c: 'connect', d: 'publish' });
    });
  });

  it('a QoS 1 publish in flight errors with session-lost when the broker lost the session, as after a drop', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { client } = rig(ts, {}, { autoAck: { publish: false } });
      at(ts, 0, () => client.connect().subscribe());
      expectObservable(client.publish('t', 'x', { qos: 1 }).pipe(codes()), '1ms ^').toBe('10ms #', undefined, 'session-lost');
      at(ts, 10, () => client.reconnect().subscribe());
    });
  });

  it('restores messages$ when the broker lost the session, and does not subscribe again when it kept it', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const lost = rig(ts, {}, {});
      at(ts, 0, () => lost.client.connect().subscribe());
      at(ts, 10, () => lost.client.reconnect().subscribe());
      at(ts, 20, () => lost.broker.deliver('t', 'after'));
      expectObservable(lost.client.messages$('t').pipe(map(text))).toBe('20ms a', { a: 't=after' });
      expectObservable(packetTypes(lost.broker, 'subscribe', 'disconnect')).toBe('a 9ms (bc)', { a: 'subscribe', b: 'disconnect', c: 'subscribe' });

      const kept = rig(ts, { clean: false }, { connack: resumes });
      at(ts, 0, () => kept.client.connect().subscribe());
      at(ts, 10, () => kept.client.reconnect().subscribe());
      at(ts, 20, () => kept.broker.deliver('t', 'after'));
      expectObservable(kept.client.messages$('t').pipe(map(text))).toBe('20ms a', { a: 't=after' });
      expectObservable(packetTypes(kept.broker, 'subscribe', 'disconnect')).toBe('a 9ms b', { a: 'subscribe', b: 'disconnect' });
    });
  });

  it('a messages$ opened while the old socket closes subscribes once, on the new connection', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, {}, { replyDelay: 5 });
      at(ts, 0, () => client.connect().subscribe());
      at(ts, 10, () => {
        client.reconnect().subscribe();
        client.messages$('t').subscribe();
      });
      expectObservable(packetTypes(broker, 'subscribe')).toBe('15ms a', { a: 'subscribe' });
    });
  });

  it('offline it is connect(): from idle, after disconnected, and after disconnect() (no DISCONNECT sent)', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, {});
      const states = timeline(ts, client);
      expectObservable(client.reconnect(), '1ms ^').toBe('1ms (a|)', { a: ACCEPTED });
      at(ts, 10, () => broker.close());
      expectObservable(client.reconnect(), '20ms ^').toBe('20ms (a|)', { a: ACCEPTED });
      at(ts, 30, () => client.disconnect().subscribe());
      expectObservable(client.reconnect(), '40ms ^').toBe('40ms (a|)', { a: ACCEPTED });
      expectObservable(packetTypes(broker, 'connect', 'disconnect')).toBe('1ms a 18ms a 9ms b 9ms a', { a: 'connect', b: 'disconnect' });
      at(ts, 50, () =>
        expect(states).toEqual([
          '0: idle',
          '1: connecting',
          '1: connected',
          '10: disconnected connection-closed',
          '20: connecting',
          '20: connected',
          '30: closed',
          '40: connecting',
          '40: connected',
        ]),
      );
    });
  });

  it('errors as connect() does when the redial is refused (without the reconnect option): disconnected', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { client } = rig(ts, { protocolVersion: 5 }, { connack: (_c, n) => (n === 1 ? {} : { reasonCode: 0x87 }) });
      const states = timeline(ts, client);
      at(ts, 0, () => client.connect().subscribe());
      expectObservable(client.reconnect().pipe(codes()), '10ms ^').toBe('10ms #', undefined, 'connection-refused 0x87');
      at(ts, 20, () => expect(states.slice(3)).toEqual(['10: connecting', '10: disconnected connection-refused 0x87']));
    });
  });

  it('two calls at once: one DISCONNECT, one redial, both emit the new CONNACK; connect() meanwhile waits for it too', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client, dials } = dialled(ts, {}, { replyDelay: 2 });
      at(ts, 0, () => client.connect().subscribe()); // connected at 2
      expectObservable(client.reconnect(), '10ms ^').toBe('12ms (a|)', { a: ACCEPTED });
      expectObservable(client.reconnect(), '10ms ^').toBe('12ms (a|)', { a: ACCEPTED });
      expectObservable(client.connect(), '10ms ^').toBe('12ms (a|)', { a: ACCEPTED });
      expectObservable(packetTypes(broker, 'disconnect')).toBe('10ms a', { a: 'disconnect' });
      at(ts, 100, () => expect(dials).toEqual([0, 10]));
    });
  });

  it('while connecting (before CONNACK): the attempt is closed without DISCONNECT and dialled again', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client, dials } = dialled(ts, { connectTimeout: 0 }, { connack: (_c, n) => (n === 1 ? false : {}) });
      const states = timeline(ts, client);
      at(ts, 0, () => client.connect().subscribe());
      expectObservable(client.reconnect(), '10ms ^').toBe('10ms (a|)', { a: ACCEPTED });
      expectObservable(packetTypes(broker)).toBe('a 9ms b', { a: 'connect', b: 'connect' });
      at(ts, 100, () => {
        expect(dials).toEqual([0, 10]);
        expect(states).toEqual(['0: idle', '0: connecting', '10: connected']);
      });
    });
  });

  it('unsubscribing before CONNACK leaves the redial running, as for connect()', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { client } = rig(ts, {}, { replyDelay: 5 });
      at(ts, 0, () => client.connect().subscribe()); // connected at 5
      expectObservable(client.reconnect(), '10ms ^ 2ms !').toBe('');
      expectObservable(client.connectionState$.pipe(map((s) => s.type)), '11ms ^').toBe('11ms a 3ms b', { a: 'connecting', b: 'connected' });
    });
  });

  it('disconnect() during the redial: closed, reconnect() errors with connection-closed, nothing dials again', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { client, dials } = dialled(ts, { reconnect: true }, { replyDelay: 5 });
      const states = timeline(ts, client);
      at(ts, 0, () => client.connect().subscribe());
      expectObservable(client.reconnect().pipe(codes()), '10ms ^').toBe('12ms #', undefined, 'connection-closed');
      at(ts, 12, () => client.disconnect().subscribe()); // the redial's CONNACK is due at 15
      at(ts, 100_000, () => {
        expect(dials).toEqual([0, 10]);
        expect(states.slice(3)).toEqual(['10: connecting', '12: closed']);
      });
    });
  });

  it('disconnect() while reconnect() closes the old socket: closed, and the redial never happens', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { client, dials } = dialled(ts, {});
      const states = timeline(ts, client);
      at(ts, 0, () => client.connect().subscribe());
      expectObservable(client.reconnect().pipe(codes()), '10ms ^').toBe('10ms #', undefined, 'connection-closed');
      expectObservable(client.disconnect(), '10ms ^').toBe('10ms |');
      at(ts, 100_000, () => {
        expect(dials).toEqual([0]);
        expect(states.slice(3)).toEqual(['10: connecting', '10: closed']);
      });
    });
  });

  it('reconnect() while disconnect() is closing: disconnect() completes (closed), then it dials', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { client } = rig(ts, {}, { replyDelay: 5 });
      const states = timeline(ts, client);
      at(ts, 0, () => client.connect().subscribe());
      // In one action: the broker closes its side later in frame 10, so reconnect() finds the socket closing.
      expectObservable(client.disconnect(), '10ms ^').toBe('10ms |');
      expectObservable(client.reconnect(), '10ms ^').toBe('15ms (a|)', { a: ACCEPTED });
      at(ts, 100, () => expect(states.slice(3)).toEqual(['10: closed', '10: connecting', '15: connected']));
    });
  });

  describe('with the reconnect option', () => {
    it('connected: one redial of its own, no second socket; automatic reconnect still watches the new connection', () => {
      const ts = testScheduler();
      ts.run(() => {
        const { broker, client, dials } = dialled(ts, { reconnect: true });
        const states = timeline(ts, client);
        at(ts, 0, () => client.connect().subscribe());
        at(ts, 10, () => client.reconnect().subscribe());
        at(ts, 50, () => broker.close());
        at(ts, 100_000, () => {
          expect(dials).toEqual([0, 10, 1050]);
          expect(states.slice(3)).toEqual(['10: connecting', '10: connected', '50: reconnecting #1 in 1000 after connection-closed', '1050: connected']);
        });
      });
    });

    it('while waiting to redial: dials at once and the pending redial is cancelled', () => {
      const ts = testScheduler();
      ts.run(({ expectObservable }) => {
        const { broker, client, dials } = dialled(ts, { reconnect: true });
        const states = timeline(ts, client);
        at(ts, 0, () => client.connect().subscribe());
        at(ts, 10, () => broker.close());
        expectObservable(client.reconnect(), '300ms ^').toBe('300ms (a|)', { a: ACCEPTED });
        at(ts, 400, () => broker.close());
        at(ts, 100_000, () => {
          expect(dials).toEqual([0, 300, 1400]);
          expect(states.slice(3)).toEqual([
            '10: reconnecting #1 in 1000 after connection-closed',
            '300: connecting',
            '300: connected',
            '400: reconnecting #1 in 1000 after connection-closed',
            '1400: connected',
          ]);
        });
      });
    });

    it('while waiting to redial, a dial that fails hands over to automatic reconnect (curve from the start); reconnect() emits when that succeeds', () => {
      const ts = testScheduler();
      ts.run(({ expectObservable }) => {
        const { broker, client, dials } = dialled(ts, { protocolVersion: 5, reconnect: true }, { connack: (_c, n) => (n === 2 ? { reasonCode: 0x88 } : {}) });
        const states = timeline(ts, client);
        at(ts, 0, () => client.connect().subscribe());
        at(ts, 10, () => broker.close());
        expectObservable(client.reconnect(), '300ms ^').toBe('1300ms (a|)', { a: ACCEPTED });
        at(ts, 100_000, () => {
          expect(dials).toEqual([0, 300, 1300]);
          expect(states.slice(3)).toEqual([
            '10: reconnecting #1 in 1000 after connection-closed',
            '300: connecting',
            '300: reconnecting #1 in 1000 after connection-refused 0x88',
            '1300: connected',
          ]);
        });
      });
    });

    it('while a redial waits for its CONNACK: that attempt is ended and dialled again, one socket at a time', () => {
      const ts = testScheduler();
      ts.run(({ expectObservable }) => {
        const broker = new TestBroker({ scheduler: ts, connack: (_c, n) => (n === 2 ? false : {}) });
        const probe = ts.createColdObservable('-');
        const { client } = rig(ts, { reconnect: true, connectTimeout: 0, transport: probedTransport(broker, probe) });
        const states = timeline(ts, client);
        at(ts, 0, () => client.connect().subscribe());
        at(ts, 10, () => broker.close());
        expectObservable(client.reconnect(), '1500ms ^').toBe('1500ms (a|)', { a: ACCEPTED });
        ts.expectSubscriptions(probe.subscriptions).toBe(['^ 9ms !', '1010ms ^ 489ms !', '1500ms ^']);
        at(ts, 100_000, () =>
          expect(states.slice(3)).toEqual(['10: reconnecting #1 in 1000 after connection-closed', '1500: connecting', '1500: connected']),
        );
      });
    });
  });

  it('resumes with the session present on a persistent session (clean: false)', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { client } = rig(ts, { clean: false }, { connack: resumes });
      at(ts, 0, () => client.connect().subscribe());
      expectObservable(client.reconnect(), '10ms ^').toBe('10ms (a|)', { a: RESUMED });
    });
  });
});
