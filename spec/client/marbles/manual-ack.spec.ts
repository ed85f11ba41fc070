/**
 * manualAck in virtual time: an inbound QoS 1/2 message is acknowledged when the
 * application calls `message.ack()`, and acks leave in arrival order [MQTT-4.6.0-2].
 */

import type { MqttMessage } from '../../../src/client';
import { at, packetIds, rig, testScheduler } from './helpers';

describe('manualAck (marbles)', () => {
  it('sends no PUBACK for a QoS 1 message until message.ack()', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { manualAck: true });
      const got: MqttMessage[] = [];
      client.connect().subscribe();
      client.messages$('t').subscribe((m) => got.push(m));
      at(ts, 2, () => broker.deliver('t', 'x', { qos: 1, packetId: 7 }));
      at(ts, 9, () => got[0].ack());
      expectObservable(packetIds(broker, 'puback')).toBe('9ms a', { a: 'puback:7' });
    });
  });

  it('acknowledges automatically without manualAck', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts);
      client.connect().subscribe();
      client.messages$('t').subscribe();
      at(ts, 2, () => broker.deliver('t', 'x', { qos: 1, packetId: 7 }));
      expectObservable(packetIds(broker, 'puback')).toBe('2ms a', { a: 'puback:7' });
    });
  });

  it('sends acks in arrival order when the application acks out of order', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { manualAck: true });
      const got: MqttMessage[] = [];
      client.connect().subscribe();
      client.messages$('t').subscribe((m) => got.push(m));
      at(ts, 2, () => broker.deliver('t', 'first', { qos: 1, packetId: 1 }));
      at(ts, 3, () => broker.deliver('t', 'second', { qos: 2, packetId: 2 }));
      at(ts, 4, () => broker.deliver('t', 'third', { qos: 1, packetId: 3 }));
      at(ts, 5, () => got[1].ack()); // waits for the first
      at(ts, 8, () => got[0].ack()); // releases the first and the second
      at(ts, 12, () => got[2].ack());
      expectObservable(packetIds(broker, 'puback')).toBe('8ms a 3ms c', { a: 'puback:1', c: 'puback:3' });
      expectObservable(packetIds(broker, 'pubrec')).toBe('8ms b', { b: 'pubrec:2' });
    });
  });

  it('ack() twice sends one PUBACK', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { manualAck: true });
      const got: MqttMessage[] = [];
      client.connect().subscribe();
      client.messages$('t').subscribe((m) => got.push(m));
      at(ts, 2, () => broker.deliver('t', 'x', { qos: 1, packetId: 4 }));
      at(ts, 3, () => got[0].ack());
      at(ts, 6, () => got[0].ack());
      expectObservable(packetIds(broker, 'puback')).toBe('3ms a', { a: 'puback:4' });
    });
  });
});
