/**
 * Malformed input from the broker: the connection closes with 'malformed-packet' at the
 * frame the bad bytes arrive, the state says so, and nothing throws out of the client.
 */

import { filter, map } from 'rxjs';
import type { ProtocolVersion } from '../../../src';
import { TestBroker } from '../../../src/testing';
import { at, codes, describeError, packetTypes, probedTransport, rig, testScheduler } from './helpers';

/** Each breaks a packet-format rule the frame decoder enforces. */
const badInputs: Array<[string, number[]]> = [
  ['reserved packet type 0', [0x00, 0x00]],
  ['PUBLISH with QoS 3', [0x33, 0x03, 0x00, 0x01, 0x74]],
  ['PUBREL with reserved flags 0', [0x60, 0x02, 0x00, 0x01]],
  ['a remaining length longer than 4 bytes', [0x30, 0xff, 0xff, 0xff, 0xff, 0x01]],
];

describe('malformed input from the broker (marbles)', () => {
  describe.each<ProtocolVersion>([4, 5])('MQTT protocol level %i', (version) => {
    it.each(badInputs)('%s closes the connection with malformed-packet', (_name, bytes) => {
      const ts = testScheduler();
      ts.run(({ expectObservable, cold, expectSubscriptions }) => {
        const socket = cold<never>('-');
        const broker = new TestBroker({ scheduler: ts });
        const { client } = rig(ts, { protocolVersion: version, transport: probedTransport(broker, socket) });
        client.connect().subscribe();
        at(ts, 5, () => broker.sendBytes(bytes));
        expectObservable(
          client.connectionState$.pipe(map((s) => (s.type === 'disconnected' ? `disconnected:${String(describeError(s.error))}` : s.type))),
        ).toBe('(ab) 1ms c', { a: 'connecting', b: 'connected', c: 'disconnected:malformed-packet' });
        // 5.0 tells the broker why first (DISCONNECT 0x81); 3.1.1 has no way to.
        expectObservable(packetTypes(broker, 'disconnect')).toBe(version === 5 ? '5ms a' : '', { a: 'disconnect' });
        expectObservable(client.messages$('t').pipe(codes()), '^').toBe('');
        expectSubscriptions(socket.subscriptions).toBe('^ 4ms !');
      });
    });
  });

  it('fails a pending connect() with malformed-packet when the bad bytes come before CONNACK', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, {}, { connack: false });
      at(ts, 2, () => broker.sendBytes([0x00, 0x00]));
      expectObservable(client.connect().pipe(codes())).toBe('2ms #', undefined, 'malformed-packet');
    });
  });

  it('decodes packets split across chunks and several in one chunk, then fails at the bad byte that follows', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts);
      client.connect().subscribe();
      // PUBLISH 't' = 'x' (QoS 0) split 2 + 3 bytes, then a whole one with a reserved packet type behind it.
      at(ts, 3, () => broker.sendBytes([0x30, 0x04]));
      at(ts, 4, () => broker.sendBytes([0x00, 0x01, 0x74, 0x78]));
      at(ts, 6, () => broker.sendBytes([0x30, 0x04, 0x00, 0x01, 0x74, 0x79, 0x00, 0x00]));
      expectObservable(client.messages$().pipe(map((m) => m.text()))).toBe('4ms a 1ms b', { a: 'x', b: 'y' });
      expectObservable(
        client.connectionState$.pipe(
          filter((s) => s.type === 'disconnected'),
          map((s) => (s.type === 'disconnected' ? describeError(s.error) : s.type)),
        ),
      ).toBe('6ms a', { a: 'malformed-packet' });
    });
  });
});
