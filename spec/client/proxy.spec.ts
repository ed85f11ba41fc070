/**
 * The client through SOCKS5, SOCKS4/4a and HTTP CONNECT proxies (spec/support/proxy-server.ts)
 * to real brokers: QoS 0/1/2 round trips to aedes and mosquitto, TLS end to end over the
 * tunnel (verified against the broker's name), WebSockets, failures that name the proxy,
 * a silent proxy caught by connectTimeout, and reconnects that go through the proxy again.
 */

import { firstValueFrom, type Subscription } from 'rxjs';
import type { MqttClient, MqttClientOptions, ProtocolVersion } from '../../src';
import type { ConnectionState } from '../../src/client';
import { makeCerts, type TestCerts } from '../support/certs';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto';
import { startProxy, type TestProxy, type TestProxyOptions } from '../support/proxy-server';
import { closeClients, connected, delay, makeClient, nextValues, startBroker, stateOf, type Broker, type BrokerKind } from './helpers';

const proxies: TestProxy[] = [];
async function proxy(options: TestProxyOptions): Promise<TestProxy> {
  const started = await startProxy(options);
  proxies.push(started);
  return started;
}
afterEach(async () => {
  await closeClients();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

/** Subscribes to `topic/#` at QoS 2, publishes at QoS 0, 1 and 2 to itself; resolves with [text, qos] of what came back. */
async function roundTrip(client: MqttClient, topic: string): Promise<Array<[string, number]>> {
  await connected(client);
  const received = nextValues(client.messages$(`${topic}/#`, { qos: 2 }), 3, `messages on ${topic}`);
  await delay(100); // the SUBSCRIBE reaches the broker
  for (const qos of [0, 1, 2] as const) await firstValueFrom(client.publish(`${topic}/${qos}`, `qos ${qos} via proxy`, { qos }));
  return (await received).map((m): [string, number] => [m.text(), m.qos]).sort((a, b) => a[1] - b[1]);
}
/** A client for `url`: makeClient's host and port would win over the URL's. */
const urlClient = (url: string, version: ProtocolVersion, options: MqttClientOptions): MqttClient =>
  makeClient(0, version, { host: undefined, port: undefined, url, ...options });

const ROUND_TRIP = [['qos 0 via proxy', 0], ['qos 1 via proxy', 1], ['qos 2 via proxy', 2]];

/** One proxy setup: the test proxy's options, the client's `proxy` option, the broker host, and what the proxy must have recorded. */
type Setup = [string, TestProxyOptions, (port: number) => MqttClientOptions['proxy'], string, { host: string; addressType: string; username?: string; password?: string }];
const SETUPS: Setup[] = [
  ['SOCKS5', { kind: 'socks5' }, (port) => ({ type: 'socks5', host: '127.0.0.1', port }), '127.0.0.1', { host: '127.0.0.1', addressType: 'ipv4' }],
  ['SOCKS5 with auth (URL), remote DNS', { kind: 'socks5', auth: { username: 'ann', password: 'päss' } }, (port) => `socks5://ann:p%C3%A4ss@127.0.0.1:${port}`, 'localhost', { host: 'localhost', addressType: 'domain', username: 'ann', password: 'päss' }],
  ['SOCKS4 (URL: local DNS)', { kind: 'socks4' }, (port) => `socks4://ann@127.0.0.1:${port}`, 'localhost', { host: '127.0.0.1', addressType: 'ipv4', username: 'ann' }],
  ['SOCKS4a', { kind: 'socks4' }, (port) => ({ type: 'socks4', host: '127.0.0.1', port }), 'localhost', { host: 'localhost', addressType: 'domain' }],
  ['HTTP CONNECT', { kind: 'http' }, (port) => ({ type: 'http', host: '127.0.0.1', port, remoteDns: false }), 'localhost', { host: '127.0.0.1', addressType: 'ipv4' }],
  ['HTTP CONNECT with Basic auth (URL)', { kind: 'http', auth: { username: 'ann', password: 'se:cret' } }, (port) => `http://ann:se%3Acret@127.0.0.1:${port}`, 'localhost', { host: 'localhost', addressType: 'domain', username: 'ann', password: 'se:cret' }],
];

describe.each([
  ['aedes', 4],
  ['mosquitto', 5],
] as Array<[BrokerKind, ProtocolVersion]>)('through a proxy to %s (level %i)', (kind, version) => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker(kind);
  });
  afterAll(() => broker?.close());

  it.each(SETUPS)('%s: QoS 0, 1 and 2 round trip; the proxy was asked for the broker', async (name, server, option, host, recorded) => {
    const p = await proxy(server);
    const client = makeClient(broker.port, version, { host, proxy: option(p.port) });
    expect(await roundTrip(client, `proxy/${kind}/${name.replace(/\W+/g, '-')}`)).toEqual(ROUND_TRIP);
    expect(p.requests).toEqual([expect.objectContaining({ ...recorded, port: broker.port })]);
  });

  it('reconnects through the proxy after it cuts the tunnel; a QoS 1 message published while down is delivered', async () => {
    const p = await proxy({ kind: 'socks5' });
    const topic = `proxy/reconnect/${kind}/${process.pid}`;
    const client = makeClient(broker.port, version, { proxy: { type: 'socks5', host: '127.0.0.1', port: p.port }, reconnect: { minDelay: 100, maxDelay: 200 } });
    const listener = makeClient(broker.port, version);
    const states: string[] = [];
    const subscription: Subscription = client.connectionState$.subscribe((s: ConnectionState) =>
      states.push(s.type === 'reconnecting' ? `reconnecting ${s.error.code}` : s.type),
    );
    try {
      const heard = nextValues(listener.messages$(topic, { qos: 1 }), 1, 'the message published while down', 8000);
      await connected(listener);
      await connected(client);
      await delay(100);

      // Refuse redials for a while, so the publish waits for the proxy to come back.
      p.configure({ behaviour: 'refuse' });
      p.cutAll();
      await stateOf(client, 'reconnecting');
      const sent = firstValueFrom(client.publish(topic, 'published while down', { qos: 1 }));
      await delay(400);
      expect(p.connections()).toBeGreaterThan(2); // refused redials went to the proxy
      p.configure({ behaviour: 'relay' });

      expect((await sent).reasonCode).toBe(0);
      expect((await heard).map((m) => m.text())).toEqual(['published while down']);
      expect(states).toContain('reconnecting connection-closed');
      expect(states.at(-1)).toBe('connected');

      // reconnect() dials through the proxy again too.
      const before = p.requests.length;
      await firstValueFrom(client.reconnect());
      expect(p.requests.length).toBe(before + 1);
    } finally {
      subscription.unsubscribe();
    }
  });
});

describe('TLS and WebSockets through a proxy (mosquitto)', () => {
  let certs: TestCerts;
  let tlsBroker: MosquittoHandle;
  let untrusted: MosquittoHandle;
  let wsBroker: MosquittoHandle;
  let wssBroker: MosquittoHandle;
  beforeAll(async () => {
    certs = await makeCerts();
    const serverTls = { certPath: certs.serverCertPath, keyPath: certs.serverKeyPath };
    [tlsBroker, untrusted, wsBroker, wssBroker] = await Promise.all([
      startMosquitto({ tls: serverTls }),
      startMosquitto({ tls: { certPath: certs.untrustedServerCertPath, keyPath: certs.untrustedServerKeyPath } }),
      startMosquitto({ websockets: {} }),
      startMosquitto({ websockets: { tls: serverTls } }),
    ]);
  });
  afterAll(() => Promise.all([tlsBroker, untrusted, wsBroker, wssBroker].map((b) => b?.close())));

  it.each([
    ['mqtts:// through SOCKS5, the broker named for the proxy and for TLS', 'socks5', () => `mqtts://localhost:${tlsBroker.port}`, 'localhost'],
    ['mqtts:// through HTTP CONNECT, by IP', 'http', () => `mqtts://127.0.0.1:${tlsBroker.port}`, '127.0.0.1'],
    ['mqtts:// through SOCKS4a', 'socks4', () => `mqtts://localhost:${tlsBroker.port}`, 'localhost'],
    ['ws:// through SOCKS5', 'socks5', () => `ws://localhost:${wsBroker.wsPort}/mqtt`, 'localhost'],
    ['ws:// through HTTP CONNECT', 'http', () => `ws://127.0.0.1:${wsBroker.wsPort}`, '127.0.0.1'],
    ['wss:// through SOCKS5', 'socks5', () => `wss://localhost:${wssBroker.wsPort}/mqtt`, 'localhost'],
    ['wss:// through HTTP CONNECT', 'http', () => `wss://localhost:${wssBroker.wsPort}/mqtt`, 'localhost'],
  ] as const)('%s: QoS 0/1/2 round trip', async (name, type, url, host) => {
    const p = await proxy({ kind: type });
    const secure = url().startsWith('mqtts') || url().startsWith('wss');
    const client = urlClient(url(), 5, { proxy: { type, host: '127.0.0.1', port: p.port }, ...(secure ? { tls: { ca: certs.ca } } : {}) });
    expect(await roundTrip(client, `proxy/tls-ws/${name.replace(/\W+/g, '-')}`)).toEqual(ROUND_TRIP);
    expect(p.requests).toEqual([expect.objectContaining({ host })]);
  });

  it('still refuses a broker whose certificate no trusted CA signed (tls-error, through the proxy)', async () => {
    const p = await proxy({ kind: 'socks5' });
    const client = urlClient(`mqtts://localhost:${untrusted.port}`, 4, { tls: { ca: certs.ca }, proxy: { type: 'socks5', host: '127.0.0.1', port: p.port } });
    const error = await firstValueFrom(client.connect()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'tls-error' });
    expect((error as Error).message).toMatch(new RegExp(`^TLS error with localhost:${untrusted.port} via SOCKS5 proxy 127\\.0\\.0\\.1:${p.port}: .*certificate`, 'i'));
    expect(p.requests).toHaveLength(1);
  });

  it('a WebSocket through a refusing proxy fails with the proxy named', async () => {
    const p = await proxy({ kind: 'http', behaviour: 'refuse', refuseWith: 403 });
    const client = urlClient(`ws://127.0.0.1:${wsBroker.wsPort}`, 4, { proxy: `http://127.0.0.1:${p.port}` });
    const error = await firstValueFrom(client.connect()).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'connection-closed',
      message: `Cannot connect to 127.0.0.1:${wsBroker.wsPort} via HTTP proxy 127.0.0.1:${p.port}: the proxy refused the tunnel (HTTP 403 Forbidden)`,
    });
  });
});

describe('proxy failures, as the client reports them', () => {
  it.each([
    ['SOCKS5', 'socks5', /the proxy refused the username and password \(RFC 1929 status 0x01\)$/],
    ['HTTP', 'http', /the proxy refused the credentials \(HTTP 407 Proxy Authentication Required\)$/],
  ] as const)('%s refusing the credentials: connection-closed naming proxy and reason, no MQTT byte sent, disconnected', async (name, type, reason) => {
    const p = await proxy({ kind: type, auth: { username: 'ann', password: 'right' } });
    const client = makeClient(1883, 4, { proxy: { type, host: '127.0.0.1', port: p.port, username: 'ann', password: 'wrong' } });
    const error = await firstValueFrom(client.connect()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'connection-closed' });
    expect((error as Error).message).toMatch(new RegExp(`^Cannot connect to 127\\.0\\.0\\.1:1883 via ${name} proxy 127\\.0\\.0\\.1:${p.port}: `));
    expect((error as Error).message).toMatch(reason);
    expect((await firstValueFrom(client.connectionState$)).type).toBe('disconnected');
    await delay(50);
    expect(p.bytesAfterRefusal()).toBe(0);
  });

  it.each([
    ['mqtt://', 'socks5', 'mqtt://127.0.0.1:1883'],
    ['mqtts://', 'http', 'mqtts://127.0.0.1:8883'],
    ['ws://', 'socks4', 'ws://127.0.0.1:8080'],
  ] as const)('a proxy that accepts and says nothing (%s): connect-timeout within connectTimeout', async (_scheme, type, url) => {
    const p = await proxy({ kind: type, behaviour: 'hang' });
    const client = urlClient(url, 4, { connectTimeout: 500, proxy: { type, host: '127.0.0.1', port: p.port } });
    const started = Date.now();
    const error = await firstValueFrom(client.connect()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'connect-timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(p.connections()).toBe(1);
  });
});
