/**
 * The four scenarios. Each returns raw run records (one per library per repetition);
 * tables.ts summarises them. Within a repetition the library order rotates, so no
 * library always runs first (cold broker) or last. A failed run is recorded with its
 * error and the scenario goes on. The raw-socket floor takes part in throughput (raw
 * publisher → raw subscriber) and latency; fan-in and memory are about libraries, so not it.
 */
import type { Library, LibraryName } from './party';
import { nextId, runPair, type Context } from './pair';
import type { QoS, WorkerResult } from './protocol';

export interface Failure { error?: string }

export interface ThroughputRun extends Failure {
  /** The publisher's and the subscriber's library (every row is one library to itself). */
  library: LibraryName; size: number; qos: QoS; rep: number; expected: number;
  received?: number; rate?: number; pubCpuUsPerMsg?: number; subCpuUsPerMsg?: number; brokerCpuUsPerMsg?: number;
  /** The system (kernel) part of the CPU per message above: syscalls and wake-ups, not our code. */
  pubSysUsPerMsg?: number; subSysUsPerMsg?: number;
  /** Read- and write-type system calls per message (Node workers on Linux): how often the kernel was entered. */
  pubReadsPerMsg?: number; pubWritesPerMsg?: number; subReadsPerMsg?: number; subWritesPerMsg?: number;
  pubRssKb?: number; subRssKb?: number;
}

export interface LatencyRun extends Failure {
  library: LibraryName; qos: QoS; rep: number;
  p50?: number; p90?: number; p99?: number; max?: number; pingRssKb?: number; echoRssKb?: number;
}

export type FanInRow = 'rxmqtt' | 'mqttjs-loop' | 'mqttjs-map';
export interface FanInRun extends Failure {
  row: FanInRow; rep: number; expected: number; received?: number; rate?: number; misrouted?: number; cpuUsPerMsg?: number; rssKb?: number;
  /** First SUBSCRIBE to last SUBACK (not part of the delivery rate). */
  subscribeMs?: number;
}

export interface MemoryRun extends Failure {
  library: LibraryName; messages: number; pub?: WorkerResult; sub?: WorkerResult;
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

const fmt = (n: number | undefined): string => (n === undefined ? '?' : n.toFixed(1));
const cpu = (r: WorkerResult): number => r.cpuUserUs + r.cpuSystemUs;
/** A worker's read/write system calls per message, when it counted them. */
function callsPerMsg(side: 'pub' | 'sub', r: WorkerResult): Partial<ThroughputRun> {
  if (r.readCalls === undefined || r.writeCalls === undefined) return {};
  const n = Math.max(1, r.count);
  return side === 'pub' ? { pubReadsPerMsg: r.readCalls / n, pubWritesPerMsg: r.writeCalls / n } : { subReadsPerMsg: r.readCalls / n, subWritesPerMsg: r.writeCalls / n };
}

/** Delivery rate at the receiver: messages after the first over the first→last span. */
function rate(r: WorkerResult): number | undefined {
  const span = (r.lastNs ?? 0) - (r.firstNs ?? 0);
  return r.count > 1 && span > 0 ? ((r.count - 1) * 1e9) / span : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n').slice(0, 4).join(' | ') : String(error);
}

/** Each library publishes to its own subscriber; the raw-socket floor too (raw → raw). */
export async function throughput(ctx: Context, libraries: readonly Library[]): Promise<ThroughputRun[]> {
  const runs: ThroughputRun[] = [];
  const { cfg, host, port } = ctx;
  for (let rep = 0; rep < cfg.reps; rep++) {
    for (const size of cfg.sizes) for (const qos of cfg.qos) for (const lib of rotate(libraries, rep)) {
      const count = cfg.count[qos];
      const topic = `bench/${nextId(ctx, 'tp')}`;
      const base = { library: lib.name, size, qos, rep, expected: count };
      const name = lib.name;
      try {
        const { sender, receiver, brokerCpuUs } = await runPair(ctx,
          () => lib.subscriber({ role: 'subscribe', host, port, clientId: nextId(ctx, 'sub'), filter: topic, qos, expected: count }),
          () => lib.publisher({ role: 'publish', host, port, clientId: nextId(ctx, 'pub'), topic, count, size, qos, window: cfg.window }));
        const run: ThroughputRun = {
          ...base, received: receiver.count, rate: rate(receiver), pubCpuUsPerMsg: cpu(sender) / sender.count,
          subCpuUsPerMsg: cpu(receiver) / Math.max(1, receiver.count), brokerCpuUsPerMsg: brokerCpuUs / count,
          // The C clients' CPU comes from /proc as one number (c-clients.ts): no system share to report.
          ...(lib.name === 'c' ? {} : { pubSysUsPerMsg: sender.cpuSystemUs / sender.count, subSysUsPerMsg: receiver.cpuSystemUs / Math.max(1, receiver.count) }),
          ...callsPerMsg('pub', sender), ...callsPerMsg('sub', receiver),
          pubRssKb: sender.maxRssKb, subRssKb: receiver.maxRssKb,
        };
        runs.push(run);
        ctx.log(`throughput ${name} ${size} B QoS ${qos} #${rep + 1}: ${Math.round(run.rate ?? 0)} msg/s, ${run.received}/${count} received; ` +
          `CPU µs/msg publisher ${fmt(run.pubCpuUsPerMsg)} (sys ${fmt(run.pubSysUsPerMsg)}), subscriber ${fmt(run.subCpuUsPerMsg)} (sys ${fmt(run.subSysUsPerMsg)})`);
      } catch (error) {
        runs.push({ ...base, error: describe(error) });
        ctx.log(`throughput ${name} ${size} B QoS ${qos} #${rep + 1}: FAILED ${describe(error)}`);
      }
    }
  }
  return runs;
}

export async function latency(ctx: Context, libraries: readonly Library[]): Promise<LatencyRun[]> {
  const runs: LatencyRun[] = [];
  const { cfg, host, port } = ctx;
  const { warmup, count, size } = cfg.latency;
  // Every library with a worker plays both sides: rxmqtt, MQTT.js and the raw-socket floor.
  const nodeLibs = libraries.filter((l) => l.worker);
  for (let rep = 0; rep < cfg.reps; rep++) {
    for (const qos of cfg.latency.qos) for (const lib of rotate(nodeLibs, rep)) {
      const ping = `bench/${nextId(ctx, 'ping')}`;
      const pong = `bench/${nextId(ctx, 'pong')}`;
      try {
        const { sender, receiver } = await runPair(ctx,
          () => lib.worker!({ role: 'echo', host, port, clientId: nextId(ctx, 'echo'), in: ping, out: pong, qos }),
          () => lib.worker!({ role: 'ping', host, port, clientId: nextId(ctx, 'ping'), out: ping, in: pong, qos, size, warmup, count }));
        runs.push({ library: lib.name, qos, rep, ...sender.latencyUs, pingRssKb: sender.maxRssKb, echoRssKb: receiver.maxRssKb });
        ctx.log(`latency ${lib.name} QoS ${qos} #${rep + 1}: p50 ${sender.latencyUs?.p50.toFixed(0)} µs, p99 ${sender.latencyUs?.p99.toFixed(0)} µs`);
      } catch (error) {
        runs.push({ library: lib.name, qos, rep, error: describe(error) });
        ctx.log(`latency ${lib.name} QoS ${qos} #${rep + 1}: FAILED ${describe(error)}`);
      }
    }
  }
  return runs;
}

/**
 * Fan-in: the receiver holds `filters` subscriptions; an MQTT.js publisher (the same for
 * every row) sends QoS 0 messages round-robin over the filters' topics. The MQTT.js
 * loop row gets fewer messages: it is slower by orders of magnitude, and a rate needs
 * no more.
 */
export async function fanIn(ctx: Context, libraries: readonly Library[]): Promise<FanInRun[]> {
  const runs: FanInRun[] = [];
  const { cfg, host, port } = ctx;
  const rx = libraries.find((l) => l.name === 'rxmqtt');
  const js = libraries.find((l) => l.name === 'mqttjs');
  if (!rx || !js) {
    ctx.log('fan-in skipped: it needs rxmqtt and MQTT.js in the run (MQTT.js publishes every row)');
    return runs;
  }
  const rows: FanInRow[] = ['rxmqtt', 'mqttjs-loop', 'mqttjs-map'];
  for (let rep = 0; rep < cfg.fanInReps; rep++) {
    for (const row of rotate(rows, rep)) {
      const expected = row === 'mqttjs-loop' ? cfg.fanIn.loopCount : cfg.fanIn.count;
      const prefix = `bench/${nextId(ctx, 'fan')}`;
      const receiver = row === 'rxmqtt' ? rx : js;
      try {
        const { receiver: r } = await runPair(ctx,
          () => receiver.worker!({
            role: 'fanin', host, port, clientId: nextId(ctx, 'fanin'), prefix, filters: cfg.fanIn.filters, expected,
            ...(row === 'rxmqtt' ? {} : { matcher: row === 'mqttjs-loop' ? 'loop' as const : 'map' as const }),
          }),
          () => js.worker!({ role: 'publish', host, port, clientId: nextId(ctx, 'fanpub'), topic: prefix, spread: cfg.fanIn.filters, count: expected, size: 64, qos: 0, window: cfg.window }));
        runs.push({ row, rep, expected, received: r.count, rate: rate(r), misrouted: r.misrouted, cpuUsPerMsg: cpu(r) / Math.max(1, r.count), rssKb: r.maxRssKb, subscribeMs: r.subscribeMs });
        ctx.log(`fan-in ${row} #${rep + 1}: ${Math.round(rate(r) ?? 0)} msg/s, ${r.count}/${expected}, misrouted ${r.misrouted}, subscribed in ${r.subscribeMs?.toFixed(0)} ms`);
      } catch (error) {
        runs.push({ row, rep, expected, error: describe(error) });
        ctx.log(`fan-in ${row} #${rep + 1}: FAILED ${describe(error)}`);
      }
    }
  }
  return runs;
}

/**
 * A long QoS 1 run per Node library: heap after GC at start, after each round, at the
 * end. Not for the raw-socket floor: it has no library whose heap could grow.
 */
export async function memory(ctx: Context, libraries: readonly Library[]): Promise<MemoryRun[]> {
  const runs: MemoryRun[] = [];
  const { cfg, host, port } = ctx;
  const { count, rounds } = cfg.memory;
  for (const lib of libraries.filter((l) => l.worker && l.name !== 'raw')) {
    const topic = `bench/${nextId(ctx, 'mem')}`;
    try {
      const { sender, receiver } = await runPair(ctx,
        () => lib.worker!({ role: 'subscribe', host, port, clientId: nextId(ctx, 'memsub'), filter: topic, qos: 1, expected: count * rounds }),
        () => lib.worker!({ role: 'publish', host, port, clientId: nextId(ctx, 'mempub'), topic, count, size: 64, qos: 1, window: cfg.window, rounds }));
      runs.push({ library: lib.name, messages: count * rounds, pub: sender, sub: receiver });
      ctx.log(`memory ${lib.name}: ${receiver.count}/${count * rounds} received`);
    } catch (error) {
      runs.push({ library: lib.name, messages: count * rounds, error: describe(error) });
      ctx.log(`memory ${lib.name}: FAILED ${describe(error)}`);
    }
  }
  return runs;
}
