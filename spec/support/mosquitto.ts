/**
 * A real mosquitto broker as a child process, one per call, on 127.0.0.1 and a free port.
 *
 * Each broker gets its own temp dir with a generated config (anonymous access, no
 * persistence, every log type to stderr, which we capture). `close()` signals only the
 * child we spawned, by its PID: SIGTERM, then SIGKILL if it lingers.
 *
 * mosquitto is a system package. Locally, a missing binary fails the suite with the
 * install line; under CI (`CI=true`) it fails the same way: never a silent skip.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { freePort, waitForPort } from './ports';

export interface MosquittoTlsOptions {
  certPath: string;
  keyPath: string;
  caPath?: string;
  /** Require and verify a client certificate signed by `caPath`. */
  requireCertificate?: boolean;
}

export interface MosquittoOptions {
  tls?: MosquittoTlsOptions;
  /** More lines for the listener's config (after the generated ones). */
  extraConfig?: string[];
  /** A second listener, `protocol websockets` on 127.0.0.1 (with TLS: wss), on `wsPort`. */
  websockets?: { tls?: MosquittoTlsOptions };
}

export interface MosquittoHandle {
  port: number;
  /** The WebSocket listener's port, with the `websockets` option. */
  wsPort?: number;
  pid: number;
  close(): Promise<void>;
  /** Everything mosquitto wrote to stdout and stderr so far. */
  logs(): string;
}

export const MOSQUITTO_MISSING = 'mosquitto not installed: apt-get install -y mosquitto';

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/bin/mosquitto'];

/** The mosquitto binary's path, or undefined when it is not installed. */
export function findMosquitto(): string | undefined {
  for (const candidate of CANDIDATES) if (isExecutable(candidate)) return candidate;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'mosquitto');
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The mosquitto binary's path; throws with the install line when it is missing. Call it
 * in a `beforeAll` so the suite fails with that message, locally and under CI alike.
 */
export function requireMosquitto(): string {
  const binary = findMosquitto();
  if (binary === undefined) {
    const where = process.env.CI === 'true' ? ' (CI must install it in .ci/run)' : '';
    throw new Error(`${MOSQUITTO_MISSING}${where}`);
  }
  return binary;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * A safety net for a test that forgets `close()` or a worker that exits early: the jest
 * worker's real process (outside jest's per-file sandbox, so one listener per worker)
 * SIGKILLs every broker still running when it exits.
 */
function orphanGuard(): Set<ChildProcess> {
  const realProcess = vm.runInThisContext('process') as NodeJS.Process & { [key: symbol]: unknown };
  const key = Symbol.for('rxmqtt.spec.mosquittoChildren');
  let children = realProcess[key] as Set<ChildProcess> | undefined;
  if (children === undefined) {
    const set = new Set<ChildProcess>();
    children = set;
    realProcess[key] = set;
    realProcess.once('exit', () => {
      for (const child of set) child.kill('SIGKILL');
    });
  }
  return children;
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoHandle> {
  const binary = requireMosquitto();
  const port = await freePort();
  const wsPort = options.websockets !== undefined ? await freePort() : undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxmqtt-mosquitto-'));
  const configPath = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(configPath, configLines(port, wsPort, options).join('\n') + '\n');

  const child = spawn(binary, ['-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const running = orphanGuard();
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  let failure: Error | undefined;
  const spawnFailed = new Promise<void>((resolve) =>
    child.once('error', (error) => {
      failure = error;
      resolve();
    }),
  );
  const pid = child.pid;
  if (pid === undefined) {
    // spawn failed (ENOENT, EACCES): 'error' follows and says why.
    await spawnFailed;
    throw new Error(`cannot run ${binary}: ${failure?.message ?? 'no PID'}`);
  }

  try {
    const giveUp = (): string | undefined => {
      if (failure !== undefined) return `cannot run ${binary}: ${failure.message}`;
      if (child.exitCode !== null) return `mosquitto exited with code ${child.exitCode} before listening`;
      if (child.signalCode !== null) return `mosquitto was killed by ${child.signalCode} before listening`;
      return undefined;
    };
    await waitForPort(port, 5000, giveUp);
    if (wsPort !== undefined) await waitForPort(wsPort, 5000, giveUp);
  } catch (error) {
    await stop(child, exited);
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`mosquitto on 127.0.0.1:${port} did not start: ${(error as Error).message}\n--- mosquitto logs ---\n${output}`);
  }

  let closing: Promise<void> | undefined;
  return {
    port,
    ...(wsPort !== undefined ? { wsPort } : {}),
    pid,
    logs: () => output,
    close() {
      closing ??= stop(child, exited).then(() => fs.rmSync(dir, { recursive: true, force: true }));
      return closing;
    },
  };
}

function configLines(port: number, wsPort: number | undefined, { tls, extraConfig = [], websockets }: MosquittoOptions): string[] {
  const lines = [
    // Global settings first: mosquitto applies them to every listener.
    'persistence false',
    'log_dest stderr',
    'log_type all',
    'connection_messages true',
    'per_listener_settings false',
    'allow_anonymous true',
    `listener ${port} 127.0.0.1`,
  ];
  lines.push(...tlsLines(tls));
  if (websockets !== undefined && wsPort !== undefined) {
    lines.push(`listener ${wsPort} 127.0.0.1`, 'protocol websockets', ...tlsLines(websockets.tls));
  }
  return [...lines, ...extraConfig];
}

function tlsLines(tls: MosquittoTlsOptions | undefined): string[] {
  if (tls === undefined) return [];
  const lines = [`certfile ${tls.certPath}`, `keyfile ${tls.keyPath}`];
  if (tls.caPath !== undefined) lines.push(`cafile ${tls.caPath}`);
  if (tls.requireCertificate === true) lines.push('require_certificate true');
  return lines;
}

/** SIGTERM our own child by PID, SIGKILL after 3 s; resolves once it has exited. */
async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 3000);
  });
  await Promise.race([exited, killed]);
  clearTimeout(timer);
  await exited;
}
