/**
 * What the parent and a worker say to each other. Every worker (Node, Python) speaks the
 * same line protocol, so the parent drives all libraries alike:
 *
 *   parent spawns the worker with one `Job` as JSON in argv[2]
 *   worker → stdout: {"type":"ready"}        connected, subscribed (all SUBACKs in)
 *   parent → stdin:  go                      start the measured work
 *   parent → stdin:  done                    (subscribers) the publisher has finished:
 *                                            report once all expected arrived or after
 *                                            `IDLE_MS` without a message
 *   worker → stdout: {"type":"result",...}   one `WorkerResult`, then it disconnects and exits
 *   worker → stdout: {"type":"error","message":...}
 *
 * stdout carries only these JSON lines; anything else a worker says goes to stderr.
 * Times are CLOCK_MONOTONIC nanoseconds (`process.hrtime.bigint()`, Python's
 * `time.monotonic_ns()`), comparable across processes on one Linux host.
 */

export type QoS = 0 | 1 | 2;

interface Base {
  host: string;
  port: number;
  clientId: string;
}

/** Publishes `count` messages (`rounds` times over), keeping `window` publishes outstanding. */
export interface PublishJob extends Base {
  role: 'publish';
  /** Every message goes to `topic`, or with `spread` to `${topic}/${i % spread}/x`. */
  topic: string;
  spread?: number;
  count: number;
  size: number;
  qos: QoS;
  window: number;
  /** Repeat the whole batch; heap is sampled after each round (memory scenario). */
  rounds?: number;
}

/** Counts messages on one filter until `expected` arrived (or idle after `done`). */
export interface SubscribeJob extends Base {
  role: 'subscribe';
  filter: string;
  qos: QoS;
  expected: number;
}

/** Fan-in: `filters` subscriptions `${prefix}/<i>/+`, each message must match exactly one. */
export interface FanInJob extends Base {
  role: 'fanin';
  prefix: string;
  filters: number;
  expected: number;
  /** MQTT.js only: route by a loop over all filters, or by a Map keyed by the filter. */
  matcher?: 'loop' | 'map';
}

/** Ping-pong, side A: publish on `out`, wait for the echo on `in`, time it. */
export interface PingJob extends Base {
  role: 'ping';
  out: string;
  in: string;
  qos: QoS;
  size: number;
  warmup: number;
  count: number;
}

/** Ping-pong, side B: echo every message on `in` to `out`. */
export interface EchoJob extends Base {
  role: 'echo';
  in: string;
  out: string;
  qos: QoS;
}

export type Job = PublishJob | SubscribeJob | FanInJob | PingJob | EchoJob;

export interface WorkerResult {
  type: 'result';
  /** Messages published (publisher), received (subscriber), round trips (ping). */
  count: number;
  /** First and last message received (subscribers), ns. */
  firstNs?: number;
  lastNs?: number;
  /** Measured window, ns (publisher: go → last ack). */
  elapsedNs: number;
  /** CPU used in the measured window, µs. */
  cpuUserUs: number;
  cpuSystemUs: number;
  /** Read- and write-type system calls in the measured window (Node workers on Linux). */
  readCalls?: number;
  writeCalls?: number;
  /** `process.resourceUsage().maxRSS` at the end, KiB (Python: ru_maxrss). */
  maxRssKb: number;
  /** Heap used after a forced GC once ready, and after the work (Node only), bytes. */
  heapStart?: number;
  heapEnd?: number;
  /** Heap after GC at the end of each round (publish with `rounds`). */
  heapRounds?: number[];
  /** Round-trip latencies (ping), µs. */
  latencyUs?: { p50: number; p90: number; p99: number; max: number };
  /** Fan-in: from the first SUBSCRIBE to the last SUBACK, ms. */
  subscribeMs?: number;
  /** Messages whose topic matched no filter or several (fan-in): must be 0. */
  misrouted?: number;
}

/** What a fan-in receiver adds to its result. */
export interface FanInInfo {
  misrouted: () => number;
  subscribeMs: number;
}

export type WorkerLine = { type: 'ready' } | WorkerResult | { type: 'error'; message: string };

/** A subscriber reports this long after the last message once told `done`. */
export const IDLE_MS = 1000;

/** The payload: `size` bytes of printable ASCII, no newline (mosquitto_pub -l sends lines). */
export function makePayload(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = 0x61 + (i % 26);
  return bytes;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
