/**
 * messages$ in virtual time: one SUBSCRIBE per filter however many observers, one
 * UNSUBSCRIBE when the last leaves, routing to overlapping filters, refusals, and
 * subscriptions restored after a reconnect.
 */

import type { TestScheduler } from 'rxjs/testing';
import { filter, map, take } from 'rxjs';
import { at, codes, deliveries, packetTypes, rig, testScheduler, text } from './helpers';

function connectAt(ts: TestScheduler, ms: number, client: { connect(): { subscribe(): unknown } }): void {
  at(ts, ms, () => client.connect().subscribe());
}

describe('messages$() (marbles)', () => {
  it('sends one SUBSCRIBE for two observers of a filter, and one UNSUBSCRIBE when the last leaves', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable, hot }) => {
      const { broker, client } = rig(ts);
      connectAt(ts, 0, client);
      const first = '  --^-------!';
      const second = ' ----^----------!';
      const sent = { a: 'x/1=a', b: 'x/2=b', c: 'x/3=c' };
      deliveries(hot, broker, '------a-----b-----c', sent);
      expectObservable(client.messages$('x/+').pipe(map(text)), first).toBe('------a', sent);
      expectObservable(client.messages$('x/+').pipe(map(text)), second).toBe('------a-----b', sent);
      expectObservable(packetTypes(broker)).toBe('a-b------------c', { a: 'connect', b: 'subscribe', c: 'unsubscribe' });
    });
  });

  it('gives observers of overlapping filters each the messages that match theirs (3.1.1: no subscription ids)', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable, hot }) => {
      const { broker, client } = rig(ts, { protocolVersion: 4 });
      connectAt(ts, 0, client);
      const sent = { a: 'a/b=1', b: 'a/b/c=2', c: 'z=3' };
      deliveries(hot, broker, '---a-b-c', sent);
      expectObservable(client.messages$('a/+').pipe(map(text))).toBe('---a', sent);
      expectObservable(client.messages$('a/#').pipe(map(text))).toBe('---a-b', sent);
      expectObservable(client.messages$().pipe(map(text))).toBe('---a-b-c', sent);
      // Two SUBSCRIBE (one per filter); messages$() sends none.
      expectObservable(packetTypes(broker)).toBe('(abb)', { a: 'connect', b: 'subscribe' });
    });
  });

  it('routes each message of a repeated topic to the filters that match it at that moment', () => {
    // The router keeps its last match per topic: a filter coming or going must change it.
    const ts = testScheduler();
    ts.run(({ expectObservable, hot }) => {
      const { broker, client } = rig(ts, { protocolVersion: 4 });
      connectAt(ts, 0, client);
      const sent = { a: 'a/b=1', b: 'a/b=2', c: 'a/b=3', d: 'a/c=4', e: 'a/b=5' };
      deliveries(hot, broker, '---a--b--c--d--e', sent);
      expectObservable(client.messages$('a/+').pipe(map(text))).toBe('---a--b--c--d--e', sent);
      expectObservable(client.messages$('a/#').pipe(map(text)), '-----^-----!').toBe('------b--c', sent);
      expectObservable(client.messages$('a/b').pipe(map(text)), '--------^------').toBe('---------c-----e', sent);
    });
  });

  it('sends one SUBSCRIBE for a messages$ opened when connect() emits or the state turns connected', () => {
    // The router restores its routes before the app hears of the connection: a route the
    // app opens then is asked for once, not once by the app and again by the restore.
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { protocolVersion: 4 });
      at(ts, 0, () => client.connect().subscribe(() => client.messages$('on/connect').subscribe()));
      at(ts, 0, () =>
        client.connectionState$.pipe(filter((s) => s.type === 'connected'), take(1)).subscribe(() => client.messages$('on/state').subscribe()),
      );
      expectObservable(packetTypes(broker)).toBe('(abb)', { a: 'connect', b: 'subscribe' });
    });
  });

  it.each([false, true])('after a drop with SUBSCRIBEs sent and queued, subscribes each filter once (session present: %s)', (sessionPresent) => {
    // 100 filters: 64 SUBSCRIBEs go out (the window), 36 wait in the session's queue. The
    // drop fails the 64 (asked again on the next connection); the 36 survive and go out
    // by themselves — the router must not ask for them a second time.
    const ts = testScheduler();
    ts.run(() => {
      const { broker, client } = rig(ts, { protocolVersion: 4, clean: false }, { replyDelay: 10, connack: (_connect, connection) => ({ sessionPresent: sessionPresent && connection > 1 }) });
      const perFilter = new Map<string, number>();
      at(ts, 20, () => {
        for (let i = 0; i < 100; i++) client.messages$(`f/${i}`).subscribe();
      });
      at(ts, 25, () => broker.close());
      at(ts, 30, () => {
        broker.received$.subscribe((p) => {
          if (p.type === 'subscribe') for (const { topicFilter } of p.subscriptions) perFilter.set(topicFilter, (perFilter.get(topicFilter) ?? 0) + 1);
        });
        client.connect().subscribe();
      });
      at(ts, 0, () => client.connect().subscribe());
      at(ts, 500, () => {
        expect(perFilter.size).toBe(100);
        expect([...perFilter.values()].filter((n) => n !== 1)).toEqual([]);
      });
    });
  });

  it('errors with subscribe-failed on a 3.1.1 SUBACK 0x80', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { client } = rig(ts, { protocolVersion: 4 }, { replyDelay: 1, subackCodes: { 'secret/#': 0x80 } });
      connectAt(ts, 0, client);
      expectObservable(client.messages$('secret/#').pipe(codes()), '2ms ^').toBe('3ms #', undefined, 'subscribe-failed 0x80');
      expectObservable(client.messages$('public/#').pipe(codes()), '2ms ^').toBe('');
    });
  });

  it('errors with subscribe-failed and the 5.0 reason code 0x87', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { client } = rig(ts, { protocolVersion: 5 }, { replyDelay: 1, subackCodes: (s) => (s.topicFilter === 'secret/#' ? 0x87 : s.qos) });
      connectAt(ts, 0, client);
      expectObservable(client.messages$('secret/#').pipe(codes()), '2ms ^').toBe('3ms #', undefined, 'subscribe-failed 0x87');
    });
  });

  it('restores subscriptions after a reconnect when the broker has no session (sessionPresent false)', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable, hot }) => {
      const { broker, client } = rig(ts);
      connectAt(ts, 0, client);
      at(ts, 5, () => broker.close());
      connectAt(ts, 10, client);
      const sent = { a: 't=before', b: 't=after' };
      deliveries(hot, broker, '---a-------b', sent);
      expectObservable(client.messages$('t').pipe(map(text))).toBe('---a-------b', sent);
      expectObservable(packetTypes(broker)).toBe('(ab) 6ms (ab)', { a: 'connect', b: 'subscribe' });
    });
  });

  it('does not subscribe again after a reconnect that resumed the session (sessionPresent true)', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable, hot }) => {
      const { broker, client } = rig(ts, { clean: false }, { connack: (_connect, n) => ({ sessionPresent: n > 1 }) });
      connectAt(ts, 0, client);
      at(ts, 5, () => broker.close());
      connectAt(ts, 10, client);
      deliveries(hot, broker, '-----------b', { b: 't=after' });
      expectObservable(client.messages$('t').pipe(map(text))).toBe('-----------b', { b: 't=after' });
      expectObservable(packetTypes(broker)).toBe('(ab) 6ms a', { a: 'connect', b: 'subscribe' });
    });
  });

  it('raises the QoS with a second SUBSCRIBE when a later observer asks for more', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts);
      connectAt(ts, 0, client);
      expectObservable(client.messages$('t'), '1ms ^').toBe('');
      expectObservable(client.messages$('t', { qos: 1 }), '3ms ^').toBe('');
      expectObservable(client.messages$('t', { qos: 0 }), '4ms ^').toBe('');
      const subscribeQos$ = broker.received$.pipe(map((p) => (p.type === 'subscribe' ? `qos${p.subscriptions[0].qos}` : p.type)));
      expectObservable(subscribeQos$).toBe('ab 1ms c', { a: 'connect', b: 'qos0', c: 'qos1' });
    });
  });

  it('unsubscribes, once the session resumes, a filter whose last observer left while offline', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { clean: false }, { connack: (_connect, n) => ({ sessionPresent: n > 1 }) });
      connectAt(ts, 0, client);
      expectObservable(client.messages$('t'), '^ 6ms !').toBe(''); // leaves at 7, offline since 5
      at(ts, 5, () => broker.close());
      connectAt(ts, 10, client);
      // Without it, the resumed session would keep sending 't' to a client that no longer wants it.
      expectObservable(packetTypes(broker)).toBe('(ab) 6ms (ac)', { a: 'connect', b: 'subscribe', c: 'unsubscribe' });
    });
  });
});
