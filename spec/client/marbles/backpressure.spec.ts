/**
 * Backpressure in virtual time: once the socket's writer returns false, the client
 * holds further packets — and the completion of QoS 0 publishes, which complete "once
 * written" — until the transport emits `drained`.
 */

import { concatMap, from } from 'rxjs';
import { at, packetTypes, rig, testScheduler } from './helpers';

const qos0 = { qos: 0, reasonCode: 0 };

describe('backpressure (marbles)', () => {
  it('holds packets after a write returned false, and QoS 0 completions, until drained', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts);
      client.connect().subscribe();
      at(ts, 2, () => broker.blockWrites());
      at(ts, 9, () => broker.drain());
      // The first PUBLISH is handed to the socket at 3 (its write says "full"); the second waits.
      expectObservable(client.publish('t', 'a'), '3ms ^').toBe('9ms (a|)', { a: qos0 });
      expectObservable(client.publish('t', 'b'), '4ms ^').toBe('9ms (a|)', { a: qos0 });
      expectObservable(packetTypes(broker, 'publish')).toBe('3ms a 5ms a', { a: 'publish' });
    });
  });

  it('holds a concatMap of QoS 0 publishes at the first full write until drained', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts);
      client.connect().subscribe();
      at(ts, 1, () => broker.blockWrites());
      at(ts, 5, () => broker.drain());
      const all$ = from(['a', 'b', 'c']).pipe(concatMap((p) => client.publish('t', p)));
      // a: written at 2 (full), done when drained at 5; then b and c flow at once.
      expectObservable(all$, '2ms ^').toBe('5ms (abc|)', { a: qos0, b: qos0, c: qos0 });
      expectObservable(packetTypes(broker, 'publish')).toBe('2ms a 2ms (aa)', { a: 'publish' });
    });
  });
});
