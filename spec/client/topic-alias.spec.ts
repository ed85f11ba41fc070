/**
 * Outbound topic aliases against mosquitto (MQTT 5, `max_topic_alias 3`): a publisher with
 * `topicAliases: true` behind a relay that decodes what it sends, a subscriber without
 * aliases straight on the broker. Every message must arrive on its own topic, and the wire
 * must show alias-only PUBLISHes (so the spec fails if aliases are silently off).
 */

import { firstValueFrom, from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import type { PublishPacket } from '../../src/codec';
import { MqttClient, type MqttMessage } from '../../src';
import { TestBroker } from '../../src/testing';
import { startRelay, type Relay, type RelayedPublish } from '../support/relay';
import { closeClients, connected, delay, makeClient, nextValues, startBroker, stateOf, type Broker } from './helpers';

const BROKER_MAXIMUM = 3;
const TOPICS = ['alias/kitchen/temperature', 'alias/kitchen/humidity', 'alias/hall/temperature', 'alias/hall/humidity', 'alias/garden/rain', 'alias/garage/door'];

/** Resolves each PUBLISH per connection as the broker must; throws on an alias the connection never set. */
function resolveOnWire(published: RelayedPublish[]): Array<{ topic: string; packet: PublishPacket; connection: number }> {
  const tables = new Map<number, Map<number, string>>();
  return published.map(({ connection, packet }) => {
    let table = tables.get(connection);
    if (table === undefined) tables.set(connection, (table = new Map()));
    const alias = packet.properties?.topicAlias;
    if (alias === undefined) return { topic: packet.topic, packet, connection };
    if (alias < 1 || alias > BROKER_MAXIMUM) throw new Error(`alias ${alias} outside 1..${BROKER_MAXIMUM}`);
    if (packet.topic !== '') table.set(alias, packet.topic);
    const topic = table.get(alias);
    if (topic === undefined) throw new Error(`alias ${alias} used on connection ${connection} before it was set there`);
    return { topic, packet, connection };
  });
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Waits until `check()` holds, or fails naming `what`. */
async function until(check: () => boolean, what: () => string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
    await delay(10);
  }
}

/** `promise`, or a failure naming `what` after `ms` (a broker that closed the connection leaves publishes waiting). */
function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Messages on `alias/#` until every payload in `expected` has arrived (duplicates of QoS 1 allowed). */
function collect(subscriber: MqttClient): { byPayload: Map<string, string[]>; stop(): void } {
  const byPayload = new Map<string, string[]>();
  const sub = subscriber.messages$('alias/#', { qos: 2 }).subscribe((m: MqttMessage) => {
    byPayload.set(m.text(), [...(byPayload.get(m.text()) ?? []), m.topic]);
  });
  return { byPayload, stop: () => sub.unsubscribe() };
}

describe('publish(): a hand-set topicAlias', () => {
  it('is refused with invalid-argument before anything is sent, option on or off', async () => {
    for (const topicAliases of [true, false]) {
      const client = new MqttClient({ protocolVersion: 5, topicAliases, transport: new TestBroker().transport });
      const refused = client.publish('a/b/c', 'x', { properties: { topicAlias: 1 } });
      await expect(firstValueFrom(refused)).rejects.toMatchObject({ code: 'invalid-argument', rule: 'MQTT-3.3.2-7' });
      await expect(firstValueFrom(client.request('a/b/c', 'x', { properties: { topicAlias: 1 } }))).rejects.toMatchObject({ code: 'invalid-argument' });
    }
  });
});

describe('outbound topic aliases against mosquitto (max_topic_alias 3)', () => {
  let broker: Broker;
  let relay: Relay;
  beforeAll(async () => {
    broker = await startBroker('mosquitto', { extraConfig: [`max_topic_alias ${BROKER_MAXIMUM}`] });
  });
  afterAll(() => broker?.close());
  beforeEach(async () => {
    relay = await startRelay(broker.port, { protocolVersion: 5 });
  });
  afterEach(async () => {
    await closeClients();
    await relay.close();
  });

  it('publishes to more topics than aliases, mixed QoS: every message on its topic, alias-only PUBLISHes on the wire', async () => {
    const subscriber = makeClient(broker.port, 5);
    const publisher = makeClient(relay.port, 5, { topicAliases: true });
    const [, connack] = await Promise.all([connected(subscriber), connected(publisher)]);
    expect(connack.properties?.topicAliasMaximum).toBe(BROKER_MAXIMUM);
    const inbox = collect(subscriber);
    await delay(200); // the SUBSCRIBE is through

    // A mixed order: two hot topics between the others, so aliases are both reused and replaced.
    const plan = Array.from({ length: 90 }, (_, i) => {
      const topic = i % 3 === 0 ? TOPICS[0] : i % 3 === 1 ? TOPICS[1 + ((i * 7) % 5)] : TOPICS[i % 2 === 0 ? 2 : 0];
      return { payload: `m${i}`, topic, qos: (i % 3) as 0 | 1 | 2 };
    });
    const acks = await within(lastValueFrom(from(plan).pipe(mergeMap((m) => publisher.publish(m.topic, m.payload, { qos: m.qos }), 4), toArray())), 'every publish to complete');
    expect(acks).toHaveLength(plan.length);
    await until(() => inbox.byPayload.size === plan.length, () => `${plan.length} messages, got ${inbox.byPayload.size}`);
    inbox.stop();
    for (const m of plan) expect([m.payload, inbox.byPayload.get(m.payload)]).toEqual([m.payload, [m.topic]]);

    // The wire: what the client sent resolves, per connection, to each message's own topic.
    const wire = resolveOnWire(relay.published);
    expect(wire.map((w) => [text(w.packet.payload), w.topic])).toEqual(plan.map((m) => [m.payload, m.topic]));
    const aliasOnly = wire.filter((w) => w.packet.topic === '');
    const remaps = wire.filter((w, i) => w.packet.topic !== '' && w.packet.properties?.topicAlias !== undefined && wire.slice(0, i).some((v) => v.packet.properties?.topicAlias === w.packet.properties?.topicAlias && v.topic !== w.topic));
    expect(aliasOnly.length).toBeGreaterThan(plan.length / 2);
    expect(remaps.length).toBeGreaterThan(0);
    expect(new Set(wire.map((w) => w.packet.properties?.topicAlias))).toEqual(new Set([1, 2, 3]));
    expect(broker.mosquitto!.logs()).not.toMatch(/Topic Alias|protocol error/i);
  });

  it('a forced drop with QoS 1 in flight: resent with the full topic on the new connection, delivered on the right topic', async () => {
    const subscriber = makeClient(broker.port, 5);
    const publisher = makeClient(relay.port, 5, {
      topicAliases: true,
      clean: false,
      properties: { sessionExpiryInterval: 300 },
      reconnect: { minDelay: 50, maxDelay: 200 },
    });
    await Promise.all([connected(subscriber), connected(publisher)]);
    const inbox = collect(subscriber);
    await delay(200);

    // Connection 1: map both topics, then send alias-only PUBLISHes the broker never gets.
    await firstValueFrom(publisher.publish(TOPICS[0], 'set-0', { qos: 1 }));
    await firstValueFrom(publisher.publish(TOPICS[1], 'set-1', { qos: 1 }));
    relay.holdClientBytes();
    const inFlight = ['held-0', 'held-1', 'held-2'].map((payload, i) => lastValueFrom(publisher.publish(TOPICS[i % 2], payload, { qos: 1 })));
    await until(() => relay.published.filter((p) => !p.forwarded).length === 3, () => 'the three held PUBLISHes at the relay');

    relay.cut();
    await stateOf(publisher, 'reconnecting');
    // Queued while offline: gets its alias on the connection it goes out on.
    const queued = [lastValueFrom(publisher.publish(TOPICS[1], 'queued-0', { qos: 1 })), lastValueFrom(publisher.publish(TOPICS[1], 'queued-1', { qos: 0 }))];
    const acks = await within(Promise.all([...inFlight, ...queued]), 'the resent and queued publishes to complete');
    expect(acks.map((a) => a.qos)).toEqual([1, 1, 1, 1, 0]);

    const expected = new Map([
      ['set-0', TOPICS[0]],
      ['set-1', TOPICS[1]],
      ['held-0', TOPICS[0]],
      ['held-1', TOPICS[1]],
      ['held-2', TOPICS[0]],
      ['queued-0', TOPICS[1]],
      ['queued-1', TOPICS[1]],
    ]);
    await until(() => expected.size === inbox.byPayload.size, () => `${expected.size} messages, got ${[...inbox.byPayload.keys()].join(', ')}`);
    inbox.stop();
    for (const [payload, topic] of expected) expect([payload, new Set(inbox.byPayload.get(payload))]).toEqual([payload, new Set([topic])]);

    const wire = resolveOnWire(relay.published);
    const on = (connection: number) => wire.filter((w) => w.connection === connection);
    // Connection 1: the held ones went out alias-only (and never reached the broker).
    expect(on(1).filter((w) => text(w.packet.payload).startsWith('held')).map((w) => [w.packet.topic, w.packet.dup])).toEqual([
      ['', false],
      ['', false],
      ['', false],
    ]);
    // Connection 2: the resends carry DUP and their full topic; the queued ones lean on the aliases set there.
    const second = on(relay.connections());
    const resent = second.filter((w) => w.packet.dup);
    expect(resent.map((w) => [text(w.packet.payload), w.packet.topic])).toEqual([
      ['held-0', TOPICS[0]],
      ['held-1', TOPICS[1]],
      ['held-2', TOPICS[0]],
    ]);
    expect(second.filter((w) => text(w.packet.payload).startsWith('queued')).map((w) => w.packet.topic)).toEqual(['', '']);
  });
});
