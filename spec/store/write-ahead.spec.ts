// Write-ahead: one timeline of the store's appends and the socket's writes. At each byte
// the socket gets, what the store holds (its appends replayed) must already cover it:
// a QoS 1/2 PUBLISH (first or resent) its flow, a PUBREL the flow's 'pubcomp' stage, a
// PUBREC the held inbound id. Against TestBroker (in memory), real time.
import { firstValueFrom, Observable, take, toArray } from 'rxjs';
import { FrameDecoder, type Packet } from '../../src/codec';
import { MqttClient, memoryStore, type PersistedSession, type SessionStore } from '../../src';
import { applyChanges, EMPTY_PERSISTED } from '../../src/session/persist';
import type { SocketEvent, Transport } from '../../src/transport/types';
import { TestBroker } from '../../src/testing';

type Entry = { kind: 'save'; stored: PersistedSession } | { kind: 'wire'; packet: Packet; stored: PersistedSession };

function recorder() {
  const timeline: Entry[] = [];
  const inner = memoryStore();
  let stored: PersistedSession = EMPTY_PERSISTED;
  const store: SessionStore = {
    load: (id) => inner.load(id),
    reset: (id, session) => {
      stored = session;
      inner.reset(id, session);
      timeline.push({ kind: 'save', stored });
    },
    append: (id, changes, snapshot) => {
      stored = applyChanges(stored, changes);
      inner.append(id, changes, snapshot);
      timeline.push({ kind: 'save', stored });
    },
    clear: (id) => inner.clear(id),
  };
  const wrap = (transport: Transport): Transport =>
    new Observable<SocketEvent>((subscriber) => {
      const decoder = new FrameDecoder({ protocolVersion: 5 });
      const sub = transport.subscribe({
        next: (event) => {
          if (event.type !== 'opened') return subscriber.next(event);
          const writer = event.writer;
          subscriber.next({
            ...event,
            writer: {
              write: (bytes) => {
                for (const packet of decoder.push(bytes.slice()).packets) timeline.push({ kind: 'wire', packet, stored });
                return writer.write(bytes);
              },
              end: () => writer.end(),
            },
          });
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      return () => sub.unsubscribe();
    });
  return { timeline, store, wrap };
}

/** Every QoS 1/2 PUBLISH, PUBREL and PUBREC on the wire was covered by the store when it left. */
function checkCovered(timeline: Entry[]): { publishes: number; pubrels: number; pubrecs: number } {
  const counts = { publishes: 0, pubrels: 0, pubrecs: 0 };
  for (const e of timeline) {
    if (e.kind !== 'wire') continue;
    const p = e.packet;
    if (p.type === 'publish' && p.qos > 0) {
      counts.publishes++;
      const flow = e.stored.flows.find((f) => f.packetId === p.packetId);
      expect({ packet: 'PUBLISH', id: p.packetId, stored: flow?.message.topic }).toEqual({ packet: 'PUBLISH', id: p.packetId, stored: p.topic });
    } else if (p.type === 'pubrel') {
      counts.pubrels++;
      const flow = e.stored.flows.find((f) => f.packetId === p.packetId);
      expect({ packet: 'PUBREL', id: p.packetId, stage: flow?.awaiting }).toEqual({ packet: 'PUBREL', id: p.packetId, stage: 'pubcomp' });
    } else if (p.type === 'pubrec') {
      counts.pubrecs++;
      expect({ packet: 'PUBREC', id: p.packetId, held: e.stored.held.includes(p.packetId) }).toEqual({ packet: 'PUBREC', id: p.packetId, held: true });
    }
  }
  return counts;
}

describe('write-ahead: the store is never behind the wire', () => {
  it('QoS 1/2 PUBLISH, PUBREL and inbound PUBREC each leave after the append that covers them', async () => {
    const { timeline, store, wrap } = recorder();
    const broker = new TestBroker();
    const client = new MqttClient({ clientId: 'wa', protocolVersion: 5, clean: false, keepalive: 0, maxInflight: 3, store, transport: () => wrap(broker.transport()) });
    await firstValueFrom(client.connect());
    const inbound = firstValueFrom(client.messages$().pipe(take(4), toArray()));
    const publishes = [1, 2, 1, 2, 2, 1, 2, 1].map((qos, i) => firstValueFrom(client.publish(`t/${i}`, `m${i}`, { qos: qos as 1 | 2 })));
    for (let i = 0; i < 4; i++) broker.deliver('in', `i${i}`, { qos: 2 });
    await Promise.all(publishes);
    await inbound;
    await firstValueFrom(client.disconnect(), { defaultValue: undefined });
    const counts = checkCovered(timeline);
    expect(counts).toEqual({ publishes: 8, pubrels: 4, pubrecs: 4 });
  });

  it('resent flows after a restart (DUP PUBLISH, PUBREL) leave after the restored snapshot is stored', async () => {
    const { timeline, store, wrap } = recorder();
    // First life: the broker answers PUBREC but nothing else, so flows stay at both stages.
    const silent = new TestBroker({ autoAck: false });
    const first = new MqttClient({ clientId: 'wa2', protocolVersion: 5, clean: false, keepalive: 0, store, transport: () => wrap(silent.transport()) });
    await firstValueFrom(first.connect());
    for (let i = 0; i < 4; i++) first.publish(`t/${i}`, `m${i}`, { qos: i % 2 === 0 ? 1 : 2 }).subscribe({ error: () => undefined });
    await new Promise((r) => setTimeout(r, 20));
    silent.send({ type: 'pubrec', packetId: 2, reasonCode: 0 });
    await new Promise((r) => setTimeout(r, 20));
    silent.close();
    // Second life, same store: the broker has the session.
    const broker = new TestBroker({ connack: { sessionPresent: true } });
    const second = new MqttClient({ clientId: 'wa2', protocolVersion: 5, clean: false, keepalive: 0, store, transport: () => wrap(broker.transport()) });
    await firstValueFrom(second.connect());
    await new Promise((r) => setTimeout(r, 50));
    await firstValueFrom(second.disconnect(), { defaultValue: undefined });
    const resent = broker.received.filter((p) => p.type === 'publish' || p.type === 'pubrel');
    expect(resent.map((p) => (p.type === 'publish' ? `PUBLISH ${p.packetId} dup=${p.dup}` : `PUBREL ${p.packetId}`))).toEqual([
      'PUBLISH 1 dup=true',
      'PUBREL 2',
      'PUBLISH 3 dup=true',
      'PUBLISH 4 dup=true',
      'PUBREL 4', // the broker's PUBREC for the resent 4
    ]);
    checkCovered(timeline);
    expect(store.load('wa2')?.flows).toEqual([]);
  });
});
