/**
 * The TestBroker of `rxmqtt/testing` itself: what it records, how each answer can be
 * configured or turned off, and its socket's lifetime.
 */

import { map } from 'rxjs';
import { encodePacket, MqttClient, type SocketEvent } from '../../../src';
import { TestBroker } from '../../../src/testing';
import { at, codes, packetTypes, rig, testScheduler } from './helpers';

describe('TestBroker', () => {
  it('records what the client wrote and what it answered, decoded', () => {
    const ts = testScheduler();
    const broker = ts.run(() => {
      const { broker, client } = rig(ts, { protocolVersion: 5, clientId: 'rec', properties: { sessionExpiryInterval: 30 } });
      client.connect().subscribe();
      at(ts, 1, () => client.subscribe(['a', 1]).subscribe());
      return broker;
    });
    expect(broker.received).toEqual([
      { type: 'connect', protocolVersion: 5, clean: true, keepalive: 0, clientId: 'rec', properties: { sessionExpiryInterval: 30 } },
      expect.objectContaining({ type: 'subscribe', packetId: 1, subscriptions: [expect.objectContaining({ topicFilter: 'a', qos: 1 })] }),
    ]);
    expect(broker.sent).toEqual([
      { type: 'connack', sessionPresent: false, reasonCode: 0 },
      { type: 'suback', packetId: 1, reasonCodes: [1] },
    ]);
  });

  it('answers nothing but CONNACK with autoAck false; a test can answer by hand', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, {}, { autoAck: false });
      expectObservable(packetTypes(broker)).toBe('a 1ms (bc)', { a: 'connect', b: 'publish', c: 'subscribe' });
      expectObservable(client.connect()).toBe('(a|)', { a: { sessionPresent: false, reasonCode: 0 } });
      expectObservable(client.publish('t', 'x', { qos: 1 }), '2ms ^').toBe('4ms (a|)', { a: { qos: 1, packetId: 1, reasonCode: 0 } });
      expectObservable(client.subscribe('t'), '2ms ^').toBe('');
      at(ts, 4, () => broker.send({ type: 'puback', packetId: 1, reasonCode: 0 }));
    });
  });

  it('answers CONNECT per connection with a function, and not at all with false', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const broker = new TestBroker({ scheduler: ts, connack: (connect, n) => (n === 1 ? false : { sessionPresent: !connect.clean }) });
      const { client } = rig(ts, { clean: 'first-only', connectTimeout: 100, transport: broker.transport });
      expectObservable(client.connect().pipe(codes())).toBe('100ms #', undefined, 'connect-timeout');
      expectObservable(client.connect(), '200ms ^').toBe('200ms (a|)', { a: { sessionPresent: false, reasonCode: 0 } });
    });
  });

  it('delivers with increasing packet ids and completes a QoS 2 delivery by itself (PUBREC → PUBREL → PUBCOMP)', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, {}, { replyDelay: 2 });
      client.connect().subscribe();
      at(ts, 3, () => broker.deliver('t', 'one', { qos: 2 }));
      at(ts, 4, () => broker.deliver('t', 'two', { qos: 1, retain: true }));
      expectObservable(client.messages$().pipe(map((m) => `${m.text()}:${m.qos}:${m.packetId}:${m.retain}`))).toBe('3ms a b', {
        a: 'one:2:1:false',
        b: 'two:1:2:true',
      });
      // The client's PUBREC at 3 is answered at 5 with PUBREL, its PUBCOMP follows at once.
      expectObservable(packetTypes(broker, 'pubrec', 'puback', 'pubcomp')).toBe('3ms a b c', { a: 'pubrec', b: 'puback', c: 'pubcomp' });
    });
  });

  it('silence() drops the answers it had scheduled and answers nothing after', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { connectTimeout: 50 }, { replyDelay: 5 });
      at(ts, 2, () => broker.silence());
      expectObservable(client.connect().pipe(codes())).toBe('50ms #', undefined, 'connect-timeout');
    });
  });

  it('closes its side after the client ends the socket; a silenced broker never does (the client gives up after 2 s)', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const live = rig(ts);
      live.client.connect().subscribe();
      expectObservable(live.client.disconnect(), '5ms ^').toBe('5ms |');
      const silent = rig(ts);
      silent.client.connect().subscribe();
      at(ts, 1, () => silent.broker.silence());
      expectObservable(silent.client.disconnect(), '5ms ^').toBe('2005ms |');
    });
  });

  it('fails the socket when the client writes malformed bytes', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const broker = new TestBroker({ scheduler: ts });
      const socket$ = broker.transport();
      const writeGarbage = (e: SocketEvent): string => {
        if (e.type === 'opened') e.writer.write(new Uint8Array([0x00, 0x00]));
        return e.type;
      };
      expectObservable(socket$.pipe(map(writeGarbage), codes())).toBe('(a#)', { a: 'opened' }, 'connection-closed');
    });
  });

  it('fail() errors the socket with the given error; close() completes it', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const broker = new TestBroker({ scheduler: ts });
      at(ts, 3, () => broker.fail());
      expectObservable(broker.transport().pipe(map((e) => e.type), codes())).toBe('a 2ms #', { a: 'opened' }, 'connection-closed');
      const other = new TestBroker({ scheduler: ts });
      at(ts, 3, () => other.close());
      expectObservable(other.transport().pipe(map((e) => e.type))).toBe('a 2ms |', { a: 'opened' });
    });
  });

  it('reports backpressure from write() after blockWrites() and emits drained on drain()', () => {
    const ts = testScheduler();
    const writes: boolean[] = [];
    ts.run(({ expectObservable }) => {
      const broker = new TestBroker({ scheduler: ts, autoAck: false });
      const ping = encodePacket({ type: 'pingreq' }, 4);
      at(ts, 2, () => broker.blockWrites());
      at(ts, 4, () => broker.drain());
      const socket$ = broker.transport().pipe(
        map((e) => {
          if (e.type === 'opened') {
            writes.push(e.writer.write(ping)); // at 0
            ts.schedule(() => writes.push(e.writer.write(ping)), 3);
            ts.schedule(() => writes.push(e.writer.write(ping)), 5);
          }
          return e.type;
        }),
      );
      expectObservable(socket$).toBe('a 3ms b', { a: 'opened', b: 'drained' });
      // Bytes written while "full" still arrive (the socket queued them).
      expectObservable(packetTypes(broker)).toBe('a 2ms a 1ms a', { a: 'pingreq' });
    });
    expect(writes).toEqual([true, false, true]);
  });

  it('throws when asked to send with no open socket, naming the method', () => {
    const broker = new TestBroker();
    expect(() => broker.deliver('t', 'x')).toThrow('TestBroker.send(): no open connection');
    expect(() => broker.sendBytes([0])).toThrow('TestBroker.sendBytes(): no open connection');
    expect(() => broker.close()).toThrow('TestBroker.close(): no open connection');
    expect(() => new TestBroker({ replyDelay: -1 })).toThrow(RangeError);
  });

  it('runs on asyncScheduler by default, which TestScheduler.run virtualises', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const broker = new TestBroker({ replyDelay: 7 });
      const { client } = rig(ts, { transport: broker.transport });
      expectObservable(client.connectionState$.pipe(map((s) => s.type))).toBe('(ab) 3ms c', { a: 'idle', b: 'connecting', c: 'connected' });
      expectObservable(client.connect()).toBe('7ms (a|)', { a: { sessionPresent: false, reasonCode: 0 } });
    });
  });

  it('runs the example of its doc comment', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const broker = new TestBroker({ scheduler, replyDelay: 3 });
      const client = new MqttClient({ transport: broker.transport, scheduler, keepalive: 0 });
      client.connect().subscribe();
      scheduler.schedule(() => broker.deliver('temp', '21.5'), 5);
      expectObservable(client.messages$('temp').pipe(map((m) => m.text()))).toBe('5ms a', { a: '21.5' });
      expectObservable(client.publish('cmd', 'on', { qos: 1 }), '6ms ^').toBe('9ms (a|)', { a: { qos: 1, packetId: 2, reasonCode: 0 } });
    });
  });
});
