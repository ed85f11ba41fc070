/**
 * `srvTransport` against a real DNS server (spec/support/dns-server.ts, on loopback) through
 * Node's own resolver (`dns.setServers` points the default lookup at it), dialling real
 * TCP and TLS listeners: which targets are tried and in which order, what each failure
 * says, and that no failure hangs.
 */

import * as dns from 'node:dns';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { asyncScheduler, firstValueFrom, NEVER } from 'rxjs';
import { MqttError } from '../../src/errors';
import { nodeSrvResolver } from '../../src/transport/srv-node';
import { srvTransport, type SrvDialConfig, type SrvRecord } from '../../src/transport/srv';
import { tcpTransport } from '../../src/transport/tcp';
import { tlsTransport } from '../../src/transport/tls';
import type { SocketEvent, Transport } from '../../src/transport/types';
import { makeCerts, type TestCerts } from '../support/certs';
import { startDnsServer, type DnsServer } from '../support/dns-server';
import { freePort } from '../support/ports';

/** A TCP listener on 127.0.0.1 that counts connections and never sends a byte. */
async function listener(): Promise<{ port: number; accepted: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const handle = { port: 0, accepted: 0, close: () => Promise.resolve() };
  const server = net.createServer((socket) => {
    handle.accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  handle.port = (server.address() as net.AddressInfo).port;
  handle.close = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return handle;
}

/** The first event or the error, whichever comes; the socket is destroyed after. */
async function outcome(transport: Transport): Promise<SocketEvent | MqttError> {
  return firstValueFrom(transport).catch((error: MqttError) => error);
}

describe('srvTransport with Node’s resolver and a real DNS server', () => {
  let server: DnsServer;
  let servers: string[];
  let open: Awaited<ReturnType<typeof listener>>;
  let closedPort: number;
  let tried: string[];
  let domainCounter = 0;
  /** A fresh domain per test: nothing cached or left over from another test. */
  let domain: string;

  const config = (overrides: Partial<SrvDialConfig> = {}): SrvDialConfig => ({
    domain,
    service: '_mqtt._tcp',
    resolve: nodeSrvResolver,
    dial: ({ host, port }) => {
      tried.push(`${host}:${port}`);
      return tcpTransport({ host, port });
    },
    scheduler: asyncScheduler,
    timeout: 2000,
    ...overrides,
  });

  beforeAll(async () => {
    server = await startDnsServer();
    servers = dns.getServers();
    dns.setServers([server.address]);
    open = await listener();
    closedPort = await freePort();
  });
  afterAll(async () => {
    dns.setServers(servers);
    await Promise.all([server?.close(), open?.close()]);
  });
  beforeEach(() => {
    tried = [];
    domain = `srv${++domainCounter}.rxmqtt.test`;
  });

  it('looks up _mqtt._tcp.<domain> through dns.promises and opens the target it names', async () => {
    server.set(`_mqtt._tcp.${domain}`, { srv: [{ priority: 10, weight: 5, port: open.port, target: 'localhost' }] });
    const event = await outcome(srvTransport(config()));
    expect(event).toMatchObject({ type: 'opened', remotePort: open.port });
    expect(server.queries).toContainEqual({ name: `_mqtt._tcp.${domain}`, type: 'SRV' });
    expect(tried).toEqual([`localhost:${open.port}`]);
  });

  it('tries the lowest priority first and falls back to the next when it is refused', async () => {
    server.set(`_mqtt._tcp.${domain}`, {
      srv: [
        { priority: 20, weight: 100, port: open.port, target: 'localhost' },
        { priority: 10, weight: 0, port: closedPort, target: '127.0.0.1' },
      ],
    });
    const event = await outcome(srvTransport(config()));
    expect(event).toMatchObject({ type: 'opened', remotePort: open.port });
    expect(tried).toEqual([`127.0.0.1:${closedPort}`, `localhost:${open.port}`]);
  });

  it('when every target fails: one error naming the domain and each target with its failure, in order', async () => {
    const otherClosed = await freePort();
    server.set(`_mqtt._tcp.${domain}`, {
      srv: [
        { priority: 1, weight: 0, port: closedPort, target: '127.0.0.1' },
        { priority: 2, weight: 0, port: otherClosed, target: 'localhost' },
      ],
    });
    const error = await outcome(srvTransport(config()));
    expect(error).toBeInstanceOf(MqttError);
    expect(error).toMatchObject({ code: 'connection-closed' });
    const message = (error as MqttError).message;
    expect(message).toContain(domain);
    expect(message).toMatch(new RegExp(`1\\. 127\\.0\\.0\\.1:${closedPort}: Cannot connect .*ECONNREFUSED.*; 2\\. localhost:${otherClosed}: Cannot connect .*ECONNREFUSED`));
    const cause = (error as Error).cause as AggregateError;
    expect(cause).toBeInstanceOf(AggregateError);
    expect(cause.errors).toHaveLength(2);
    expect(tried).toEqual([`127.0.0.1:${closedPort}`, `localhost:${otherClosed}`]);
  });

  it('a lone "." target: the service is not available, and nothing is dialled', async () => {
    server.set(`_mqtt._tcp.${domain}`, { srv: [{ priority: 0, weight: 0, port: 1883, target: '.' }] });
    const error = await outcome(srvTransport(config()));
    expect(error).toMatchObject({ code: 'connection-closed', message: expect.stringMatching(/service is not available.*target "\."/) });
    expect(tried).toEqual([]);
  });

  it.each([
    ['NXDOMAIN', 'nxdomain' as const, /no such domain \(NXDOMAIN, ENOTFOUND\)/],
    ['an answer without records', 'empty' as const, /no SRV records \(ENODATA\)/],
    ['SERVFAIL', 'servfail' as const, /SERVFAIL/],
  ])('%s: connection-closed naming the SRV name and why, nothing dialled', async (_what, entry, why) => {
    server.set(`_mqtt._tcp.${domain}`, entry);
    const started = Date.now();
    const error = await outcome(srvTransport(config()));
    expect(error).toMatchObject({ code: 'connection-closed' });
    expect((error as Error).message).toContain(`DNS SRV lookup of _mqtt._tcp.${domain} failed`);
    expect((error as Error).message).toMatch(why);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(tried).toEqual([]);
  });

  // About 4 s: it waits for the retry a query still running would make.
  it('a DNS server that never answers: connect-timeout after the timeout, and the lookup is cancelled', async () => {
    server.set(`_mqtt._tcp.${domain}`, 'silent');
    const started = Date.now();
    const error = await outcome(srvTransport(config({ timeout: 300 })));
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ code: 'connect-timeout', message: `No answer to the DNS SRV lookup of _mqtt._tcp.${domain} within 300 ms` });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
    // Cancelled, not left to Node's own retries: c-ares asks again about 3 s after the
    // first query (then at 7 s, 12 s, and gives up at 22 s), unless cancelled.
    const asked = () => server.queries.filter((q) => q.name === `_mqtt._tcp.${domain}`).length;
    expect(asked()).toBe(1);
    await new Promise((r) => setTimeout(r, 3600 - elapsed));
    expect(asked()).toBe(1);
  });

  it('aborts the lookup when unsubscribed while it runs', async () => {
    let signal: AbortSignal | undefined;
    const transport = srvTransport(config({ resolve: (_name, options) => ((signal = options.signal), new Promise<SrvRecord[]>(() => {})) }));
    const subscription = transport.subscribe({ error: () => {} });
    expect(signal?.aborted).toBe(false);
    subscription.unsubscribe();
    expect(signal?.aborted).toBe(true);
  });

  it('takes a custom resolver as it is: a trailing dot is dropped, malformed records are skipped', async () => {
    const names: string[] = [];
    const resolve = async (name: string): Promise<SrvRecord[]> => {
      names.push(name);
      return [
        { name: 'localhost.', port: open.port, priority: 5, weight: 1 },
        { name: 'nowhere', port: 0, priority: 1, weight: 1 },
        { name: 'nowhere', port: 1883, priority: -1, weight: 1 },
      ];
    };
    const event = await outcome(srvTransport(config({ resolve, service: '_secure-mqtt._tcp' })));
    expect(event).toMatchObject({ type: 'opened' });
    expect(names).toEqual([`_secure-mqtt._tcp.${domain}`]);
    expect(tried).toEqual([`localhost:${open.port}`]);
  });

  it('a resolver that throws or rejects fails the dial with connection-closed, never a crash', async () => {
    const thrown = await outcome(srvTransport(config({ resolve: () => { throw new Error('no DoH today'); } })));
    expect(thrown).toMatchObject({ code: 'connection-closed', message: `DNS SRV lookup of _mqtt._tcp.${domain} failed: no DoH today` });
    const rejected = await outcome(srvTransport(config({ resolve: () => Promise.reject(new Error('HTTP 503')) })));
    expect(rejected).toMatchObject({ code: 'connection-closed', message: expect.stringMatching(/HTTP 503$/) });
  });

  describe('each target gets its own timeout', () => {
    let certs: TestCerts;
    let silent: Awaited<ReturnType<typeof listener>>;
    let secure: tls.Server;
    let securePort: number;

    beforeAll(async () => {
      certs = await makeCerts();
      silent = await listener();
      secure = tls.createServer({ cert: fs.readFileSync(certs.serverCertPath), key: fs.readFileSync(certs.serverKeyPath) }, (socket) => socket.on('error', () => {}));
      await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
      securePort = (secure.address() as net.AddressInfo).port;
    });
    afterAll(async () => {
      await silent?.close();
      await new Promise<void>((resolve) => (secure ? secure.close(() => resolve()) : resolve()));
    });

    it('a TLS target that accepts TCP but never answers the handshake is abandoned after the timeout; the next one connects', async () => {
      server.set(`_secure-mqtt._tcp.${domain}`, {
        srv: [
          { priority: 1, weight: 0, port: silent.port, target: 'localhost' },
          { priority: 2, weight: 0, port: securePort, target: 'localhost' },
        ],
      });
      const dial = ({ host, port }: { host: string; port: number }): Transport => {
        tried.push(`${host}:${port}`);
        return tlsTransport({ host, port, tls: { ca: certs.ca } });
      };
      const started = Date.now();
      const event = await outcome(srvTransport(config({ service: '_secure-mqtt._tcp', dial, timeout: 400 })));
      expect(event).toMatchObject({ type: 'opened', remotePort: securePort });
      expect(Date.now() - started).toBeGreaterThanOrEqual(390);
      expect(silent.accepted).toBe(1);
      expect(tried).toEqual([`localhost:${silent.port}`, `localhost:${securePort}`]);
    });

    it('every target timing out: connect-timeout, each named', async () => {
      server.set(`_mqtt._tcp.${domain}`, {
        srv: [
          { priority: 1, weight: 0, port: 1111, target: 'a.example' },
          { priority: 2, weight: 0, port: 2222, target: 'b.example' },
        ],
      });
      const error = await outcome(srvTransport(config({ dial: () => NEVER, timeout: 100 })));
      expect(error).toMatchObject({
        code: 'connect-timeout',
        message: expect.stringMatching(/a\.example:1111: No connection to a\.example:1111 within 100 ms; 2\. b\.example:2222: No connection/),
      });
    });
  });
});
