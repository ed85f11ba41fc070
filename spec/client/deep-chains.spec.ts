/**
 * Publishes chained by operators (`mergeMap`, `concatMap`) must not grow the call stack
 * with the number of messages. When a full socket drains, thousands of held publishes
 * settle at once; each completion makes `mergeMap` subscribe the next publish from inside
 * its finalizer, and a publish that settled synchronously there nested one level deeper
 * per message: with a 256 KiB socket buffer (3,600 small messages a drain) the publisher
 * died of "Maximum call stack size exceeded" or hung with requests lost mid-settle. The
 * engine now queues whatever a settle sets off and works through it in one flat loop.
 */

import { concatMap, count, firstValueFrom, lastValueFrom, mergeMap, Observable, range } from 'rxjs';
import { encodePacket, MqttClient, type SocketEvent, type Transport } from '../../src';

/** A socket that answers CONNACK, holds `capacity` bytes, and drains on the next macrotask. */
function fillingSocket(capacity: number, stats: { deepest: number; written: number }): () => Transport {
  const connack = encodePacket({ type: 'connack', sessionPresent: false, reasonCode: 0 }, 4);
  return () =>
    new Observable<SocketEvent>((subscriber) => {
      let buffered = 0;
      let draining = false;
      let first = true;
      const timer = setTimeout(() =>
        subscriber.next({
          type: 'opened',
          writer: {
            write: (bytes) => {
              stats.deepest = Math.max(stats.deepest, stackDepth());
              if (first) {
                first = false;
                setTimeout(() => subscriber.next({ type: 'data', bytes: connack }));
                return true;
              }
              stats.written += bytes.length;
              buffered += bytes.length;
              if (buffered < capacity) return true;
              if (!draining) {
                draining = true;
                setImmediate(() => {
                  buffered = 0;
                  draining = false;
                  subscriber.next({ type: 'drained' });
                });
              }
              return false;
            },
            end: () => subscriber.complete(),
          },
        }),
      );
      return () => clearTimeout(timer);
    });
}

function stackDepth(): number {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Infinity;
  const depth = (new Error().stack ?? '').split('\n').length;
  Error.stackTraceLimit = limit;
  return depth;
}

describe('long publish chains', () => {
  it('40,000 QoS 0 publishes through concatMap/mergeMap over a socket that fills and drains: all complete, stack stays flat', async () => {
    const stats = { deepest: 0, written: 0 };
    const client = new MqttClient({ transport: fillingSocket(1024 * 1024, stats), keepalive: 0 });
    await firstValueFrom(client.connect());
    const payload = new Uint8Array(64);
    const n = 40_000;
    const sent = await lastValueFrom(
      range(0, n / 1000).pipe(
        concatMap((b) => range(b * 1000, 1000).pipe(mergeMap(() => client.publish('deep/chain', payload), 20))),
        count(),
      ),
    );
    expect(sent).toBe(n);
    // Every PUBLISH reached the socket, and the socket filled more than once on the way.
    expect(stats.written).toBeGreaterThan(2 * 1024 * 1024);
    expect(stats.deepest).toBeLessThan(200);
    await lastValueFrom(client.disconnect(), { defaultValue: undefined });
  });
});
