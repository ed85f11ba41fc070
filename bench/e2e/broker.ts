/**
 * The benchmark's mosquitto: one per benchmark run, on a free 127.0.0.1 port. Not
 * spec/support's `startMosquitto`, whose `log_type all` logs every PUBLISH (broker CPU,
 * and the harness keeps all output in memory); here only errors and warnings are kept.
 *
 * Settings that differ from mosquitto's defaults, and why:
 * - `max_queued_messages 0` (no limit): a slow subscriber must not lose QoS 0 messages
 *   to the broker's queue limit, so any loss we report is the clients' doing;
 * - `set_tcp_nodelay true`: without it the broker's own Nagle delays would dominate the
 *   round-trip latencies we compare between clients.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireMosquitto } from '../../spec/support/mosquitto';
import { freePort, waitForPort } from '../../spec/support/ports';
import { kill, spawnTracked } from './processes';

export interface Broker {
  port: number;
  pid: number;
  version: string;
  logs(): string;
  close(): Promise<void>;
}

export async function startBroker(): Promise<Broker> {
  const binary = requireMosquitto();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rxmqtt-bench-'));
  const configPath = join(dir, 'mosquitto.conf');
  writeFileSync(configPath, [
    'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', 'connection_messages false',
    'allow_anonymous true', 'max_queued_messages 0', 'set_tcp_nodelay true', `listener ${port} 127.0.0.1`, '',
  ].join('\n'));
  const child = spawnTracked(binary, ['-c', configPath]);
  let output = '';
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-8000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const close = async (): Promise<void> => {
    await kill(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 5000);
  } catch (error) {
    await close();
    throw new Error(`mosquitto did not start: ${(error as Error).message}\n${output}`);
  }
  return { port, pid: child.pid!, version: brokerVersion(binary), logs: () => output, close };
}

function brokerVersion(binary: string): string {
  // `mosquitto -h` prints "mosquitto version 2.0.11 …" and exits non-zero.
  const help = spawnSync(binary, ['-h'], { encoding: 'utf8' });
  return /version (\S+)/.exec(`${help.stdout}${help.stderr}`)?.[1] ?? 'unknown';
}
