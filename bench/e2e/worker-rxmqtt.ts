/**
 * rxmqtt worker: each role written the way an Rx user would — `mergeMap` over
 * `publish()` for a full window, one `messages$` per filter. The parent bundles this
 * file (with our sources and rxjs) so it runs on plain `node`, like the MQTT.js worker.
 */
import { concatMap, filter, firstValueFrom, lastValueFrom, mergeMap, range, take, count as countOf, type Observable, type Subscription } from 'rxjs';
import { MqttClient } from '../../src';
import { performance } from 'node:perf_hooks';
import { Arrivals, command, fanTopic, heapAfterGc, maxRssKb, Meter, runWorker, send, PingPong } from './harness';
import { type FanInInfo, makePayload, type EchoJob, type FanInJob, type Job, type PingJob, type PublishJob, type SubscribeJob } from './protocol';

runWorker(async (job: Job) => {
  const client = new MqttClient({
    host: job.host, port: job.port, clientId: job.clientId, protocolVersion: 4,
    maxInflight: job.role === 'publish' ? job.window : 20,
  });
  await firstValueFrom(client.connect());
  switch (job.role) {
    case 'publish': await publish(client, job); break;
    case 'subscribe': await subscribe(client, job); break;
    case 'fanin': await fanIn(client, job); break;
    case 'ping': await ping(client, job); break;
    case 'echo': await echo(client, job); break;
  }
  await lastValueFrom(client.disconnect(), { defaultValue: undefined });
});

/**
 * Resolves once every SUBSCRIBE sent has its SUBACK and none follows; call before the
 * SUBSCRIBEs go out. Not a count of filters: SUBSCRIBEs queued behind the window of 64
 * share packets (session/subscribe.ts). The check runs after the engine's run that
 * handled a SUBACK, so the SUBSCRIBE that ack made room for is already counted.
 */
function subAcks(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    let sent = 0;
    let acked = 0;
    const watch = client.events$.subscribe((e) => {
      if (e.type === 'packetSent' && e.packetType === 'subscribe') sent++;
      if (e.type !== 'packetReceived' || e.packetType !== 'suback') return;
      acked++;
      setImmediate(() => {
        if (acked !== sent) return;
        watch.unsubscribe();
        resolve();
      });
    });
  });
}

/**
 * `mergeMap(publish, window)` over the indices, fed in batches of 1,000. A plain
 * `range(0, n).pipe(mergeMap(…, window))` emits all n indices at once and mergeMap
 * buffers them; its `buffer.shift()` on an array of 100k entries is O(n) in V8 (the
 * array lives in large-object space and cannot be left-trimmed), which profiled at
 * half the publisher's CPU — a cost of that driving pattern in RxJS, not of the client.
 * Batching keeps the window full exactly the same way.
 */
function paced<T>(count: number, publishOne: (i: number) => Observable<T>, window: number): Observable<T> {
  const batch = 1000;
  return range(0, Math.ceil(count / batch)).pipe(
    concatMap((b) => range(b * batch, Math.min(batch, count - b * batch)).pipe(mergeMap(publishOne, window))),
  );
}

async function publish(client: MqttClient, job: PublishJob): Promise<void> {
  const payload = makePayload(job.size);
  const { topic, spread, qos } = job;
  const topicOf = spread ? (i: number) => `${topic}/${i % spread}/x` : () => topic;
  // Warm-up (both Node libraries do the same): let the JIT compile the publish path on a
  // topic nobody subscribes to, so short runs measure steady state, not compilation.
  await lastValueFrom(paced(Math.min(WARMUP, job.count), () => client.publish('warmup/rxmqtt', payload, { qos }), job.window), { defaultValue: undefined });
  const heapStart = heapAfterGc();
  const heapRounds: number[] = [];
  send({ type: 'ready' });
  await command('go');
  const meter = new Meter();
  meter.start();
  let sent = 0;
  for (let round = 0; round < (job.rounds ?? 1); round++) {
    sent += await lastValueFrom(paced(job.count, (i) => client.publish(topicOf(i), payload, { qos }), job.window).pipe(countOf()));
    if (job.rounds !== undefined) heapRounds.push(heapAfterGc());
  }
  const window = meter.stop();
  send({ type: 'result', count: sent, ...window, maxRssKb: maxRssKb(), heapStart, heapEnd: heapAfterGc(), ...(job.rounds ? { heapRounds } : {}) });
}

/** Publishes (and, for a subscriber, round trips) before measuring: V8 needs ~10k to optimise either library's hot path. */
const WARMUP = 10_000;

/**
 * Warm-up for a subscriber (the same in both Node workers): WARMUP messages through the
 * broker to itself on a topic of its own, so the receive path is optimised before the
 * measured window, as the publisher's is.
 */
async function warmReceive(client: MqttClient, job: SubscribeJob): Promise<void> {
  const topic = `warmup/sub/${job.clientId}`;
  const payload = makePayload(64);
  const n = Math.min(WARMUP, job.expected); // --quick stays quick
  const all = lastValueFrom(client.messages$(topic, { qos: job.qos }).pipe(take(n), countOf()));
  await lastValueFrom(paced(n, () => client.publish(topic, payload, { qos: job.qos }), 20));
  await all;
}

async function subscribe(client: MqttClient, job: SubscribeJob): Promise<void> {
  await warmReceive(client, job);
  const arrivals = new Arrivals(job.expected);
  const acked = subAcks(client);
  const subscription = client.messages$(job.filter, { qos: job.qos }).subscribe(() => arrivals.hit());
  await acked;
  await reportArrivals(arrivals, subscription);
}

async function fanIn(client: MqttClient, job: FanInJob): Promise<void> {
  const arrivals = new Arrivals(job.expected);
  let misrouted = 0;
  const acked = subAcks(client);
  const subscriptions: Subscription[] = [];
  const t0 = performance.now();
  for (let i = 0; i < job.filters; i++) {
    const mine = fanTopic(job.prefix, i);
    subscriptions.push(client.messages$(`${job.prefix}/${i}/+`).subscribe((m) => {
      if (m.topic !== mine) misrouted++;
      arrivals.hit();
    }));
  }
  await acked;
  const subscribeMs = performance.now() - t0;
  await reportArrivals(arrivals, { unsubscribe: () => subscriptions.forEach((s) => s.unsubscribe()) }, { misrouted: () => misrouted, subscribeMs });
}

async function reportArrivals(arrivals: Arrivals, subscription: { unsubscribe(): void }, fan?: FanInInfo): Promise<void> {
  const heapStart = heapAfterGc();
  send({ type: 'ready' });
  await command('go');
  const meter = new Meter();
  meter.start();
  await arrivals.settled;
  const window = meter.stop();
  const heapEnd = heapAfterGc();
  subscription.unsubscribe();
  send({
    type: 'result', count: arrivals.count, ...arrivals.times(), ...window, maxRssKb: maxRssKb(), heapStart, heapEnd,
    ...(fan ? { misrouted: fan.misrouted(), subscribeMs: fan.subscribeMs } : {}),
  });
}

async function ping(client: MqttClient, job: PingJob): Promise<void> {
  const payload = makePayload(job.size);
  const pingPong = new PingPong(job, () => {
    client.publish(job.out, payload, { qos: job.qos }).subscribe({ error: (e: unknown) => console.error(e) });
  });
  const acked = subAcks(client);
  const subscription = client.messages$(job.in, { qos: job.qos }).subscribe(() => pingPong.echoed());
  await acked;
  send({ type: 'ready' });
  await pingPong.run();
  subscription.unsubscribe();
}
async function echo(client: MqttClient, job: EchoJob): Promise<void> {
  let n = 0;
  const acked = subAcks(client);
  const subscription = client.messages$(job.in, { qos: job.qos }).subscribe((m) => {
    n++;
    client.publish(job.out, m.payload, { qos: job.qos }).subscribe({ error: (e: unknown) => console.error(e) });
  });
  await acked;
  send({ type: 'ready' });
  await command('go');
  const meter = new Meter();
  meter.start();
  await command('done');
  const window = meter.stop();
  subscription.unsubscribe();
  send({ type: 'result', count: n, ...window, maxRssKb: maxRssKb() });
}
