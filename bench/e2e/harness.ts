/**
 * The Node side of the worker protocol (see protocol.ts), shared by the rxmqtt and
 * MQTT.js workers so that both are measured by the same code: reading the job and the
 * parent's commands, the CPU/time meter, heap and RSS sampling, and the arrival counter
 * of subscribers. Only the MQTT calls differ between the two workers.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { IDLE_MS, percentile, type Job, type PingJob, type WorkerLine, type WorkerResult } from './protocol';

export function send(line: WorkerLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const waiting = new Map<string, () => void>();
const heard = new Set<string>();
createInterface({ input: process.stdin }).on('line', (line) => {
  const command = line.trim();
  heard.add(command);
  waiting.get(command)?.();
});

/** Resolves when the parent has sent `command` (at once if it already has). */
export function command(name: 'go' | 'done'): Promise<void> {
  if (heard.has(name)) return Promise.resolve();
  return new Promise((resolve) => waiting.set(name, resolve));
}

/** Heap used after a full GC (workers run with --expose-gc), or without GC when unavailable. */
export function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) { gc(); gc(); }
  return process.memoryUsage().heapUsed;
}

export type Window = Pick<WorkerResult, 'elapsedNs' | 'cpuUserUs' | 'cpuSystemUs' | 'readCalls' | 'writeCalls'>;

/** Read- and write-type system calls this process made so far (Linux `/proc/self/io`); undefined elsewhere. */
function syscalls(): { reads: number; writes: number } | undefined {
  try {
    const io = readFileSync('/proc/self/io', 'utf8');
    const reads = /syscr:\s+(\d+)/.exec(io);
    const writes = /syscw:\s+(\d+)/.exec(io);
    return reads && writes ? { reads: Number(reads[1]), writes: Number(writes[1]) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Wall time, this process's CPU (user, system) and its read/write system calls from
 * `start()` to `stop()`. The calls explain the system time: each is a wake-up's read or
 * a write, and how many messages one carries depends on the peer's pace.
 */
export class Meter {
  private t0 = 0n;
  private cpu0: NodeJS.CpuUsage = { user: 0, system: 0 };
  private io0: ReturnType<typeof syscalls>;
  start(): void {
    this.io0 = syscalls();
    this.cpu0 = process.cpuUsage();
    this.t0 = process.hrtime.bigint();
  }
  stop(): Window {
    const elapsedNs = Number(process.hrtime.bigint() - this.t0);
    const cpu = process.cpuUsage(this.cpu0);
    const io = syscalls();
    // Reading /proc/self/io takes two read calls (the data, then end of file): not ours.
    const calls = io && this.io0 ? { readCalls: io.reads - this.io0.reads - 2, writeCalls: io.writes - this.io0.writes } : {};
    return { elapsedNs, cpuUserUs: cpu.user, cpuSystemUs: cpu.system, ...calls };
  }
}

/**
 * Counts received messages. Settles when `expected` arrived, or — once the parent said
 * `done` — after IDLE_MS without one (some were lost). One `performance.now()` per
 * message (no allocation) is the only cost it adds to the receive path.
 */
export class Arrivals {
  count = 0;
  private firstMs = 0;
  private lastMs = 0;
  private finished = false;
  readonly settled: Promise<void>;
  private resolve!: () => void;

  constructor(private readonly expected: number) {
    this.settled = new Promise((r) => (this.resolve = r));
    void command('done').then(() => this.watchIdle());
  }

  hit(): void {
    const now = performance.now();
    if (this.count++ === 0) this.firstMs = now;
    this.lastMs = now;
    if (this.count === this.expected) this.finish();
  }

  times(): Pick<WorkerResult, 'firstNs' | 'lastNs'> {
    return { firstNs: Math.round(this.firstMs * 1e6), lastNs: Math.round(this.lastMs * 1e6) };
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.resolve();
  }

  private watchIdle(): void {
    let seen = -1;
    const timer = setInterval(() => {
      if (this.finished) clearInterval(timer);
      else if (this.count === seen) { clearInterval(timer); this.finish(); }
      else seen = this.count;
    }, IDLE_MS);
  }
}

/** The job from argv[2]; runs `main`, reports a failure as an error line, and exits. */
export function runWorker(main: (job: Job) => Promise<void>): void {
  const job = JSON.parse(process.argv[2] ?? '{}') as Job;
  main(job).then(
    () => process.exit(0),
    (error: unknown) => {
      send({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) });
      process.exit(1);
    },
  );
}

export function maxRssKb(): number {
  return process.resourceUsage().maxRSS;
}

/** `${prefix}/${i}/x`: the one topic of filter `${prefix}/${i}/+` used by the fan-in. */
export function fanTopic(prefix: string, i: number): string {
  return `${prefix}/${i}/x`;
}

/** The pinger's result: percentiles of the round trips after the first `warmup` (shared so every worker reports alike). */
export function sendLatency(samples: readonly number[], warmup: number, window: Window): void {
  const sorted = samples.slice(warmup).sort((a, b) => a - b);
  send({
    type: 'result', count: sorted.length, ...window, maxRssKb: maxRssKb(),
    latencyUs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] },
  });
}

/**
 * The pinger's loop, the same in every worker: `ping()` sends one message (the worker's
 * own call), `echoed()` takes the round trip and sends the next, until warm-up + count.
 */
export class PingPong {
  private readonly samples: number[] = [];
  private sentAt = 0n;
  private done!: () => void;
  readonly finished = new Promise<void>((resolve) => (this.done = resolve));

  constructor(private readonly job: PingJob, private readonly ping: () => void) {}

  echoed(): void {
    this.samples.push(Number(process.hrtime.bigint() - this.sentAt) / 1000);
    if (this.samples.length < this.job.warmup + this.job.count) this.send();
    else this.done();
  }

  /** After 'ready': waits for `go`, times every round trip, reports the percentiles. `wait` may wrap the wait (a worker that must watch its socket meanwhile). */
  async run(wait: (finished: Promise<void>) => Promise<void> = (f) => f): Promise<void> {
    await command('go');
    const meter = new Meter();
    meter.start();
    this.send();
    await wait(this.finished);
    sendLatency(this.samples, this.job.warmup, meter.stop());
  }

  private send(): void {
    this.sentAt = process.hrtime.bigint();
    this.ping();
  }
}
