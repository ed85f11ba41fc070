/**
 * mosquitto_pub / mosquitto_sub (the C clients, libmosquitto) as throughput parties.
 * They do not speak the worker protocol, so the parent plays their part:
 *
 * - Publisher: `mosquitto_pub -l` publishes each stdin line (the payload without its
 *   newline). We write all lines on `go` and keep stdin open until the subscriber has
 *   everything: at EOF mosquitto_pub disconnects without flushing its QoS 0 queue (we
 *   measured up to 20% loss that way). Its CPU is read from /proc while it still runs.
 *   `--nodelay`, as rxmqtt (MQTT.js keeps Nagle on by default, and we keep its defaults).
 * - Subscriber: `mosquitto_sub -F x` prints "x\n" per message; we count lines and stamp
 *   chunks as they arrive. Readiness: probe messages are published (mosquitto_pub -q 1)
 *   until one comes back, so the SUBACK is in; probes are not counted.
 */
import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { IDLE_MS, type PublishJob, type SubscribeJob, type WorkerResult } from './protocol';
import { kill, procCpuUs, procPeakRssKb, spawnTracked } from './processes';
import type { Party } from './party';

export class CPublisher implements Party {
  readonly name = 'mosquitto_pub';
  private child: ChildProcess | undefined;
  private startNs = 0n;
  private cpu0 = 0;

  constructor(private readonly job: PublishJob) {}

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  async ready(): Promise<void> {
    const { job } = this;
    this.child = spawnTracked('mosquitto_pub', [
      '-h', job.host, '-p', String(job.port), '-i', job.clientId, '-t', job.topic, '-q', String(job.qos),
      '-M', String(job.window), '--nodelay', '-l',
    ]);
    this.child.stdout!.resume();
    this.child.stderr!.resume();
    this.child.stdin!.on('error', () => {}); // EPIPE if it died; the run then fails on its count
    // Give it time to connect, so the measured window starts with a connected client.
    await new Promise((r) => setTimeout(r, 200));
    if (this.child.exitCode !== null) throw new Error(`mosquitto_pub exited with ${this.child.exitCode}`);
  }

  tell(command: 'go' | 'done'): void {
    if (command !== 'go' || !this.child) return;
    const line = `${Buffer.alloc(this.job.size, 0x61).toString('latin1')}\n`;
    this.cpu0 = procCpuUs(this.child.pid!);
    this.startNs = process.hrtime.bigint();
    this.child.stdin!.write(line.repeat(this.job.count));
  }

  /** Resolves once every line went into the pipe; `refine` completes the numbers. */
  result(): Promise<WorkerResult> {
    return new Promise((resolve) => {
      const child = this.child!;
      const report = (): void => resolve(this.snapshot());
      if (child.stdin!.writableNeedDrain) child.stdin!.once('drain', report);
      else report();
    });
  }

  /** Called once the subscriber has reported: mosquitto_pub has sent all it will. */
  refine(): WorkerResult {
    return this.snapshot();
  }

  private snapshot(): WorkerResult {
    const pid = this.child!.pid!;
    const cpu = procCpuUs(pid) - this.cpu0;
    return {
      type: 'result', count: this.job.count, elapsedNs: Number(process.hrtime.bigint() - this.startNs),
      // /proc gives utime+stime in clock ticks; we do not split them.
      cpuUserUs: cpu, cpuSystemUs: 0, maxRssKb: procPeakRssKb(pid),
    };
  }

  async close(force = false): Promise<void> {
    if (!this.child) return;
    if (force) return kill(this.child);
    this.child.stdin!.end();
    await Promise.race([new Promise((r) => this.child!.once('exit', r)), new Promise((r) => setTimeout(r, 3000))]);
    await kill(this.child);
  }
}

export class CSubscriber implements Party {
  readonly name = 'mosquitto_sub';
  private child: ChildProcess | undefined;
  private lines = 0;
  private probes = 0;
  private firstMs = 0;
  private lastMs = 0;
  private cpu0 = 0;
  private startNs = 0n;
  private onLine: (() => void) | undefined;
  private done = false;

  constructor(private readonly job: SubscribeJob) {}

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  async ready(): Promise<void> {
    const { job } = this;
    this.child = spawnTracked('mosquitto_sub', [
      '-h', job.host, '-p', String(job.port), '-i', job.clientId, '-t', job.filter, '-q', String(job.qos), '-F', 'x', '--nodelay',
    ]);
    this.child.stderr!.resume();
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const now = performance.now();
      let n = 0;
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0x0a) n++;
      if (this.lines === this.probes && n > 0) this.firstMs = now;
      this.lines += n;
      this.lastMs = now;
      this.onLine?.();
    });
    for (let attempt = 0; this.lines === 0; attempt++) {
      if (attempt === 50) throw new Error('mosquitto_sub: no probe came back in 10 s');
      await probe(job);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 200)); // let stray probes land before counting
    this.probes = this.lines;
  }

  tell(command: 'go' | 'done'): void {
    if (command === 'go') {
      this.cpu0 = procCpuUs(this.child!.pid!);
      this.startNs = process.hrtime.bigint();
    } else {
      this.done = true;
      this.onLine?.();
    }
  }

  result(): Promise<WorkerResult> {
    return new Promise((resolve) => {
      let idle: NodeJS.Timeout | undefined;
      const check = (): void => {
        const received = this.lines - this.probes;
        if (received >= this.job.expected) finish();
        else if (this.done) { clearTimeout(idle); idle = setTimeout(finish, IDLE_MS); }
      };
      const finish = (): void => {
        clearTimeout(idle);
        this.onLine = undefined;
        const pid = this.child!.pid!;
        resolve({
          type: 'result', count: this.lines - this.probes, firstNs: Math.round(this.firstMs * 1e6), lastNs: Math.round(this.lastMs * 1e6),
          elapsedNs: Number(process.hrtime.bigint() - this.startNs), cpuUserUs: procCpuUs(pid) - this.cpu0, cpuSystemUs: 0,
          maxRssKb: procPeakRssKb(pid),
        });
      };
      this.onLine = check;
      check();
    });
  }

  async close(): Promise<void> {
    if (this.child) await kill(this.child);
  }
}

/** One QoS 1 probe message to the subscriber's topic; resolves when mosquitto_pub exits. */
function probe(job: SubscribeJob): Promise<void> {
  const child = spawnTracked('mosquitto_pub', ['-h', job.host, '-p', String(job.port), '-t', job.filter, '-q', '1', '-m', 'probe']);
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
