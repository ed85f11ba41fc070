/**
 * The browser build as an app's bundler sees it. bundle-browser.ts (in a child process:
 * esbuild refuses jest's sandbox) builds the package with tsup.config.ts into a temp
 * `node_modules/rxmqtt`, then bundles `import 'rxmqtt'` and `'rxmqtt/testing'` with
 * esbuild for the browser, as webpack, Vite or Angular's builder would, picking the
 * `browser` export condition. The bundle must hold no Node module and must run in a bare
 * JavaScript context (a vm with only what browsers have: no process, require, Buffer),
 * there refuse what a browser cannot do, and talk to mosquitto through a WHATWG WebSocket.
 *
 * The same bundling for Node is the control: it must pick the Node build, whose net,
 * tls and ws imports the checks below would catch.
 */

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { webcrypto } from 'node:crypto';
import WebSocket from 'ws';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto';

interface BundleReport {
  outfile: string;
  inputs: string[];
  externalImports: string[];
}

const ROOT = path.resolve(__dirname, '../..');
const NODE_MODULES = ['net', 'tls', 'dns', 'fs', 'ws', 'http', 'https', 'stream', 'crypto'];
/** `import … from 'x'`, `import('x')`, `require('x')` (or esbuild's `__require('x')`) of a Node module or `node:` anything. */
const NODE_IMPORT = new RegExp(
  String.raw`(?:\bfrom\s*|\bimport\s*\(\s*|require\s*\(\s*|\bimport\s+)["'](?:node:[^"']+|(?:${NODE_MODULES.join('|')})(?:/[^"']*)?)["']`,
);

function bundle(dir: string, platform: 'browser' | 'node'): BundleReport {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const out = execFileSync(tsx, [path.join(__dirname, 'bundle-browser.ts'), dir, platform], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out) as BundleReport;
}

/**
 * What a browser page has that the bundle may use; nothing of Node's. The context is its
 * own realm: a host TextEncoder's arrays would fail the bundle's `instanceof Uint8Array`
 * (in a browser there is one realm), so `encode` copies into the context's own array.
 */
function browserContext(extra: Record<string, unknown> = {}): vm.Context {
  const context = vm.createContext({
    console,
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    queueMicrotask,
    TextDecoder,
    crypto: webcrypto,
    HostTextEncoder: TextEncoder,
    ...extra,
  });
  vm.runInContext(
    `globalThis.TextEncoder = ((Host) => class TextEncoder {
      #host = new Host();
      get encoding() { return 'utf-8'; }
      encode(text) { return Uint8Array.from(this.#host.encode(text)); }
      encodeInto(text, into) { return this.#host.encodeInto(text, into); }
    })(HostTextEncoder);
    delete globalThis.HostTextEncoder;`,
    context,
  );
  return context;
}

type Exports = Record<string, any>;

describe('the browser bundle', () => {
  let dir: string;
  let browser: BundleReport;
  let node: BundleReport;
  let code: string;
  let mosquitto: MosquittoHandle;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxmqtt-bundle-')); // outside the repository: no self-reference to its package.json
    browser = bundle(dir, 'browser');
    node = bundle(dir, 'node');
    code = fs.readFileSync(browser.outfile, 'utf8');
    mosquitto = await startMosquitto({ websockets: {} });
  }, 120_000);
  afterAll(async () => {
    await mosquitto?.close();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resolves rxmqtt through the browser export condition', () => {
    expect(browser.inputs).toContainEqual(expect.stringMatching(/node_modules\/rxmqtt\/dist\/browser\/index\.mjs$/));
    expect(browser.inputs).toContainEqual(expect.stringMatching(/node_modules\/rxmqtt\/dist\/testing\/index\.mjs$/));
    expect(browser.inputs).not.toContainEqual(expect.stringMatching(/node_modules\/rxmqtt\/dist\/index\.m?js$/));
  });

  it('imports no Node module: nothing external, no ws sources, no import or require of one in the code', () => {
    expect(browser.externalImports).toEqual([]);
    expect(browser.inputs.filter((input) => /node_modules\/ws\//.test(input))).toEqual([]);
    expect(code).not.toMatch(NODE_IMPORT);
    for (const file of ['dist/browser/index.mjs', 'dist/browser/index.js']) {
      const built = fs.readFileSync(path.join(dir, 'node_modules', 'rxmqtt', file), 'utf8');
      expect(built).not.toMatch(NODE_IMPORT);
      expect([...built.matchAll(/\bfrom\s*["']([^"']+)["']|\brequire\s*\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] ?? m[2])).toEqual(['rxjs']);
    }
  });

  it('control: bundled for Node, the same import takes the Node build, and the checks see its Node modules', () => {
    expect(node.inputs).toContainEqual(expect.stringMatching(/node_modules\/rxmqtt\/dist\/index\.mjs$/));
    expect(node.externalImports).toEqual(expect.arrayContaining(['net', 'tls', 'ws']));
    expect(fs.readFileSync(node.outfile, 'utf8')).toMatch(NODE_IMPORT);
  });

  it('runs in a context without Node globals and exports the public API', () => {
    const context = browserContext();
    vm.runInContext(code, context);
    const rxmqtt = context.rxmqtt as Exports;
    for (const name of ['MqttClient', 'MqttMessage', 'MqttError', 'backoff', 'backoffDelay', 'topicMatches', 'validateTopicName', 'validateTopicFilter', 'TopicTrie', 'FrameDecoder', 'fileStore', 'localStorageStore', 'memoryStore']) {
      expect(typeof rxmqtt[name]).toBe('function');
    }
    expect(typeof rxmqtt.testing.TestBroker).toBe('function');
    expect(rxmqtt.topicMatches('a/+', 'a/b')).toBe(true);
    expect(vm.runInContext('typeof process + typeof require + typeof Buffer', context)).toBe('undefinedundefinedundefined');
  });

  it('refuses what a browser cannot do, from the constructor', () => {
    const context = browserContext();
    vm.runInContext(code, context);
    const { MqttClient } = context.rxmqtt as Exports;
    const refusal = (options: object): unknown => {
      try {
        new MqttClient(options);
        return 'accepted';
      } catch (error) {
        return { code: (error as { code: string }).code, message: (error as Error).message };
      }
    };
    expect(refusal({ url: 'mqtt://broker' })).toEqual({ code: 'invalid-argument', message: expect.stringMatching(/^A browser has no TCP sockets/) });
    expect(refusal({ url: 'mqtts://broker' })).toMatchObject({ code: 'invalid-argument' });
    expect(refusal({ url: 'wss://broker', ws: { headers: { Authorization: 'x' } } })).toEqual({ code: 'invalid-argument', message: expect.stringMatching(/^ws\.headers is Node only/) });
    expect(refusal({ url: 'wss://broker', tls: { ca: 'PEM' } })).toEqual({ code: 'invalid-argument', message: expect.stringMatching(/^The tls option is Node only/) });
    expect(refusal({ srv: 'example.com' })).toEqual({ code: 'invalid-argument', message: expect.stringMatching(/^srv needs a DNS lookup, and a browser has none/) });
    expect(refusal({ url: 'wss://broker', proxy: { type: 'http', host: 'proxy' } })).toEqual({ code: 'invalid-argument', message: expect.stringMatching(/^The proxy option is Node only/) });
    expect(refusal({ url: 'wss://broker:8884/mqtt' })).toBe('accepted');
  });

  it('stores: fileStore refuses (no file system), localStorageStore keeps the session in the page\'s localStorage', () => {
    const items = new Map<string, string>();
    const localStorage = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) };
    const context = browserContext({ localStorage });
    vm.runInContext(code, context);
    const { MqttClient, fileStore, localStorageStore } = context.rxmqtt as Exports;
    let refused: unknown;
    try {
      fileStore('/tmp/x');
    } catch (error) {
      refused = (error as { code: string }).code;
    }
    expect(refused).toBe('invalid-argument');
    new MqttClient({ url: 'wss://broker', clientId: 'page-1', clean: false, store: localStorageStore() });
    expect(JSON.parse(items.get('rxmqtt:session:page-1') ?? 'null')).toMatchObject({ format: 1, flows: [], queue: [] });
  });

  it('connects to mosquitto through the global WebSocket and gets back what it published (QoS 1)', async () => {
    const context = browserContext({ WebSocket });
    vm.runInContext(code, context);
    const { MqttClient } = context.rxmqtt as Exports;
    const client = new MqttClient({ url: `ws://127.0.0.1:${mosquitto.wsPort}/mqtt`, clientId: 'in-a-bundle', protocolVersion: 5, connectTimeout: 5000 });
    const subscribeTo = <T>(observable: { subscribe(observer: object): unknown }) =>
      new Promise<T>((resolve, reject) => observable.subscribe({ next: resolve, error: reject }));
    try {
      const connack = await subscribeTo<{ reasonCode: number }>(client.connect());
      expect(connack.reasonCode).toBe(0);
      const message = subscribeTo<{ topic: string; qos: number; text(): string }>(client.messages$('bundle/echo', { qos: 1 }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const ack = await subscribeTo<{ packetId?: number }>(client.publish('bundle/echo', 'from the bundle', { qos: 1 }));
      expect(ack.packetId).toEqual(expect.any(Number));
      const received = await message;
      expect([received.topic, received.qos, received.text()]).toEqual(['bundle/echo', 1, 'from the bundle']);
    } finally {
      await new Promise<void>((resolve) => client.disconnect().subscribe({ complete: resolve, error: resolve }));
    }
  });
});
