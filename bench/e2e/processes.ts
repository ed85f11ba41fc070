/**
 * Child processes of the benchmark: spawning, the worker line protocol, CPU from /proc,
 * timeouts, and cleanup. Every child is registered when spawned and killed by its own
 * PID — on success, on error, on a timeout, and when the parent exits or is interrupted.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { WorkerLine, WorkerResult } from './protocol';

const live = new Set<ChildProcess>();

function killAll(): void {
  for (const child of live) if (child.pid !== undefined) try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
  live.clear();
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => { killAll(); process.exit(130); });

/** Spawns `command` and registers it for cleanup; it leaves the registry when it exits. */
export function spawnTracked(command: string, args: readonly string[], stdio: 'pipe' | ['pipe' | number, 'pipe', 'pipe'] = 'pipe'): ChildProcess {
  const child = spawn(command, args, { stdio });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** SIGKILL our own child by PID, if it still runs; resolves once it has exited. */
export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  if (child.pid !== undefined) try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
  await exited;
}

export class TimeoutError extends Error {}

/** `promise`, or a TimeoutError naming `what` after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what}: no answer within ${(ms / 1000).toFixed(0)} s (killed)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A worker speaking protocol.ts over stdin/stdout. */
export class Worker {
  readonly child: ChildProcess;
  private readonly lines: WorkerLine[] = [];
  private wake: (() => void) | undefined;
  private stderr = '';
  private exited = false;

  constructor(readonly name: string, command: string, args: readonly string[]) {
    this.child = spawnTracked(command, args);
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try { this.lines.push(JSON.parse(line) as WorkerLine); } catch { this.stderr += `${line}\n`; }
      this.wake?.();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => { this.stderr = (this.stderr + chunk.toString()).slice(-4000); });
    // A worker may exit (its result sent) before a late `done` reaches it: ignore EPIPE.
    this.child.stdin!.on('error', () => {});
    this.child.once('exit', () => { this.exited = true; this.wake?.(); });
    this.child.once('error', (e) => { this.stderr += String(e); this.exited = true; this.wake?.(); });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The worker's next line, which must be of `type`; rejects on an error line or exit. */
  async next<T extends WorkerLine['type']>(type: T): Promise<Extract<WorkerLine, { type: T }>> {
    for (;;) {
      const line = this.lines.shift();
      if (line?.type === 'error') throw new Error(`${this.name}: ${line.message}`);
      if (line?.type === type) return line as Extract<WorkerLine, { type: T }>;
      if (line) throw new Error(`${this.name}: expected ${type}, got ${line.type}`);
      if (this.exited) throw new Error(`${this.name} exited (code ${this.child.exitCode}) before ${type}\n${this.stderr}`);
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  ready(): Promise<{ type: 'ready' }> {
    return this.next('ready');
  }

  result(): Promise<WorkerResult> {
    return this.next('result');
  }

  tell(command: 'go' | 'done'): void {
    if (!this.exited) this.child.stdin!.write(`${command}\n`);
  }

  /** Closes stdin and waits up to 5 s for a clean exit, then kills it; `force` kills at once. */
  async close(force = false): Promise<void> {
    if (this.exited) return;
    if (force) return kill(this.child);
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin!.end();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    await kill(this.child);
  }
}

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** utime+stime of a process in µs, from /proc/<pid>/stat (fields 14 and 15). */
export function procCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: split after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

/** Peak RSS of a running process, KiB (VmHWM). */
export function procPeakRssKb(pid: number): number {
  const match = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}
