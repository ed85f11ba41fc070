/**
 * MQTT.js worker: each role written the way MQTT.js users do — callbacks keeping a
 * window of publishes in flight, one 'message' listener that routes to handlers.
 *
 * Fan-in routing (MQTT.js has no per-filter delivery and exports no topic matcher):
 * - `loop`: a loop over all handlers calling `matches(filter, topic)`, a plain split-based
 *   matcher as in the `mqtt-match` package that MQTT.js users commonly pair with it;
 * - `map`: a Map from filter to handler, keyed by rewriting the topic's last level to
 *   `+`. It only works because every filter here has that one shape — an upper bound
 *   for a hand-tuned router, not a general one.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { performance } from 'node:perf_hooks';
import { Arrivals, command, fanTopic, heapAfterGc, maxRssKb, Meter, runWorker, send, PingPong } from './harness';
import { type FanInInfo, makePayload, type EchoJob, type FanInJob, type Job, type PingJob, type PublishJob, type QoS, type SubscribeJob } from './protocol';

runWorker(async (job: Job) => {
  const client = mqtt.connect({
    host: job.host, port: job.port, clientId: job.clientId, protocolVersion: 4, reconnectPeriod: 0, clean: true,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  switch (job.role) {
    case 'publish': await publish(client, job); break;
    case 'subscribe': await subscribe(client, job); break;
    case 'fanin': await fanIn(client, job); break;
    case 'ping': await ping(client, job); break;
    case 'echo': await echo(client, job); break;
  }
  await client.endAsync();
});

function subscribeAsync(client: MqttClient, filters: string | string[], qos: QoS): Promise<void> {
  return new Promise((resolve, reject) => client.subscribe(filters, { qos }, (err) => (err ? reject(err) : resolve())));
}

async function publish(client: MqttClient, job: PublishJob): Promise<void> {
  const payload = makePayload(job.size);
  const { topic, spread, qos, count, window } = job;
  const topicOf = spread ? (i: number) => `${topic}/${i % spread}/x` : () => topic;
  // Warm-up (both Node libraries do the same): let the JIT compile the publish path on a
  // topic nobody subscribes to, so short runs measure steady state, not compilation.
  await pumpAll(client, Math.min(WARMUP, count), () => WARMUP_TOPIC, payload, qos, window);
  const heapStart = heapAfterGc();
  const heapRounds: number[] = [];
  send({ type: 'ready' });
  await command('go');
  const meter = new Meter();
  meter.start();
  for (let round = 0; round < (job.rounds ?? 1); round++) {
    await pumpAll(client, count, topicOf, payload, qos, window);
    if (job.rounds !== undefined) heapRounds.push(heapAfterGc());
  }
  const measured = meter.stop();
  send({
    type: 'result', count: count * (job.rounds ?? 1), ...measured, maxRssKb: maxRssKb(), heapStart, heapEnd: heapAfterGc(),
    ...(job.rounds ? { heapRounds } : {}),
  });
}

/** Publishes (and, for a subscriber, round trips) before measuring: V8 needs ~10k to optimise either library's hot path. */
export const WARMUP = 10_000;
const WARMUP_TOPIC = 'warmup/mqttjs';

/** Keeps `window` publishes in flight until `count` are acknowledged (QoS 0: written). */
function pumpAll(client: MqttClient, count: number, topicOf: (i: number) => string, payload: Buffer | Uint8Array, qos: 0 | 1 | 2, window: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let sent = 0;
    let acked = 0;
    let pumping = false;
    // The callback may run synchronously inside publish() (QoS 0 when the socket takes
    // the write): a loop instead of recursion keeps the stack flat.
    const pump = (): void => {
      if (pumping) return;
      pumping = true;
      while (sent < count && sent - acked < window) client.publish(topicOf(sent++), payload as Buffer, { qos }, onAck);
      pumping = false;
    };
    const onAck = (err?: Error): void => {
      if (err) return reject(err);
      if (++acked === count) resolve();
      else pump();
    };
    pump();
  });
}

async function subscribe(client: MqttClient, job: SubscribeJob): Promise<void> {
  await warmReceive(client, job);
  const arrivals = new Arrivals(job.expected);
  client.on('message', () => arrivals.hit());
  await subscribeAsync(client, job.filter, job.qos);
  await reportArrivals(client, arrivals);
}

/**
 * Warm-up for a subscriber (the same in both Node workers): WARMUP messages through the
 * broker to itself on a topic of its own, so the receive path is optimised before the
 * measured window, as the publisher's is.
 */
async function warmReceive(client: MqttClient, job: SubscribeJob): Promise<void> {
  const topic = `warmup/sub/${job.clientId}`;
  const payload = makePayload(64);
  const n = Math.min(WARMUP, job.expected); // --quick stays quick
  let got = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const onMessage = (t: string): void => {
    if (t === topic && ++got === n) done();
  };
  client.on('message', onMessage);
  await subscribeAsync(client, topic, job.qos);
  await pumpAll(client, n, () => topic, payload, job.qos, 20);
  await all;
  client.off('message', onMessage);
  await new Promise<void>((resolve, reject) => client.unsubscribe(topic, (err?: Error) => (err ? reject(err) : resolve())));
}

/** A straightforward MQTT filter match by splitting both strings, as `mqtt-match` does. */
export function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

async function fanIn(client: MqttClient, job: FanInJob): Promise<void> {
  const arrivals = new Arrivals(job.expected);
  let misrouted = 0;
  const handlers: { filter: string; handle: (topic: string, payload: Buffer) => void }[] = [];
  for (let i = 0; i < job.filters; i++) {
    const mine = fanTopic(job.prefix, i);
    handlers.push({ filter: `${job.prefix}/${i}/+`, handle: (topic) => {
      if (topic !== mine) misrouted++;
      arrivals.hit();
    } });
  }
  if (job.matcher === 'map') {
    const byFilter = new Map(handlers.map((h) => [h.filter, h.handle]));
    client.on('message', (topic, payload) => byFilter.get(`${topic.slice(0, topic.lastIndexOf('/'))}/+`)?.(topic, payload));
  } else {
    client.on('message', (topic, payload) => {
      for (const h of handlers) if (matches(h.filter, topic)) h.handle(topic, payload);
    });
  }
  // Batched SUBSCRIBEs, 1,000 filters each, as MQTT.js users would send 10,000.
  const t0 = performance.now();
  const batches: Promise<void>[] = [];
  for (let i = 0; i < handlers.length; i += 1000) batches.push(subscribeAsync(client, handlers.slice(i, i + 1000).map((h) => h.filter), 0));
  await Promise.all(batches);
  const subscribeMs = performance.now() - t0;
  await reportArrivals(client, arrivals, { misrouted: () => misrouted, subscribeMs });
}

async function reportArrivals(client: MqttClient, arrivals: Arrivals, fan?: FanInInfo): Promise<void> {
  const heapStart = heapAfterGc();
  send({ type: 'ready' });
  await command('go');
  const meter = new Meter();
  meter.start();
  await arrivals.settled;
  const window = meter.stop();
  const heapEnd = heapAfterGc();
  client.removeAllListeners('message');
  send({
    type: 'result', count: arrivals.count, ...arrivals.times(), ...window, maxRssKb: maxRssKb(), heapStart, heapEnd,
    ...(fan ? { misrouted: fan.misrouted(), subscribeMs: fan.subscribeMs } : {}),
  });
}

async function ping(client: MqttClient, job: PingJob): Promise<void> {
  const payload = makePayload(job.size);
  const pingPong = new PingPong(job, () => client.publish(job.out, payload, { qos: job.qos }));
  client.on('message', () => pingPong.echoed());
  await subscribeAsync(client, job.in, job.qos);
  send({ type: 'ready' });
  await pingPong.run();
}
async function echo(client: MqttClient, job: EchoJob): Promise<void> {
  let n = 0;
  client.on('message', (_topic, payload) => {
    n++;
    client.publish(job.out, payload, { qos: job.qos });
  });
  await subscribeAsync(client, job.in, job.qos);
  send({ type: 'ready' });
  await command('go');
  const meter = new Meter();
  meter.start();
  await command('done');
  const window = meter.stop();
  client.removeAllListeners('message');
  send({ type: 'result', count: n, ...window, maxRssKb: maxRssKb() });
}
