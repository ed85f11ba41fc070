/**
 * The client against real brokers: aedes in-process and mosquitto as a child process,
 * MQTT 3.1.1 and 5.0. Publish and receive at every QoS, retained messages, overlapping
 * filters, `$`-topics, unsubscribe, and refusals of bad input before anything is sent.
 */

import { count, filter, firstValueFrom, lastValueFrom, map, mergeMap, range, take, toArray, type Observable } from 'rxjs';
import { MqttError } from '../../src';
import { brokerKinds, brokerVersions, closeClients, connected, delay, makeClient, nextValues, startBroker, text, type Broker } from './helpers';

describe.each(brokerKinds)('client against %s', (kind) => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker(kind);
  });
  afterAll(() => broker.close());
  afterEach(() => closeClients());

  describe.each(brokerVersions[kind])('MQTT protocol level %i', (version) => {
    it('connects, reports its state, and disconnects', async () => {
      const client = makeClient(broker.port, version);
      const states: string[] = [];
      client.connectionState$.subscribe((s) => states.push(s.type));
      const connack = await connected(client);
      expect(connack.reasonCode).toBe(0);
      expect(connack.sessionPresent).toBe(false);
      await lastValueFrom(client.disconnect(), { defaultValue: undefined });
      expect(states).toEqual(['idle', 'connecting', 'connected', 'closed']);
    });

    it.each([0, 1, 2] as const)('publishes and receives at QoS %i', async (qos) => {
      const sub = makeClient(broker.port, version);
      const pub = makeClient(broker.port, version);
      await connected(sub);
      await connected(pub);
      const received = nextValues(sub.messages$(`q/${qos}/+`, { qos: 2 }), 3, 'messages');
      await delay(100); // let SUBSCRIBE reach the broker before publishing
      const acks = await lastValueFrom(
        pub.publish(`q/${qos}/a`, 'one', { qos }).pipe(toArray()),
      );
      expect(acks).toHaveLength(1);
      expect(acks[0].qos).toBe(qos);
      expect(acks[0].reasonCode).toBe(0);
      if (qos > 0) expect(acks[0].packetId).toBeGreaterThan(0);
      else expect(acks[0].packetId).toBeUndefined();
      await firstValueFrom(pub.publish(`q/${qos}/b`, new Uint8Array([0, 255, 7]), { qos }));
      await firstValueFrom(pub.publish(`q/${qos}/c`, 42, { qos }));
      const messages = await received;
      expect(messages.map((m) => m.topic)).toEqual([`q/${qos}/a`, `q/${qos}/b`, `q/${qos}/c`]);
      expect(text(messages[0].payload)).toBe('one');
      expect([...messages[1].payload]).toEqual([0, 255, 7]);
      expect(messages[2].text()).toBe('42');
      expect(messages.every((m) => m.qos === qos && !m.retain && !m.dup)).toBe(true);
    });

    it('delivers a retained message to a later subscriber, with RETAIN set', async () => {
      const pub = makeClient(broker.port, version);
      await connected(pub);
      const topic = `retained/${version}/${kind}`;
      await firstValueFrom(pub.publish(topic, 'kept', { qos: 1, retain: true }));
      const sub = makeClient(broker.port, version);
      await connected(sub);
      const [message] = await nextValues(sub.messages$(topic), 1, 'retained message');
      expect(message.retain).toBe(true);
      expect(message.text()).toBe('kept');
      await firstValueFrom(pub.publish(topic, '', { qos: 1, retain: true })); // clear it
    });

    it('gives each observer of overlapping filters the messages that match its filter', async () => {
      const sub = makeClient(broker.port, version);
      const pub = makeClient(broker.port, version);
      await Promise.all([connected(sub), connected(pub)]);
      const plus = nextValues(sub.messages$('o/+', { qos: 1 }), 2, "'o/+' messages");
      const hash = nextValues(sub.messages$('o/#', { qos: 1 }), 3, "'o/#' messages");
      const exact = nextValues(sub.messages$('o/a', { qos: 1 }), 1, "'o/a' messages");
      await delay(150);
      for (const topic of ['o/a', 'o/b', 'o/b/c']) await firstValueFrom(pub.publish(topic, topic, { qos: 1 }));
      expect(new Set((await plus).map((m) => m.topic))).toEqual(new Set(['o/a', 'o/b']));
      expect(new Set((await hash).map((m) => m.topic))).toEqual(new Set(['o/a', 'o/b', 'o/b/c']));
      expect((await exact).map((m) => m.topic)).toEqual(['o/a']);
    });

    it('does not match $-topics with a leading wildcard', async () => {
      const sub = makeClient(broker.port, version);
      const pub = makeClient(broker.port, version);
      await Promise.all([connected(sub), connected(pub)]);
      const everything: string[] = [];
      sub.messages$('#').subscribe((m) => everything.push(m.topic));
      const dollar = nextValues(sub.messages$('$app/#'), 1, '$app message');
      await delay(150);
      await firstValueFrom(pub.publish('$app/x', 'secret', { qos: 1 }));
      await firstValueFrom(pub.publish('plain/x', 'open', { qos: 1 }));
      expect((await dollar)[0].topic).toBe('$app/x');
      await delay(100);
      expect(everything.filter((t) => !t.startsWith('$SYS'))).not.toContain('$app/x');
    });

    it('sends UNSUBSCRIBE when the last observer leaves, and then receives nothing more', async () => {
      const sub = makeClient(broker.port, version);
      const pub = makeClient(broker.port, version);
      await Promise.all([connected(sub), connected(pub)]);
      const sent: string[] = [];
      sub.events$.subscribe((e) => e.type === 'packetSent' && sent.push(e.packetType));
      const all: string[] = [];
      sub.messages$().subscribe((m) => all.push(m.topic));
      const a = sub.messages$('u/t').subscribe();
      const b = sub.messages$('u/t').subscribe();
      await delay(150);
      expect(sent.filter((t) => t === 'subscribe')).toHaveLength(1);
      a.unsubscribe();
      expect(sent).not.toContain('unsubscribe');
      b.unsubscribe();
      expect(sent).toContain('unsubscribe');
      await delay(150);
      await firstValueFrom(pub.publish('u/t', 'after', { qos: 1 }));
      await delay(150);
      expect(all).not.toContain('u/t');
    });

    it('low-level subscribe and unsubscribe take every Paho form and report the codes', async () => {
      const client = makeClient(broker.port, version);
      await connected(client);
      const one = await firstValueFrom(client.subscribe('f/1'));
      expect(one.reasonCodes).toEqual([0]);
      const tuple = await firstValueFrom(client.subscribe(['f/2', 1]));
      expect(tuple.reasonCodes).toEqual([1]);
      const list = await firstValueFrom(client.subscribe([['f/3', 2], 'f/4', { topicFilter: 'f/5', qos: 1 }]));
      expect(list.reasonCodes).toEqual([2, 0, 1]);
      const unsub = await firstValueFrom(client.unsubscribe(['f/1', 'f/2']));
      expect(unsub.reasonCodes).toEqual(version === 5 ? [0, 0] : []);
    });

    it('a burst of 60,000 QoS 0 publishes through mergeMap fills the socket; every one completes and arrives, in order', async () => {
      // Regression: when the full socket drained, thousands of held publishes settled at
      // once and the publisher died of stack overflow or hung (see deep-chains.spec.ts).
      const sub = makeClient(broker.port, version);
      const pub = makeClient(broker.port, version);
      await connected(sub);
      await connected(pub);
      const n = 60_000;
      const topic = `burst/${version}/${kind}`;
      let blocked = 0;
      pub.events$.subscribe((e) => e.type === 'backpressure' && blocked++);
      const received = lastValueFrom(sub.messages$(topic, { qos: 0 }).pipe(take(n), map((m) => m.payload[0] * 256 + m.payload[1]), toArray()));
      await delay(100);
      const payload = (i: number): Uint8Array => { const p = new Uint8Array(64); p[0] = (i % 65536) >> 8; p[1] = i % 256; return p; };
      const sent = await lastValueFrom(range(0, n).pipe(mergeMap((i) => pub.publish(topic, payload(i)), 20), count()));
      expect(sent).toBe(n);
      expect(blocked).toBeGreaterThan(0); // the socket did fill, so the drain path ran
      const order = await received;
      expect(order).toHaveLength(n);
      expect(order.every((v, i) => v === i % 65536)).toBe(true);
    }, 60_000);

    it('5,000 messages$ filters opened at once: at most 64 SUBSCRIBEs in flight, queued ones sharing packets, all acknowledged, each routed', async () => {
      const client = makeClient(broker.port, version);
      const pub = makeClient(broker.port, version);
      await connected(client);
      await connected(pub);
      const n = 5000;
      let outstanding = 0;
      let most = 0;
      let sent = 0;
      client.events$.subscribe((e) => {
        if (e.type === 'packetSent' && e.packetType === 'subscribe') {
          sent++;
          most = Math.max(most, ++outstanding);
        }
        if (e.type === 'packetReceived' && e.packetType === 'suback') outstanding--;
      });
      const prefix = `many/${version}/${kind}`;
      const firsts = Array.from({ length: n }, (_, i) => firstValueFrom(client.messages$(`${prefix}/${i}/+`)));
      for (let waited = 0; !(sent > 0 && outstanding === 0); waited += 20) {
        if (waited > 30_000) throw new Error(`SUBACKs missing: ${outstanding} of ${sent} SUBSCRIBEs unanswered`);
        await delay(20);
      }
      expect(most).toBe(64);
      // MQTT 5 (mosquitto has Subscription Identifiers): each route's SUBSCRIBE carries its
      // own id, so each goes alone. Otherwise those queued behind the window share packets.
      if (version === 5) expect(sent).toBe(n);
      else expect(sent).toBeLessThan(n / 10);
      for (const i of [0, 1, 63, 64, 65, n / 2, n - 1]) await firstValueFrom(pub.publish(`${prefix}/${i}/x`, `m${i}`, { qos: 1 }));
      for (const i of [0, 1, 63, 64, 65, n / 2, n - 1]) expect((await firsts[i]).text()).toBe(`m${i}`);
    }, 60_000);

    it('refuses bad input with a typed error and sends nothing', async () => {
      const client = makeClient(broker.port, version);
      await connected(client);
      const sent: string[] = [];
      client.events$.subscribe((e) => e.type === 'packetSent' && sent.push(e.packetType));
      const refusals: Observable<unknown>[] = [
        client.publish('a/+', 'x'),
        client.publish('', 'x'),
        client.publish('a\u0000b', 'x'),
        client.publish('a', 'x', { qos: 3 as never }),
        client.publish('a', '\ud800'),
        client.subscribe('a/#/b'),
        client.subscribe([]),
        client.messages$('+a'),
        client.unsubscribe('a/b#'),
      ];
      for (const refused of refusals) {
        await expect(firstValueFrom(refused)).rejects.toMatchObject({ code: 'invalid-argument' });
      }
      if (version !== 5) {
        await expect(firstValueFrom(client.publish('a', 'x', { properties: { contentType: 'x' } }))).rejects.toBeInstanceOf(MqttError);
      }
      expect(sent).toEqual([]);
    });
  });
});
