/**
 * The floor: a worker with no MQTT library on its hot path (raw-connection.ts), so the
 * tables show what any Node client on this machine cannot go below — the socket, the
 * event loop and the kernel. It plays `publish` (throughput only), `subscribe`, `ping`
 * and `echo`, with the same measuring code and result fields as the rxmqtt and MQTT.js
 * workers. The publisher warms up as theirs do (see `publish`); the receiving roles do
 * not: their path is the read callback and a counter, with no library to compile.
 */
import { Arrivals, command, heapAfterGc, maxRssKb, Meter, runWorker, send, PingPong } from './harness';
import { type EchoJob, type Job, type PingJob, type PublishJob, type SubscribeJob } from './protocol';
import { PublishBytes, RawConnection } from './raw-connection';
import { publishAll } from './raw-publish';

/** Warm-up publishes, as many as the rxmqtt and MQTT.js publishers send. */
const WARMUP = 10_000;

runWorker(async (job: Job) => {
  // No routing to compare: scenarios.ts never asks the floor for fan-in.
  if (job.role === 'fanin') throw new Error('the raw socket worker has no fanin role');
  // Only the throughput scenario uses the floor's publisher: one topic, one round.
  if (job.role === 'publish' && (job.spread !== undefined || job.rounds !== undefined)) {
    throw new Error('the raw socket publisher takes neither `spread` (fan-in) nor `rounds` (memory)');
  }
  const conn = await RawConnection.open(job.host, job.port, job.clientId);
  switch (job.role) {
    case 'publish': await publish(conn, job); break;
    case 'subscribe': await subscribe(conn, job); break;
    case 'ping': await ping(conn, job); break;
    case 'echo': await echo(conn, job); break;
  }
  await conn.close();
});

/**
 * Measured as the other Node publishers: go → last ack (QoS 0: last write accepted).
 * It warms up as they do, on a topic nobody subscribes to: our loop is small, but Node's
 * socket write path is JavaScript too, and the floor should not pay a JIT start-up inside
 * its measured window that the libraries were spared.
 */
async function publish(conn: RawConnection, job: PublishJob): Promise<void> {
  await publishAll(conn, new PublishBytes('warmup/raw', job.size, job.qos), Math.min(WARMUP, job.count), job.window);
  const bytes = new PublishBytes(job.topic, job.size, job.qos);
  const heapStart = heapAfterGc();
  send({ type: 'ready' });
  await command('go');
  const meter = new Meter();
  meter.start();
  await publishAll(conn, bytes, job.count, job.window);
  const window = meter.stop();
  send({ type: 'result', count: job.count, ...window, maxRssKb: maxRssKb(), heapStart, heapEnd: heapAfterGc() });
}

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

/** The shared ping-pong loop (harness.ts) over the raw connection. */
async function ping(conn: RawConnection, job: PingJob): Promise<void> {
  const out = new PublishBytes(job.out, job.size, job.qos);
  const pingPong = new PingPong(job, () => conn.publish(out));
  conn.onPublish = () => pingPong.echoed();
  await conn.subscribe(job.in, job.qos);
  send({ type: 'ready' });
  await pingPong.run((finished) => conn.until(finished));
  conn.onPublish = () => {};
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
