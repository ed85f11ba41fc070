/**
 * The toy enhanced-authentication method "rxmqtt-test" (auth-plugin/rxmqtt_auth_plugin.c,
 * which says how it works), on both sides: `buildAuthPlugin()` compiles the mosquitto
 * plugin with `cc -shared -fPIC` into the temp dir, cached by the source's hash (and the
 * header's), and `mosquittoAuthConfig()` gives the config lines that load it; `keyed()` is
 * the client's half of the method for the specs. Needs a C compiler and the broker's
 * plugin headers (Debian's `mosquitto-dev`: .ci/run installs it); without them it fails
 * with the install line, never a silent skip.
 */

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const AUTH_METHOD = 'rxmqtt-test';
export const AUTH_KEY = 'secret';
const SOURCE = path.join(__dirname, 'auth-plugin', 'rxmqtt_auth_plugin.c');
const HEADER = '/usr/include/mosquitto_plugin.h';
export const PLUGIN_HEADERS_MISSING = 'mosquitto plugin headers not installed: apt-get install -y mosquitto-dev';

/** Compiles the plugin once per source (cached by hash); returns the .so's path. */
export function buildAuthPlugin(): string {
  if (!fs.existsSync(HEADER)) throw new Error(PLUGIN_HEADERS_MISSING);
  const source = fs.readFileSync(SOURCE);
  const hash = createHash('sha256').update(source).update(fs.readFileSync(HEADER)).digest('hex').slice(0, 16);
  const out = path.join(os.tmpdir(), `rxmqtt-auth-plugin-${hash}.so`);
  if (fs.existsSync(out)) return out;
  // Build beside the target and rename: parallel jest workers never load a half-written file.
  const tmp = `${out}.${process.pid}.tmp`;
  execFileSync('cc', ['-shared', '-fPIC', '-O2', '-Wall', '-o', tmp, SOURCE], { stdio: 'pipe' });
  fs.renameSync(tmp, out);
  return out;
}

/** mosquitto config lines loading the plugin with `key`. */
export function mosquittoAuthConfig(key = AUTH_KEY): string[] {
  return [`auth_plugin ${buildAuthPlugin()}`, `auth_opt_key ${key}`];
}

/** H(K, label, Nc, Ns): 64-bit FNV-1a over K, 0, label, 0, Nc, 0, Ns, big-endian (as the plugin). */
export function keyed(label: 'client' | 'server', nc: Uint8Array, ns: Uint8Array, key = AUTH_KEY): Uint8Array {
  let h = 0xcbf29ce484222325n;
  const feed = (bytes: Uint8Array): void => {
    for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  };
  const zero = new Uint8Array([0]);
  const text = (s: string) => new TextEncoder().encode(s);
  feed(text(key));
  feed(zero);
  feed(text(label));
  feed(zero);
  feed(nc);
  feed(zero);
  feed(ns);
  const out = new Uint8Array(8);
  for (let i = 7; i >= 0; i--) {
    out[i] = Number(h & 0xffn);
    h >>= 8n;
  }
  return out;
}
