/**
 * Small real proxy servers for the specs: SOCKS5 (RFC 1928, RFC 1929 auth), SOCKS4/4a
 * and HTTP CONNECT, each a TCP relay on 127.0.0.1 and a free port. They record what
 * every client asked (target host and port, address type, authentication), and can be
 * told to refuse, to answer garbage, to hang, to close mid-handshake, to dribble their
 * replies a byte at a time, or to send their reply and the target's first bytes in one
 * write. The protocol details are in proxy-protocols.ts.
 */

import * as net from 'node:net';
import { serveHttpConnect, serveSocks4, serveSocks5, SocketReader } from './proxy-protocols';

export type ProxyKind = 'socks5' | 'socks4' | 'http';

/**
 * - `relay`: do as asked.
 * - `refuse`: refuse the CONNECT (`refuseWith`: a SOCKS5 reply code, a SOCKS4 code or an HTTP status).
 * - `garbage`: answer the first message with bytes no proxy would send.
 * - `hang`: accept the TCP connection, read, say nothing.
 * - `close`: close the connection after reading the first message.
 */
export type ProxyBehaviour = 'relay' | 'refuse' | 'garbage' | 'hang' | 'close';

export interface TestProxyOptions {
  kind: ProxyKind;
  /** Required credentials: SOCKS5 username/password, HTTP Basic; SOCKS4 checks `username` as the userid. */
  auth?: { username: string; password?: string };
  behaviour?: ProxyBehaviour;
  refuseWith?: number;
  /** Where a request goes (default: as asked, host names over IPv4). */
  route?: (host: string, port: number) => { host: string; port: number };
  /** Write each reply a byte at a time, so the client reads it in pieces. */
  dribble?: boolean;
  /** Hold the success reply until the target's first bytes arrive, and write both at once. */
  coalesce?: boolean;
}

export interface ProxyRequest {
  host: string;
  port: number;
  addressType: 'ipv4' | 'ipv6' | 'domain';
  /** SOCKS5: the authentication methods the client offered. */
  methods?: number[];
  /** SOCKS5 RFC 1929 user name, SOCKS4 userid, or HTTP Basic user name, as received. */
  username?: string;
  password?: string;
  /** HTTP: the request head as received. */
  head?: string;
}

export interface TestProxy {
  port: number;
  /** Every CONNECT request, in order. */
  requests: ProxyRequest[];
  /** TCP connections accepted so far. */
  connections(): number;
  /** Bytes clients sent after the proxy refused them or answered garbage (a client should send none). */
  bytesAfterRefusal(): number;
  /** Destroy every connection (clients and targets), keep listening. */
  cutAll(): void;
  /** Change how the proxy behaves from the next connection on (e.g. refuse for a while). */
  configure(options: Partial<TestProxyOptions>): void;
  close(): Promise<void>;
}

/** What a protocol handler may use: the options, the record, and the relay. */
export interface ProxyContext {
  options: TestProxyOptions;
  client: net.Socket;
  reader: SocketReader;
  record(request: ProxyRequest): void;
  /** The proxy refused or answered garbage: from now on count what the client still sends. */
  refused(): void;
  /** Write a reply (a byte at a time with `dribble`). */
  reply(bytes: Buffer): Promise<void>;
  /** Connect to the target; then `success(bound)` is written and bytes are relayed. Resolves false if the target is unreachable. */
  relay(host: string, port: number, success: (bound: net.AddressInfo) => Buffer): Promise<boolean>;
}

export function startProxy(initial: TestProxyOptions): Promise<TestProxy> {
  const options = { ...initial };
  const requests: ProxyRequest[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  let afterRefusal = 0;
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  };

  const server = net.createServer((client) => {
    connections++;
    track(client);
    client.setNoDelay(true);
    const reader = new SocketReader(client);
    const context: ProxyContext = {
      options: { ...options },
      client,
      reader,
      record: (request) => requests.push(request),
      refused: () => reader.onBytes((n) => (afterRefusal += n)),
      reply: async (bytes) => {
        if (!options.dribble) return void client.write(bytes);
        for (const byte of bytes) {
          client.write(Buffer.of(byte));
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      },
      relay: (host, port, success) => relay(context, track, host, port, success),
    };
    const serve = options.kind === 'socks5' ? serveSocks5 : options.kind === 'socks4' ? serveSocks4 : serveHttpConnect;
    serve(context).catch(() => client.destroy());
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      let closing: Promise<void> | undefined;
      resolve({
        port: (server.address() as net.AddressInfo).port,
        requests,
        connections: () => connections,
        bytesAfterRefusal: () => afterRefusal,
        cutAll: () => {
          for (const socket of sockets) socket.destroy();
        },
        configure: (changes) => void Object.assign(options, changes),
        close() {
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          });
          return closing;
        },
      });
    });
  });
}

async function relay(
  context: ProxyContext,
  track: (socket: net.Socket) => void,
  host: string,
  port: number,
  success: (bound: net.AddressInfo) => Buffer,
): Promise<boolean> {
  const { options, client, reader } = context;
  const to = options.route?.(host, port) ?? { host, port };
  const upstream = net.connect({ host: to.host, port: to.port, ...(net.isIP(to.host) === 0 ? { family: 4 } : {}) });
  track(upstream);
  const connected = await new Promise<boolean>((resolve) => {
    upstream.once('connect', () => resolve(true));
    upstream.once('error', () => resolve(false));
  });
  if (!connected) return false;
  upstream.setNoDelay(true);
  let reply = success(upstream.address() as net.AddressInfo);
  if (options.coalesce) {
    const first = await new Promise<Buffer>((resolve) =>
      upstream.once('data', (chunk: Buffer) => {
        upstream.pause();
        resolve(chunk);
      }),
    );
    reply = Buffer.concat([reply, first]);
  }
  await context.reply(reply);
  const early = reader.detach();
  if (early.length > 0) upstream.write(early);
  client.on('data', (chunk: Buffer) => upstream.write(chunk));
  upstream.on('data', (chunk: Buffer) => client.write(chunk));
  upstream.resume();
  client.once('close', () => upstream.destroy());
  upstream.once('close', () => client.destroy());
  return true;
}
