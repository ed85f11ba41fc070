/**
 * publish() completion in virtual time: QoS 0 once written, QoS 1 on PUBACK, QoS 2 on
 * PUBCOMP, each at the frame the broker's answer arrives; failure codes; flow control
 * with concatMap; the offline queue, its bound, and withdrawal by unsubscribing.
 */

import { concatMap, from } from 'rxjs';
import { at, codes, packetTypes, rig, testScheduler } from './helpers';

describe('publish() (marbles)', () => {
  it('QoS 0 completes once written', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, {}, { replyDelay: 2 });
      client.connect().subscribe();
      expectObservable(client.publish('t', 'x'), '5ms ^').toBe('5ms (a|)', { a: { qos: 0, reasonCode: 0 } });
      expectObservable(packetTypes(broker, 'publish')).toBe('5ms a', { a: 'publish' });
    });
  });

  it('QoS 1 completes at the frame the PUBACK arrives', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { client } = rig(ts, {}, { replyDelay: 4 });
      client.connect().subscribe(); // connected at 4
      expectObservable(client.publish('t', 'x', { qos: 1 }), '5ms ^').toBe('9ms (a|)', {
        a: { qos: 1, packetId: 1, reasonCode: 0 },
      });
    });
  });

  it('QoS 2 completes at the frame the PUBCOMP arrives, not at PUBREC', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, {}, { replyDelay: 4 });
      client.connect().subscribe();
      // PUBLISH at 5, PUBREC at 9 answered by PUBREL, PUBCOMP at 13.
      expectObservable(client.publish('t', 'x', { qos: 2 }), '5ms ^').toBe('13ms (a|)', {
        a: { qos: 2, packetId: 1, reasonCode: 0 },
      });
      expectObservable(packetTypes(broker, 'publish', 'pubrel')).toBe('5ms a 3ms b', { a: 'publish', b: 'pubrel' });
    });
  });

  it('errors with publish-failed and the reason code of a 5.0 PUBACK ≥ 0x80', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { client } = rig(ts, { protocolVersion: 5 }, { replyDelay: 1, publishAckCode: (p) => (p.topic === 'denied' ? 0x87 : 0) });
      client.connect().subscribe();
      expectObservable(client.publish('denied', 'x', { qos: 1 }).pipe(codes()), '3ms ^').toBe('4ms #', undefined, 'publish-failed 0x87');
      expectObservable(client.publish('allowed', 'x', { qos: 1 }), '3ms ^').toBe('4ms (a|)', {
        a: { qos: 1, packetId: 2, reasonCode: 0 },
      });
    });
  });

  it('sends one at a time under concatMap: each PUBLISH waits for the previous PUBACK', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, {}, { replyDelay: 3 });
      client.connect().subscribe(); // connected at 3
      const all$ = from(['a', 'b', 'c']).pipe(concatMap((topic) => client.publish(topic, 'x', { qos: 1 })));
      expectObservable(all$, '5ms ^').toBe('8ms a 2ms b 2ms (c|)', {
        a: { qos: 1, packetId: 1, reasonCode: 0 },
        b: { qos: 1, packetId: 2, reasonCode: 0 },
        c: { qos: 1, packetId: 3, reasonCode: 0 },
      });
      expectObservable(packetTypes(broker, 'publish')).toBe('5ms a 2ms a 2ms a', { a: 'publish' });
    });
  });

  it('queues while offline and sends right after CONNACK', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, {}, { replyDelay: 2 });
      expectObservable(client.publish('t', 'x', { qos: 1 })).toBe('14ms (a|)', { a: { qos: 1, packetId: 1, reasonCode: 0 } });
      at(ts, 10, () => client.connect().subscribe()); // CONNACK at 12
      expectObservable(packetTypes(broker)).toBe('10ms a 1ms b', { a: 'connect', b: 'publish' });
    });
  });

  it('errors with queue-full beyond maxQueued; the queued one is still sent', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { client } = rig(ts, { maxQueued: 1 });
      expectObservable(client.publish('t', 'first')).toBe('10ms (a|)', { a: { qos: 0, reasonCode: 0 } });
      expectObservable(client.publish('t', 'second').pipe(codes())).toBe('#', undefined, 'queue-full');
      at(ts, 10, () => client.connect().subscribe());
    });
  });

  it('withdraws a queued publish when unsubscribed before it is sent: the broker never receives it', () => {
    const ts = testScheduler();
    const broker = ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts);
      expectObservable(client.publish('t', 'withdrawn', { qos: 1 }), '^ 4ms !').toBe('');
      expectObservable(client.publish('t', 'kept', { qos: 1 })).toBe('10ms (a|)', { a: { qos: 1, packetId: 1, reasonCode: 0 } });
      at(ts, 10, () => client.connect().subscribe());
      expectObservable(packetTypes(broker)).toBe('10ms (ab)', { a: 'connect', b: 'publish' });
      return broker;
    });
    const published = broker.received.flatMap((p) => (p.type === 'publish' ? [new TextDecoder().decode(p.payload)] : []));
    expect(published).toEqual(['kept']);
  });

  it('still completes the QoS 2 flow (PUBREL) when unsubscribed after the PUBLISH was sent', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, {}, { replyDelay: 3 });
      client.connect().subscribe(); // connected at 3
      expectObservable(client.publish('t', 'x', { qos: 2 }), '5ms ^ 1ms !').toBe('');
      expectObservable(packetTypes(broker, 'publish', 'pubrel')).toBe('5ms a 2ms b', { a: 'publish', b: 'pubrel' });
    });
  });
});
