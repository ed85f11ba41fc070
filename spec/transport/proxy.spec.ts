/**
 * The TCP and TLS transports through real proxies (spec/support/proxy-server.ts) to
 * aedes and to raw loopback servers: what each proxy is asked, replies read in pieces,
 * the broker's bytes that share a read with the proxy's reply, and every failure named.
 */

import * as net from 'node:net';
import * as tls from 'node:tls';
import { MqttError } from '../../src/errors';
import { tcpTransport, tlsTransport, type ProxyOptions, type SocketEvent } from '../../src/transport';
import { startAedes, type AedesHandle } from '../support/aedes';
import { makeCerts } from '../support/certs';
import { freePort } from '../support/ports';
import { startProxy, type TestProxy, type TestProxyOptions } from '../support/proxy-server';
import { failure as failureOf, handshake as handshakeOf } from './helpers';

/** `promise`, or a rejection naming `what` after `ms`: a broken tunnel fails its spec quickly, not at jest's timeout. */
function within<T>(promise: Promise<T>, what: string, ms = 3000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
const handshake = (transport: Parameters<typeof handshakeOf>[0]) => within(handshakeOf(transport), 'CONNACK through the tunnel');
const failure = (transport: Parameters<typeof failureOf>[0]) => within(failureOf(transport), 'failure');

const CONNACK = [0x20, 0x02, 0x00, 0x00];

let aedes: AedesHandle;
const proxies: TestProxy[] = [];
const servers: net.Server[] = [];

async function proxy(options: TestProxyOptions): Promise<TestProxy> {
  const started = await startProxy(options);
  proxies.push(started);
  return started;
}

/** A loopback server that writes `greeting` as soon as a client connects (a broker never speaks first; this one does). */
async function speakingServer(greeting: Uint8Array, secure?: tls.TlsOptions): Promise<number> {
  const onConnection = (socket: net.Socket): void => {
    socket.on('error', () => undefined);
    socket.write(greeting);
  };
  const server = secure ? tls.createServer(secure, onConnection) : net.createServer(onConnection);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

beforeAll(async () => {
  aedes = await startAedes();
});
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});
afterAll(() => aedes.close());

const via = (p: TestProxy, options: Omit<ProxyOptions, 'host'> & { host?: string }): ProxyOptions => ({ host: '127.0.0.1', port: p.port, ...options });

describe('tcpTransport through a proxy', () => {
  it.each([
    ['SOCKS5', { kind: 'socks5' }, { type: 'socks5' }],
    ['SOCKS5 with username/password', { kind: 'socks5', auth: { username: 'ann', password: 'pässwörd' } }, { type: 'socks5', username: 'ann', password: 'pässwörd' }],
    ['SOCKS4', { kind: 'socks4' }, { type: 'socks4', username: 'ann' }],
    ['HTTP CONNECT', { kind: 'http' }, { type: 'http' }],
    ['HTTP CONNECT with Basic auth', { kind: 'http', auth: { username: 'ann', password: 'x:y' } }, { type: 'http', username: 'ann', password: 'x:y' }],
  ] as const)('%s: CONNECT gets CONNACK from aedes; the proxy was asked for the broker', async (_name, server, client) => {
    const p = await proxy(server);
    const { connack, opened } = await handshake(tcpTransport({ host: '127.0.0.1', port: aedes.port, proxy: via(p, client) }));
    expect(connack).toEqual(CONNACK);
    // The socket's peer is the proxy.
    expect(opened.remotePort).toBe(p.port);
    expect(p.requests).toEqual([expect.objectContaining({ host: '127.0.0.1', port: aedes.port, addressType: 'ipv4' })]);
    if ('auth' in server) expect(p.requests[0]).toMatchObject({ username: 'ann', password: (client as { password?: string }).password });
  });

  it.each([
    ['socks5', true, 'domain', 'localhost'],
    ['socks5', false, 'ipv4', '127.0.0.1'],
    ['socks4', true, 'domain', 'localhost'],
    ['socks4', false, 'ipv4', '127.0.0.1'],
    ['http', true, 'domain', 'localhost'],
    ['http', false, 'ipv4', '127.0.0.1'],
  ] as const)('%s with remoteDns %s sends the broker as %s', async (type, remoteDns, addressType, host) => {
    const p = await proxy({ kind: type });
    const { connack } = await handshake(tcpTransport({ host: 'localhost', port: aedes.port, proxy: via(p, { type, remoteDns }) }));
    expect(connack).toEqual(CONNACK);
    expect(p.requests[0]).toMatchObject({ host, port: aedes.port, addressType });
  });

  it('SOCKS5 and HTTP carry an IPv6 broker address (ATYP 4, [::1])', async () => {
    for (const kind of ['socks5', 'http'] as const) {
      const p = await proxy({ kind, route: () => ({ host: '127.0.0.1', port: aedes.port }) });
      const { connack } = await handshake(tcpTransport({ host: '::1', port: 1883, proxy: via(p, { type: kind }) }));
      expect(connack).toEqual(CONNACK);
      expect(p.requests[0]).toMatchObject({ host: '::1', port: 1883, addressType: 'ipv6' });
    }
  });

  it.each(['socks5', 'socks4', 'http'] as const)('%s: replies dribbled a byte at a time still open the tunnel', async (kind) => {
    const p = await proxy({ kind, dribble: true, ...(kind === 'socks5' ? { auth: { username: 'u', password: 'p' } } : {}) });
    const { connack } = await handshake(tcpTransport({ host: '127.0.0.1', port: aedes.port, proxy: via(p, { type: kind, username: 'u', ...(kind === 'socks4' ? {} : { password: 'p' }) }) }));
    expect(connack).toEqual(CONNACK);
  });

  it.each(['socks5', 'socks4', 'http'] as const)('%s: bytes in the same read as the reply are the broker\'s, after opened', async (kind) => {
    const target = await speakingServer(Uint8Array.from(CONNACK));
    const p = await proxy({ kind, coalesce: true });
    const events: SocketEvent['type'][] = [];
    const bytes: number[] = [];
    let arrived: () => void = () => undefined;
    const fourBytes = new Promise<void>((resolve) => (arrived = resolve));
    const sub = tcpTransport({ host: '127.0.0.1', port: target, proxy: via(p, { type: kind }) }).subscribe({
      next: (event) => {
        events.push(event.type);
        if (event.type === 'data') bytes.push(...event.bytes);
        if (bytes.length >= 4) arrived();
      },
    });
    try {
      // Late or never: the expectations below say what came instead.
      await within(fourBytes, "the target's bytes", 1000).catch(() => undefined);
    } finally {
      sub.unsubscribe();
    }
    expect(events[0]).toBe('opened');
    expect(bytes).toEqual(CONNACK);
  });
});

describe('failures through a proxy', () => {
  const fails = async (options: TestProxyOptions, client: Omit<ProxyOptions, 'host'>): Promise<{ error: MqttError; p: TestProxy }> => {
    const p = await proxy(options);
    const error = (await failure(tcpTransport({ host: '127.0.0.1', port: aedes.port, proxy: via(p, client) }))) as MqttError;
    expect(error).toBeInstanceOf(MqttError);
    return { error, p };
  };
  const named = (p: TestProxy, type: string): string => `Cannot connect to 127.0.0.1:${aedes.port} via ${type} proxy 127.0.0.1:${p.port}: `;

  it('an unreachable proxy', async () => {
    const port = await freePort();
    const error = (await failure(tcpTransport({ host: '127.0.0.1', port: 1883, proxy: { type: 'socks5', host: '127.0.0.1', port } }))) as MqttError;
    expect(error.code).toBe('connection-closed');
    expect(error.message).toBe(`Cannot connect to 127.0.0.1:1883 via SOCKS5 proxy 127.0.0.1:${port}: cannot reach the proxy: connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it.each([
    ['socks5', 'SOCKS5', 4, 'the proxy could not connect: host unreachable (SOCKS5 reply 0x04)'],
    ['socks4', 'SOCKS4', 91, 'the proxy refused: request rejected or failed (SOCKS4 reply 91)'],
    ['http', 'HTTP', 403, 'the proxy refused the tunnel (HTTP 403 Forbidden)'],
    ['http', 'HTTP', 502, 'the proxy refused the tunnel (HTTP 502 Bad Gateway)'],
  ] as const)('%s refusing the CONNECT (%s %i)', async (kind, type, code, reason) => {
    const { error, p } = await fails({ kind, behaviour: 'refuse', refuseWith: code }, { type: kind });
    expect(error.code).toBe('connection-closed');
    expect(error.message).toBe(named(p, type) + reason);
  });

  it.each([
    ['socks5', 'a wrong password', 'SOCKS5', { username: 'ann', password: 'wrong' }, 'the proxy refused the username and password (RFC 1929 status 0x01)'],
    ['socks5', 'no credentials', 'SOCKS5', {}, 'the proxy accepts none of our authentication methods (offered: no authentication; it may want a username and password)'],
    ['http', 'a wrong password', 'HTTP', { username: 'ann', password: 'wrong' }, 'the proxy refused the credentials (HTTP 407 Proxy Authentication Required)'],
    ['http', 'no credentials', 'HTTP', {}, 'the proxy requires authentication (HTTP 407 Proxy Authentication Required)'],
    ['socks4', 'a wrong userid', 'SOCKS4', { username: 'bob' }, 'the proxy refused: request rejected or failed (SOCKS4 reply 91)'],
  ] as const)('%s refusing %s: named, and no MQTT byte sent', async (kind, _what, type, credentials, reason) => {
    const { error, p } = await fails({ kind, auth: { username: 'ann', password: 'right' } }, { type: kind, ...credentials });
    expect(error.message).toBe(named(p, type) + reason);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(p.bytesAfterRefusal()).toBe(0);
  });

  it.each([
    ['socks5', 'SOCKS5', 'not a SOCKS5 reply (version 0x48): is it a SOCKS5 proxy?'],
    ['socks4', 'SOCKS4', 'not a SOCKS4 reply (version 0x48): is it a SOCKS4 proxy?'],
    ['http', 'HTTP', 'not an HTTP response: "HTTP nonsense\\r"'],
  ] as const)('%s answering garbage', async (kind, type, reason) => {
    const { error, p } = await fails({ kind, behaviour: 'garbage' }, { type: kind });
    expect(error.message).toBe(named(p, type) + reason);
    expect(p.bytesAfterRefusal()).toBe(0);
  });

  it.each(['socks5', 'socks4', 'http'] as const)('%s closing mid-handshake', async (kind) => {
    const { error } = await fails({ kind, behaviour: 'close' }, { type: kind });
    expect(error.code).toBe('connection-closed');
    expect(error.message).toMatch(/the proxy closed the connection during the handshake$/);
  });

  it('a broker name that does not resolve locally (remoteDns false)', async () => {
    const p = await proxy({ kind: 'socks5' });
    const error = (await failure(tcpTransport({ host: 'no-such-host.invalid', port: 1883, proxy: via(p, { type: 'socks5', remoteDns: false }) }))) as MqttError;
    expect(error.code).toBe('connection-closed');
    expect(error.message).toMatch(/cannot resolve no-such-host\.invalid locally \(remoteDns is false\): .*ENOTFOUND/);
    expect(p.requests).toEqual([]);
  });
});

describe('tlsTransport through a proxy', () => {
  it('refuses bytes the proxy sends after its reply, before TLS began', async () => {
    // A TLS server waits for the ClientHello: only a wrong peer speaks first.
    const certs = await makeCerts();
    const target = await speakingServer(Uint8Array.of(1, 2, 3));
    const p = await proxy({ kind: 'http', coalesce: true });
    const error = (await failure(tlsTransport({ host: '127.0.0.1', port: target, tls: { ca: certs.ca }, proxy: via(p, { type: 'http' }) }))) as MqttError;
    expect(error.code).toBe('connection-closed');
    expect(error.message).toMatch(/the proxy sent \d+ bytes after its reply, before our first one$/);
  });
});
