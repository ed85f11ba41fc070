/**
 * The libraries under test and how to start one of their clients. A `Party` is one
 * client process driven through the worker protocol (or, for the C clients, an adapter
 * that plays it). The three Node workers (rxmqtt, MQTT.js, and the raw-socket floor)
 * are bundled with esbuild first so all run on plain `node --expose-gc`, with no
 * TypeScript loader in the measured process.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { CPublisher, CSubscriber } from './c-clients';
import { Worker } from './processes';
import type { Job, PublishJob, SubscribeJob, WorkerResult } from './protocol';

export interface Party {
  readonly name: string;
  readonly pid: number;
  ready(): Promise<unknown>;
  tell(command: 'go' | 'done'): void;
  result(): Promise<WorkerResult>;
  /** Final numbers once the subscriber has reported (parties that cannot tell when they are done). */
  refine?(): WorkerResult;
  /** Ends the process: politely (stdin closed, then killed after a grace period), or at once with `force`. */
  close(force?: boolean): Promise<void>;
}

/** `raw` is the floor: a Node socket with no MQTT library on its hot path (worker-raw.ts). */
export type LibraryName = 'rxmqtt' | 'mqttjs' | 'paho' | 'c' | 'raw';

export interface Library {
  name: LibraryName;
  label: string;
  /** Any role it has (Node workers); the peers only publish and subscribe. */
  worker?(job: Job): Party;
  publisher(job: PublishJob): Party;
  subscriber(job: SubscribeJob): Party;
}

const ROOT = join(__dirname, '..', '..');

/** Bundles the Node workers into a gitignored, per-process directory; returns it. */
export async function buildWorkers(): Promise<string> {
  const outdir = join(ROOT, '.tmp', `bench-e2e-${process.pid}`);
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: {
      'worker-rxmqtt': join(__dirname, 'worker-rxmqtt.ts'), 'worker-mqttjs': join(__dirname, 'worker-mqttjs.ts'), 'worker-raw': join(__dirname, 'worker-raw.ts'),
    },
    outdir, bundle: true, platform: 'node', format: 'cjs', target: 'node18', outExtension: { '.js': '.cjs' },
    // rxjs, mqtt and ws load from node_modules as in an app; our sources are bundled.
    packages: 'external', sourcemap: true, logLevel: 'warning',
  });
  return outdir;
}

export function removeBuild(outdir: string): void {
  rmSync(outdir, { recursive: true, force: true });
}

function nodeWorker(name: 'rxmqtt' | 'mqttjs' | 'raw', label: string, outdir: string, extraNodeArgs: readonly string[]): (job: Job) => Party {
  return (job) => new Worker(`${label} ${job.role}`, process.execPath, ['--expose-gc', ...extraNodeArgs, join(outdir, `worker-${name}.cjs`), JSON.stringify(job)]);
}

function nodeLibrary(name: 'rxmqtt' | 'mqttjs', label: string, outdir: string, extraNodeArgs: readonly string[]): Library {
  const worker = nodeWorker(name, label, outdir, extraNodeArgs);
  return { name, label, worker, publisher: worker, subscriber: worker };
}

/** The floor: publish (throughput only), subscribe, ping and echo; it needs nothing installed. */
function floorLibrary(outdir: string, extraNodeArgs: readonly string[]): Library {
  const label = 'raw Node socket (floor)';
  const worker = nodeWorker('raw', label, outdir, extraNodeArgs);
  return { name: 'raw', label, worker, publisher: worker, subscriber: worker };
}

/** A python3 that can import paho, or undefined. */
function findPahoPython(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(python, ['-c', 'import paho.mqtt.client'], { stdio: 'ignore' });
      return python;
    } catch { /* next */ }
  }
  return undefined;
}

function hasCommand(command: string): boolean {
  try {
    execFileSync(command, ['--help'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // mosquitto_pub --help exits non-zero; only a missing binary is ENOENT.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** rxmqtt and MQTT.js always; Paho and the C clients when installed, else a note why not; the raw floor always, last. */
export function libraries(outdir: string, nodeArgs: readonly string[] = []): { libraries: Library[]; notes: string[] } {
  const found: Library[] = [nodeLibrary('rxmqtt', 'rxmqtt', outdir, nodeArgs), nodeLibrary('mqttjs', 'MQTT.js', outdir, nodeArgs)];
  const notes: string[] = [];
  const python = findPahoPython();
  if (python) {
    const worker = (job: Job): Party => new Worker(`Paho ${job.role}`, python, [join(__dirname, 'worker-paho.py'), JSON.stringify(job)]);
    found.push({ name: 'paho', label: 'Paho (Python)', publisher: worker, subscriber: worker });
  } else notes.push('Paho Python skipped: no python3 imports paho (apt-get install -y python3-paho-mqtt)');
  if (hasCommand('mosquitto_pub') && hasCommand('mosquitto_sub')) {
    found.push({ name: 'c', label: 'mosquitto_pub/sub (C)', publisher: (j) => new CPublisher(j), subscriber: (j) => new CSubscriber(j) });
  } else notes.push('C clients skipped: mosquitto_pub/mosquitto_sub not installed (apt-get install -y mosquitto-clients)');
  found.push(floorLibrary(outdir, nodeArgs));
  return { libraries: found, notes };
}
