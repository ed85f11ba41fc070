/**
 * The client as the browser build wires it: `transport/platform` is replaced by
 * `platform.browser` (as tsup's browserPlatform plugin does), and `globalThis.WebSocket`
 * is the `ws` package's WHATWG-shaped class (Node 20 has none of its own). Against
 * mosquitto's websockets listener: browser and TCP clients talk to each other at every
 * QoS, a burst goes through the drain poll, and what a browser cannot do is refused by
 * the constructor.
 */

import { count, filter, firstValueFrom, lastValueFrom, map, mergeMap, range, take, toArray } from 'rxjs';
import * as net from 'node:net';
import WebSocket from 'ws';
import { MqttClient } from '../../src';
import { TestBroker } from '../../src/testing';
import { nodeTransport } from '../../src/transport/node';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { closeClients, connected, delay, makeClient, nextValues, stateOf, versions } from './helpers';

jest.mock('../../src/transport/platform', () => jest.requireActual('../../src/transport/platform.browser'));

const global = globalThis as { WebSocket?: unknown };

/**
 * A loopback TCP proxy whose reading from the client can be paused: TCP flow control then
 * fills the kernel's buffers and the WebSocket's `bufferedAmount` grows, as with a slow
 * broker or network; loopback to mosquitto alone drains too fast to show backpressure.
 */
async function startPausableProxy(targetPort: number) {
  const sockets = new Set<net.Socket>();
  let paused = false;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('close', () => sockets.delete(socket));
    }
    // Plain 'data' forwarding, not pipe(): pipe would resume a paused client on 'drain'.
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    if (paused) client.pause();
    (client as net.Socket & { isClient?: boolean }).isClient = true;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const clients = () => [...sockets].filter((s) => (s as net.Socket & { isClient?: boolean }).isClient);
  return {
    port: (server.address() as net.AddressInfo).port,
    pause: () => {
      paused = true;
      for (const client of clients()) client.pause();
    },
    resume: () => {
      paused = false;
      for (const client of clients()) client.resume();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('client with the browser platform (global WebSocket, mosquitto)', () => {
  let broker: MosquittoHandle;
  /** Sockets the `ws` class opened: proves the browser transport dialled, not Node's. */
  let dialled: string[];

  beforeAll(async () => {
    broker = await startMosquitto({ websockets: {} });
  });
  afterAll(() => broker?.close());
  beforeEach(() => {
    dialled = [];
    global.WebSocket = class extends WebSocket {
      constructor(url: string, protocols: string[]) {
        super(url, protocols);
        dialled.push(url);
      }
    };
  });
  afterEach(async () => {
    await closeClients();
    delete global.WebSocket;
  });

  describe.each(versions)('MQTT level %i', (version) => {
    const browserClient = () => makeClient(broker.wsPort!, version, { url: `ws://127.0.0.1:${broker.wsPort}/mqtt` });
    // This file's MqttClient has the browser platform: the TCP peer brings Node's transport.
    const tcpClient = () => makeClient(broker.port, version, { transport: nodeTransport });

    it('connects through globalThis.WebSocket and disconnects with a clean close', async () => {
      const client = browserClient();
      const opened = firstValueFrom(client.events$.pipe(filter((e) => e.type === 'socketOpened')));
      expect((await connected(client)).reasonCode).toBe(0);
      expect(await opened).toEqual({ type: 'socketOpened' });
      expect(dialled).toEqual([`ws://127.0.0.1:${broker.wsPort}/mqtt`]);
      await firstValueFrom(client.disconnect(), { defaultValue: undefined });
      expect((await stateOf(client, 'closed')).type).toBe('closed');
    });

    it.each([0, 1, 2] as const)('QoS %i: a browser client and a TCP client publish to each other', async (qos) => {
      const browser = browserClient();
      const tcp = tcpClient();
      await connected(browser);
      await connected(tcp);
      const topic = `browser/${version}/${qos}`;
      const atTcp = nextValues(tcp.messages$(`${topic}/to-tcp`, { qos }), 1, 'message at the TCP client');
      const atBrowser = nextValues(browser.messages$(`${topic}/to-browser`, { qos }), 1, 'message at the browser client');
      await delay(100);
      await firstValueFrom(browser.publish(`${topic}/to-tcp`, `from the browser at ${qos}`, { qos }));
      await firstValueFrom(tcp.publish(`${topic}/to-browser`, `from tcp at ${qos}`, { qos }));
      const [toTcp] = await atTcp;
      const [toBrowser] = await atBrowser;
      expect([toTcp.text(), toTcp.qos]).toEqual([`from the browser at ${qos}`, qos]);
      expect([toBrowser.text(), toBrowser.qos]).toEqual([`from tcp at ${qos}`, qos]);
      expect(dialled).toHaveLength(1);
    });

    it('a burst of 20,000 QoS 0 publishes of 1 KiB to a broker that stops reading: write blocks, the drain poll resumes it; all arrive, in order', async () => {
      const proxy = await startPausableProxy(broker.wsPort!);
      try {
        const pub = makeClient(proxy.port, version, { url: `ws://127.0.0.1:${proxy.port}/mqtt` });
        const sub = tcpClient();
        await connected(pub);
        await connected(sub);
        const n = 20_000;
        const topic = `browser-burst/${version}`;
        let blocked = 0;
        let drained = 0;
        pub.events$.subscribe((e) => {
          if (e.type === 'backpressure') blocked++;
          if (e.type === 'drained') drained++;
          // The broker reads again once the socket is full.
          if (e.type === 'backpressure' && blocked === 1) setTimeout(proxy.resume, 50);
        });
        const received = lastValueFrom(sub.messages$(topic, { qos: 0 }).pipe(take(n), map((m) => m.payload[0] * 256 + m.payload[1]), toArray()));
        await delay(100);
        proxy.pause();
        const payload = (i: number): Uint8Array => {
          const p = new Uint8Array(1024);
          p[0] = i >> 8;
          p[1] = i % 256;
          return p;
        };
        const sent = await lastValueFrom(range(0, n).pipe(mergeMap((i) => pub.publish(topic, payload(i)), 400), count()));
        expect(sent).toBe(n);
        expect(blocked).toBeGreaterThan(0); // bufferedAmount did reach the mark, so the poll ran
        const order = await received;
        expect(order).toHaveLength(n);
        expect(order.every((v, i) => v === i)).toBe(true);
        await delay(50); // a last drain poll, if the last write blocked
        expect(drained).toBe(blocked);
      } finally {
        await closeClients();
        await proxy.close();
      }
    }, 60_000);
  });

  it('a refused connection is connection-closed', async () => {
    const port = await freePort();
    const client = makeClient(port, 4, { url: `ws://127.0.0.1:${port}` });
    const error = await firstValueFrom(client.connect()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'connection-closed' });
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });

  describe('the constructor refuses what a browser cannot do (invalid-argument)', () => {
    it.each([
      ['an mqtt:// url', { url: 'mqtt://broker:1883' }, /A browser has no TCP sockets/],
      ['an mqtts:// url', { url: 'mqtts://broker' }, /broker protocol is mqtts:\/\//],
      ['no url (mqtt:// by default)', { host: 'broker' }, /A browser has no TCP sockets/],
      ['a tls option without a url (mqtts:// by default)', { tls: {} }, /broker protocol is mqtts:\/\//],
      ['TLS settings with wss://', { url: 'wss://broker/mqtt', tls: { ca: 'PEM' } }, /^The tls option is Node only \(got tls\.ca\)/],
      ['ws.headers', { url: 'wss://broker/mqtt', ws: { headers: { Authorization: 'Bearer x' } } }, /^ws\.headers is Node only/],
      ['bindAddress', { url: 'ws://broker', bindAddress: '127.0.0.1' }, /^bindAddress and bindPort are Node only/],
      ['a proxy', { url: 'wss://broker/mqtt', proxy: 'socks5://127.0.0.1:1080' }, /^The proxy option is Node only/],
    ])('%s', (_what, options, message) => {
      expect(() => new MqttClient(options)).toThrow(expect.objectContaining({ code: 'invalid-argument', message: expect.stringMatching(message) }));
    });

    it('but not with a transport of its own (TestBroker, default mqtt:// options)', async () => {
      const broker = new TestBroker();
      const client = new MqttClient({ transport: broker.transport, clientId: 'in-memory' });
      expect((await firstValueFrom(client.connect())).reasonCode).toBe(0);
      await firstValueFrom(client.disconnect(), { defaultValue: undefined });
    });

    it('ws://, wss:// and ws.path/protocols are accepted', () => {
      expect(() => new MqttClient({ url: 'wss://broker:8884/mqtt?token=x', ws: { protocols: ['mqtt'] } })).not.toThrow();
      expect(() => new MqttClient({ url: 'ws://broker', ws: { path: '/ws' }, tls: undefined })).not.toThrow();
    });
  });
});
