/**
 * The floor: a worker with no MQTT library on its hot path (raw-connection.ts), so the
 * tables show what any Node client on this machine cannot go below — the socket, the
 * event loop and the kernel. It plays the receiving roles and the latency pair only:
 * `subscribe`, `ping`, `echo`, with the same measuring code and result fields as the
 * rxmqtt and MQTT.js workers. No warm-up: there is no library for the JIT to compile.
 */
import { Arrivals, command, heapAfterGc, maxRssKb, Meter, runWorker, send } from './harness';
import { percentile, type EchoJob, type Job, type PingJob, type SubscribeJob } from './protocol';
import { PublishBytes, RawConnection } from './raw-connection';

runWorker(async (job: Job) => {
  // The floor has nothing to compare for publishing or routing: scenarios.ts never asks.
  if (job.role === 'publish' || job.role === 'fanin') throw new Error(`the raw socket worker has no ${job.role} role`);
  const conn = await RawConnection.open(job.host, job.port, job.clientId);
  switch (job.role) {
    case 'subscribe': await subscribe(conn, job); break;
    case 'ping': await ping(conn, job); break;
    case 'echo': await echo(conn, job); break;
  }
  await conn.close();
});

async function subscribe(conn: RawConnection, job: SubscribeJob): Promise<void> {
  const arrivals = new Arrivals(job.expected);
  conn.onPublish = () => arrivals.hit();
  await conn.subscribe(job.filter, job.qos);
  // The same steps as the other Node workers' reportArrivals.
  const heapStart = heapAfterGc();
  send({ type: 'ready' });
  await command('go');
  const meter = new Meter();
  meter.start();
  await conn.until(arrivals.settled);
  const window = meter.stop();
  const heapEnd = heapAfterGc();
  conn.onPublish = () => {};
  send({ type: 'result', count: arrivals.count, ...arrivals.times(), ...window, maxRssKb: maxRssKb(), heapStart, heapEnd });
}

/** Timed as worker-rxmqtt.ts's ping: send, and on the echo take the sample and send again. */
async function ping(conn: RawConnection, job: PingJob): Promise<void> {
  const out = new PublishBytes(job.out, job.size, job.qos);
  const total = job.warmup + job.count;
  const samples: number[] = [];
  let sentAt = 0n;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const fire = (): void => {
    sentAt = process.hrtime.bigint();
    conn.publish(out);
  };
  conn.onPublish = () => {
    const rtt = Number(process.hrtime.bigint() - sentAt) / 1000;
    if (samples.length < total) samples.push(rtt);
    if (samples.length < total) fire();
    else done();
  };
  await conn.subscribe(job.in, job.qos);
  send({ type: 'ready' });
  await command('go');
  const meter = new Meter();
  meter.start();
  fire();
  await conn.until(finished);
  const window = meter.stop();
  conn.onPublish = () => {};
  const sorted = samples.slice(job.warmup).sort((a, b) => a - b);
  send({
    type: 'result', count: sorted.length, ...window, maxRssKb: maxRssKb(),
    latencyUs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] },
  });
}

/** Answers every message on `in` with a pre-encoded PUBLISH of the same payload size on `out`. */
async function echo(conn: RawConnection, job: EchoJob): Promise<void> {
  let n = 0;
  // Encoded on the first message (the job does not carry the size), again only if the size changes.
  let out: PublishBytes | undefined;
  conn.onPublish = (size) => {
    n++;
    if (out?.size !== size) out = new PublishBytes(job.out, size, job.qos);
    conn.publish(out);
  };
  await conn.subscribe(job.in, job.qos);
  send({ type: 'ready' });
  await command('go');
  const meter = new Meter();
  meter.start();
  await conn.until(command('done'));
  const window = meter.stop();
  conn.onPublish = () => {};
  send({ type: 'result', count: n, ...window, maxRssKb: maxRssKb() });
}
