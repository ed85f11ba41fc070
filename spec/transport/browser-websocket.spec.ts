/**
 * browserWebSocketTransport: the browser build's transport over `globalThis.WebSocket`.
 *
 * Node 20 has no global WebSocket, so these specs install the `ws` package's class, which
 * implements the WHATWG API (`onopen`/`onmessage`/`onclose`/`onerror`, `binaryType`,
 * `bufferedAmount`, `close(code)`), and run it against mosquitto's websockets listener and
 * in-process `ws` servers. The drain poll runs in virtual time against a fake WebSocket
 * whose `bufferedAmount` the spec sets.
 */

import * as http from 'node:http';
import { TestScheduler } from 'rxjs/testing';
import WebSocket from 'ws';
import { MqttError } from '../../src/errors';
import { browserTransportProblem, browserWebSocketTransport, DRAINED_MARK, DRAIN_POLL_MS } from '../../src/transport/browser-websocket';
import { WRITE_HIGH_WATER_MARK } from '../../src/transport/common';
import { COPY_LIMIT } from '../../src/transport/turn-batch';
import * as nodePlatform from '../../src/transport/platform';
import * as browserPlatform from '../../src/transport/platform.browser';
import type { SocketEvent, SocketWriter, TransportOptions } from '../../src/transport/types';
import { requireMosquitto, startMosquitto, type MosquittoHandle } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { failure, handshake } from './helpers';
import { startWsServer, until } from './ws-server';

const CONNACK = [0x20, 0x02, 0x00, 0x00];
const global = globalThis as { WebSocket?: unknown };

const local = (port: number, extra: Partial<TransportOptions> = {}) => browserWebSocketTransport({ host: '127.0.0.1', port, ...extra });

describe('browserWebSocketTransport over the WHATWG API (ws package as globalThis.WebSocket)', () => {
  let mosquitto: MosquittoHandle;
  beforeAll(async () => {
    requireMosquitto();
    mosquitto = await startMosquitto({ websockets: {} });
  });
  afterAll(() => mosquitto?.close());
  beforeEach(() => (global.WebSocket = WebSocket));
  afterEach(() => delete global.WebSocket);

  it('ws:// to mosquitto: CONNECT gets CONNACK as Uint8Array data; end() completes', async () => {
    const { connack, opened } = await handshake(local(mosquitto.wsPort!));
    expect(connack).toEqual(CONNACK);
    expect(opened.remotePort).toBeUndefined(); // a browser does not show the socket's addresses
  });

  it('browser platform: defaultTransport routes ws:// here', async () => {
    const transport = browserPlatform.defaultTransport({ protocol: 'ws', host: '127.0.0.1', port: mosquitto.wsPort!, ws: { path: '/mqtt' } });
    expect((await handshake(transport)).connack).toEqual(CONNACK);
  });

  it('offers the mqtt subprotocol on the path given, sends binary frames and closes with 1000 on end()', async () => {
    const frames: boolean[] = [];
    const server = await startWsServer((socket) =>
      socket.on('message', (_data, isBinary) => {
        frames.push(isBinary);
        socket.send(Uint8Array.from(CONNACK));
      }),
    );
    try {
      const { connack } = await handshake(local(server.port, { ws: { path: '/broker?token=x' } }));
      expect(connack).toEqual(CONNACK);
      expect(server.seen.url).toBe('/broker?token=x');
      expect(server.seen.protocolHeader).toBe('mqtt');
      expect(frames[0]).toBe(true);
      await until(() => server.seen.closeCode !== undefined);
      expect(server.seen.closeCode).toBe(1000);
    } finally {
      await server.close();
    }
  });

  it('offers the subprotocols of ws.protocols', async () => {
    const server = await startWsServer((socket) => socket.close(1000));
    try {
      await new Promise<void>((resolve, reject) => local(server.port, { ws: { protocols: ['mqttv3.1', 'mqtt'] } }).subscribe({ error: reject, complete: resolve }));
      expect(server.seen.protocolHeader).toBe('mqttv3.1,mqtt');
    } finally {
      await server.close();
    }
  });

  it('refuses a text frame from the broker with protocol-error [MQTT-6.0.0-1] and drops the connection', async () => {
    const server = await startWsServer((socket) => socket.send('CONNACK'));
    try {
      const error = await failure(local(server.port));
      expect(error).toBeInstanceOf(MqttError);
      expect(error).toMatchObject({ code: 'protocol-error', rule: 'MQTT-6.0.0-1' });
      expect((error as MqttError).message).toBe(`ws://127.0.0.1:${server.port}/mqtt sent a WebSocket text frame; MQTT travels in binary frames only`);
      await until(() => server.seen.closeCode !== undefined);
      expect(server.seen.closeCode).toBe(1000);
    } finally {
      await server.close();
    }
  });

  it.each([1000, 1001])('completes when the broker closes with %i', async (code) => {
    const server = await startWsServer((socket) => socket.close(code));
    try {
      await expect(new Promise((resolve, reject) => local(server.port).subscribe({ error: reject, complete: () => resolve('done') }))).resolves.toBe('done');
    } finally {
      await server.close();
    }
  });

  it('errors with connection-closed, the code and the reason when the broker closes with an error code', async () => {
    const server = await startWsServer((socket) => socket.close(1011, 'broker failure'));
    try {
      const error = await failure(local(server.port));
      expect(error).toMatchObject({ code: 'connection-closed' });
      expect((error as MqttError).message).toBe(`Connection to ws://127.0.0.1:${server.port}/mqtt closed with WebSocket code 1011: broker failure`);
    } finally {
      await server.close();
    }
  });

  it('a connection closed before it opened is connection-closed (HTTP upgrade refused)', async () => {
    const server = http.createServer((_request, response) => response.writeHead(404, 'Not Found').end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const error = await failure(local(port));
      expect(error).toBeInstanceOf(MqttError);
      expect(error).toMatchObject({ code: 'connection-closed' });
      expect((error as MqttError).message).toMatch(new RegExp(`^Cannot connect to ws://127\\.0\\.0\\.1:${port}/mqtt: .*404`));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a refused connection is connection-closed', async () => {
    const port = await freePort();
    const error = await failure(local(port));
    expect(error).toMatchObject({ code: 'connection-closed' });
    expect((error as MqttError).message).toMatch(new RegExp(`^Cannot connect to ws://127\\.0\\.0\\.1:${port}/mqtt: .*ECONNREFUSED`));
  });

  it('wss:// to a plain listener is connection-closed, never tls-error (a browser does not say why)', async () => {
    const error = await failure(local(mosquitto.wsPort!, { tls: {} }));
    expect(error).toMatchObject({ code: 'connection-closed' });
    expect((error as MqttError).message).toContain(`wss://127.0.0.1:${mosquitto.wsPort}/mqtt`);
  });

  it('unsubscribing closes with 1000 and emits nothing more', async () => {
    const server = await startWsServer((socket) => socket.send(Uint8Array.from(CONNACK)));
    try {
      const events: string[] = [];
      const subscription = local(server.port).subscribe({ next: (e) => events.push(e.type), error: () => events.push('error'), complete: () => events.push('complete') });
      await until(() => events.includes('opened'));
      subscription.unsubscribe();
      await until(() => server.seen.closeCode !== undefined);
      expect(server.seen.closeCode).toBe(1000);
      expect(events.filter((e) => e === 'error' || e === 'complete')).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('fails with connection-closed where there is no global WebSocket', async () => {
    delete global.WebSocket;
    const error = await failure(local(mosquitto.wsPort!));
    expect(error).toMatchObject({ code: 'connection-closed', message: `Cannot connect to ws://127.0.0.1:${mosquitto.wsPort}/mqtt: this environment has no global WebSocket` });
  });

  it('a subprotocol the WebSocket refuses is invalid-argument', async () => {
    const error = await failure(local(mosquitto.wsPort!, { ws: { protocols: ['not valid'] } }));
    expect(error).toMatchObject({ code: 'invalid-argument' });
  });
});

describe('what a browser cannot do', () => {
  const base = { host: 'broker', port: 443 };
  it.each([
    ['mqtt://', { ...base, protocol: 'mqtt' as const }, /A browser has no TCP sockets: use a ws:\/\/ or wss:\/\/ url \(the broker protocol is mqtt:\/\/\)/],
    ['mqtts://', { ...base, protocol: 'mqtts' as const, tls: {} }, /broker protocol is mqtts:\/\//],
    ['TLS settings', { ...base, protocol: 'wss' as const, tls: { ca: 'PEM', rejectUnauthorized: false } }, /^The tls option is Node only \(got tls\.ca, tls\.rejectUnauthorized\)/],
    ['headers', { ...base, protocol: 'ws' as const, ws: { headers: { Authorization: 'Bearer x' } } }, /^ws\.headers is Node only: a browser WebSocket cannot set HTTP headers/],
    ['a bind address', { ...base, protocol: 'ws' as const, bindAddress: '10.0.0.1' }, /^bindAddress and bindPort are Node only/],
    ['a bind port', { ...base, protocol: 'ws' as const, bindPort: 5000 }, /^bindAddress and bindPort are Node only/],
    ['a proxy', { ...base, protocol: 'ws' as const, proxy: { type: 'socks5' as const, host: '127.0.0.1' } }, /^The proxy option is Node only/],
  ])('refuses %s with invalid-argument, from check and transport alike', async (_what, options, message) => {
    expect(browserTransportProblem(options)).toMatch(message);
    expect(() => browserPlatform.checkDefaultTransport(options)).toThrow(expect.objectContaining({ code: 'invalid-argument', message: expect.stringMatching(message) }));
    const error = await failure(browserPlatform.defaultTransport(options));
    expect(error).toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(message) });
  });

  it.each([
    ['ws://', { ...base, protocol: 'ws' as const, ws: { path: '/mqtt', protocols: ['mqtt'] } }],
    ['wss:// with the implied empty tls', { ...base, protocol: 'wss' as const, tls: {} }],
    ['wss:// with tls settings left undefined', { ...base, protocol: 'wss' as const, tls: { ca: undefined } }],
  ])('accepts %s', (_what, options) => {
    expect(browserTransportProblem(options)).toBeUndefined();
    expect(() => browserPlatform.checkDefaultTransport(options)).not.toThrow();
  });

  it('the Node platform refuses none of them', () => {
    expect(() => nodePlatform.checkDefaultTransport({ ...base, protocol: 'ws', ws: { headers: { a: 'b' } }, bindPort: 5000 })).not.toThrow();
  });

  it('platform.browser.ts exports what platform.ts exports, with the same types', () => {
    // A compile-time check (ts-jest diagnostics): the build swaps one module for the other.
    const browser: typeof nodePlatform = browserPlatform;
    const node: typeof browserPlatform = nodePlatform;
    expect(Object.keys(browser).sort()).toEqual(Object.keys(node).sort());
  });
});

/** A WebSocket whose `bufferedAmount` the spec sets, and which counts the reads of it. */
class FakeWebSocket {
  static last: FakeWebSocket | undefined;
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  binaryType = 'blob';
  closedWith: number | undefined;
  reads = 0;
  private buffered = 0;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeWebSocket.last = this;
  }
  get bufferedAmount(): number {
    this.reads++;
    return this.buffered;
  }
  set bufferedAmount(value: number) {
    this.buffered = value;
  }
  send(bytes: Uint8Array): void {
    this.buffered += bytes.length;
  }
  close(code: number): void {
    this.closedWith = code;
  }
}

describe('backpressure: the drain poll (virtual time, fake WebSocket)', () => {
  let scheduler: TestScheduler;
  let events: Array<{ at: number; type: SocketEvent['type'] }>;
  let writer: SocketWriter;
  let socket: FakeWebSocket;

  const open = () => {
    const subscription = browserWebSocketTransport({ host: 'h', port: 1 }, scheduler).subscribe({
      next: (event) => {
        events.push({ at: scheduler.now(), type: event.type });
        if (event.type === 'opened') writer = event.writer;
      },
    });
    socket = FakeWebSocket.last!;
    socket.onopen!();
    return subscription;
  };
  /** Runs `work` at virtual time `time` (absolute, not a delay from now). */
  const at = (time: number, work: () => void) => scheduler.schedule(work, time - scheduler.now());

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    events = [];
    global.WebSocket = FakeWebSocket;
  });
  afterEach(() => delete global.WebSocket);

  it('opens with binaryType arraybuffer and the mqtt subprotocol', () => {
    open();
    expect(socket.binaryType).toBe('arraybuffer');
    expect([socket.url, socket.protocols]).toEqual(['ws://h:1/mqtt', ['mqtt']]);
    socket.onmessage!({ data: Uint8Array.from(CONNACK).buffer });
    expect(events.map((e) => e.type)).toEqual(['opened', 'data']);
  });

  it('write answers false at the high-water mark; drained once bufferedAmount is at most half of it, at a poll', () => {
    expect(DRAINED_MARK).toBe(WRITE_HIGH_WATER_MARK / 2);
    expect(DRAIN_POLL_MS).toBe(10);
    open();
    // Packets of COPY_LIMIT bytes or more are sent at once (smaller ones wait for the
    // turn's end, which a virtual-time test never reaches: turn-batch.spec.ts has them).
    expect(writer.write(new Uint8Array(WRITE_HIGH_WATER_MARK - COPY_LIMIT))).toBe(true);
    expect(writer.write(new Uint8Array(COPY_LIMIT))).toBe(false);
    expect(writer.write(new Uint8Array(COPY_LIMIT))).toBe(false); // still blocked: one poll, not two
    at(15, () => (socket.bufferedAmount = DRAINED_MARK + 1)); // read at 20: not yet
    at(25, () => (socket.bufferedAmount = DRAINED_MARK)); // read at 30: drained
    at(60, () => (socket.bufferedAmount = 0)); // so that a poll that missed 30 still ends (flush would never return)
    scheduler.flush();
    expect(events).toEqual([
      { at: 0, type: 'opened' },
      { at: 30, type: 'drained' },
    ]);
    const readsWhenDrained = socket.reads;
    at(100, () => undefined);
    scheduler.flush();
    expect(socket.reads).toBe(readsWhenDrained); // the poll stopped

    // Blocked again: a new poll.
    at(200, () => expect(writer.write(new Uint8Array(WRITE_HIGH_WATER_MARK))).toBe(false));
    at(205, () => (socket.bufferedAmount = 0));
    scheduler.flush();
    expect(events.slice(2)).toEqual([{ at: 210, type: 'drained' }]);
  });

  it('no poll runs while write answers true', () => {
    open();
    for (let i = 0; i < 100; i++) expect(writer.write(new Uint8Array(1000))).toBe(true);
    const reads = socket.reads;
    at(1000, () => undefined);
    scheduler.flush();
    expect(socket.reads).toBe(reads);
    expect(events.map((e) => e.type)).toEqual(['opened']);
  });

  it('unsubscribing stops the poll, closes with 1000 and leaves handlers that ignore late events', () => {
    const subscription = open();
    expect(writer.write(new Uint8Array(WRITE_HIGH_WATER_MARK))).toBe(false);
    at(5, () => subscription.unsubscribe());
    at(7, () => (socket.bufferedAmount = 0));
    scheduler.flush();
    expect(socket.closedWith).toBe(1000);
    expect(events.map((e) => e.type)).toEqual(['opened']);
    expect(socket.onopen).toBeNull();
    expect(() => socket.onerror!({})).not.toThrow();
    expect(() => socket.onclose!({ code: 1006, reason: '' })).not.toThrow();
  });

  it('a close before open is connection-closed with the code', () => {
    let error: unknown;
    browserWebSocketTransport({ host: 'h', port: 1, tls: {} }, scheduler).subscribe({ error: (e) => (error = e) });
    FakeWebSocket.last!.onclose!({ code: 1006, reason: '' });
    expect(error).toMatchObject({ code: 'connection-closed', message: 'Connection to wss://h:1/mqtt closed before it was established (WebSocket code 1006)' });
  });

  it('an error event (a browser gives no reason) is connection-closed', () => {
    let error: unknown;
    browserWebSocketTransport({ host: 'h', port: 1 }, scheduler).subscribe({ error: (e) => (error = e) });
    FakeWebSocket.last!.onerror!(new Event('error'));
    expect(error).toMatchObject({ code: 'connection-closed', message: 'Cannot connect to ws://h:1/mqtt: WebSocket error' });
  });
});
