/**
 * events$: packet events carry type, packet id and size in bytes, at the frame the packet
 * crosses the socket; no event ever carries the password.
 */

import { filter, map } from 'rxjs';
import { encodePacket, type Packet } from '../../../src';
import type { ClientEvent } from '../../../src/client';
import { at, rig, testScheduler } from './helpers';

const password = 'correct-horse-battery-staple';

function describePacketEvent(e: ClientEvent): string {
  return e.type === 'packetSent' || e.type === 'packetReceived' ? `${e.type}:${e.packetType}:${e.packetId ?? '-'}` : e.type;
}

describe('events$ (marbles)', () => {
  it('reports each packet sent and received with its type and packet id, at its frame', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, {}, { replyDelay: 1 });
      const packets$ = client.events$.pipe(
        filter((e) => e.type === 'packetSent' || e.type === 'packetReceived'),
        map(describePacketEvent),
      );
      expectObservable(packets$).toBe('abcd 2ms e', {
        a: 'packetSent:connect:-',
        b: 'packetReceived:connack:-',
        c: 'packetSent:publish:1',
        d: 'packetReceived:puback:1',
        e: 'packetReceived:publish:-',
      });
      client.connect().subscribe();
      at(ts, 2, () => client.publish('t', 'x', { qos: 1 }).subscribe());
      at(ts, 6, () => broker.deliver('u', 'y'));
    });
  });

  it('gives each packet event the size of the packet on the wire, in both directions', () => {
    const ts = testScheduler();
    const { events, broker } = ts.run(() => {
      const { broker, client } = rig(ts, { protocolVersion: 5, username: 'u', password }, { replyDelay: 1 });
      const events: ClientEvent[] = [];
      client.events$.subscribe((e) => events.push(e));
      client.connect().subscribe();
      client.messages$('t/#').subscribe();
      at(ts, 3, () => broker.deliver('t/1', 'hello', { qos: 1, properties: { userProperties: [['k', 'v']] } }));
      at(ts, 4, () => client.publish('t/2', 'a longer payload than the others', { qos: 1 }).subscribe());
      return { events, broker };
    });
    const size = (p: Packet): number => encodePacket(p, 5).length;
    const sent = events.flatMap((e) => (e.type === 'packetSent' ? [[e.packetType, e.size]] : []));
    const received = events.flatMap((e) => (e.type === 'packetReceived' ? [[e.packetType, e.size]] : []));
    expect(sent).toEqual(broker.received.map((p) => [p.type, size(p)]));
    expect(received).toEqual(broker.sent.map((p) => [p.type, size(p)]));
    expect(received.length).toBeGreaterThan(3);
  });

  it('never carries the password, in any event, whatever happens', () => {
    const ts = testScheduler();
    const events = ts.run(() => {
      const { broker, client } = rig(ts, { protocolVersion: 5, username: 'user', password }, { connack: (_c, n) => (n === 1 ? { reasonCode: 0x86 } : {}) });
      const seen: ClientEvent[] = [];
      client.events$.subscribe((e) => seen.push(e));
      client.connect().subscribe({ error: () => {} }); // refused
      at(ts, 5, () => client.connect().subscribe());
      at(ts, 6, () => client.publish('t', password).subscribe());
      at(ts, 7, () => broker.sendBytes([0x00, 0x00]));
      return seen;
    });
    expect(events.length).toBeGreaterThan(5);
    const bytes = new TextEncoder().encode(password);
    for (const event of events) {
      const json = JSON.stringify(event, (_key, value: unknown) => (value instanceof Uint8Array ? Array.from(value) : value));
      expect(json).not.toContain(password);
      expect(json).not.toContain(JSON.stringify(Array.from(bytes)).slice(1, -1));
    }
  });
});
