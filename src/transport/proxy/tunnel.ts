/**
 * A TCP connection to the broker through a SOCKS or HTTP CONNECT proxy: the Node side
 * of the sans-IO handshakes (handshake.ts, socks.ts, http-connect.ts). Node only.
 *
 * Theory of operation: a `Tunnel` dials the proxy (from `bindAddress`/`bindPort`), and
 * with `remoteDns: false` resolves the broker's host name meanwhile. Once both are done
 * it runs the handshake: writes what the handshake asks, feeds it what the proxy sends.
 * When the proxy reports the tunnel up, `ready` is called, and the socket is the
 * broker's: the TCP transport takes its reads (`takeReads`), TLS is started over it
 * (`startTls`), or it is handed to the WebSocket's HTTP request (`socket`). Any failure
 * before that (proxy unreachable, refusing, failing authentication, closing, breaking
 * its protocol, a name that does not resolve) calls `failed` once, with a
 * `connection-closed` MqttError naming the broker, the proxy and the reason.
 *
 * Reads. With `fastReads` (plain MQTT over TCP) the socket reads through Node's `onread`
 * into one reused buffer, as tcp.ts does without a proxy: the same read callback first
 * feeds the handshake, then, after `takeReads`, the transport's reader. After the
 * handshake a read costs one indirect call more than without a proxy: no copy, no
 * stream, no check per message. Bytes that came in the read that ended the proxy's
 * reply are the broker's (`rest`): the transport delivers them right after `opened`.
 * Without `fastReads` (TLS, WebSocket) the handshake reads 'data' events; the listener
 * is removed when the tunnel is up and TLS or HTTP reads the socket from then on. Those
 * protocols start with the client, so a byte after the proxy's reply can only be wrong:
 * it fails the tunnel rather than being lost.
 *
 * Timeouts: none here. The client's `connectTimeout` runs from the dial to `opened`,
 * which a tunnelled transport emits only after the proxy handshake (and TLS), so a
 * proxy that accepts and then says nothing fails with `connect-timeout`.
 */

import * as dns from 'node:dns';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Observable, type Subscription } from 'rxjs';
import { MqttError } from '../../errors';
import { hostPort, WRITE_HIGH_WATER_MARK } from '../common';
import type { ProxyOptions, SocketEvent, Transport, TransportOptions } from '../types';
import { ipFamily } from './address';
import { assertNever } from '../../util/assert-never';
import { ProxyError, type HandshakeStep, type ProxyHandshake, type TunnelTarget } from './handshake';
import { HttpConnectHandshake } from './http-connect';
import { DEFAULT_PROXY_PORTS, proxyLabel } from './options';
import { Socks4Handshake, Socks5Handshake } from './socks';

/** Bytes per `onread` call, as tcp.ts. */
const READ_BUFFER = 64 * 1024;
const EMPTY = new Uint8Array(0);

export interface TunnelPorts {
  ready(): void;
  failed(error: MqttError): void;
}

type Reader = (nread: number, buffer: Uint8Array) => void;

export class Tunnel {
  readonly socket: net.Socket;
  /** `broker:port via SOCKS5 proxy proxy:port`, for messages. */
  readonly label: string;
  /** Bytes that followed the proxy's reply: the broker's (only with `fastReads`). */
  rest: Uint8Array = EMPTY;
  private state: 'dialling' | 'handshaking' | 'ready' | 'over' = 'dialling';
  private connected = false;
  private target: TunnelTarget | undefined;
  private handshake: ProxyHandshake | undefined;
  /** Where `onread` delivers: the handshake, then the transport (see the header). */
  private reader: Reader = (nread, buffer) => this.received(buffer.subarray(0, nread));

  constructor(
    options: TransportOptions,
    private readonly proxy: ProxyOptions,
    private readonly fastReads: boolean,
    private readonly ports: TunnelPorts,
  ) {
    const { host, port, bindAddress, bindPort } = options;
    const proxyPort = proxy.port ?? DEFAULT_PROXY_PORTS[proxy.type];
    this.label = `${hostPort(host, port)} via ${proxyLabel(proxy)}`;
    const resolveHere = proxy.remoteDns === false && ipFamily(host) === 0;
    if (!resolveHere) this.target = { host, port };

    // May throw for options Node cannot use (a bad bind address): the caller reports it.
    this.socket = net.connect({
      ...({ writableHighWaterMark: WRITE_HIGH_WATER_MARK } as object),
      host: proxy.host,
      port: proxyPort,
      localAddress: bindAddress,
      localPort: bindPort,
      noDelay: true,
      ...(fastReads
        ? {
            onread: {
              buffer: new Uint8Array(READ_BUFFER),
              callback: (nread: number, buffer: Uint8Array) => {
                this.reader(nread, buffer);
                return true;
              },
            },
          }
        : {}),
    });
    if (!fastReads) this.socket.on('data', this.onData);
    this.socket.once('connect', () => {
      this.connected = true;
      this.start();
    });
    // Stays after the hand-over: a late error without a listener would crash the process.
    this.socket.on('error', (error: Error) => {
      this.fail(this.connected ? `the connection to the proxy failed: ${error.message}` : `cannot reach the proxy: ${error.message}`, error);
    });
    this.socket.once('close', () => this.fail('the proxy closed the connection during the handshake'));

    if (resolveHere) {
      // SOCKS4 carries IPv4 only; the others take what the system prefers.
      dns.lookup(host, { family: proxy.type === 'socks4' ? 4 : 0 }, (error, address) => {
        if (error) return this.fail(`cannot resolve ${host} locally (remoteDns is false): ${error.message}`, error);
        this.target = { host: address, port };
        this.start();
      });
    }
  }

  /** TCP: the tunnelled socket; its reads go to `read` from now on. */
  takeReads(read: Reader): net.Socket {
    this.reader = read;
    return this.socket;
  }

  /** mqtts://, wss://: TLS over the tunnel, with the broker's name for SNI and verification. */
  startTls(options: tls.ConnectionOptions): tls.TLSSocket {
    return tls.connect({ ...options, socket: this.socket });
  }

  /** Destroys the socket; nothing is reported any more. */
  destroy(): void {
    this.state = 'over';
    this.socket.destroy();
  }

  private readonly onData = (chunk: Uint8Array): void => this.received(chunk);

  private start(): void {
    if (this.state !== 'dialling' || !this.connected || this.target === undefined) return;
    const handshake = proxyHandshake(this.proxy, this.target);
    this.handshake = handshake;
    this.state = 'handshaking';
    this.step(() => ({ type: 'send', bytes: handshake.start() }));
  }

  private received(bytes: Uint8Array): void {
    if (this.state === 'dialling') return this.fail(`the proxy sent ${bytes.length} bytes before our request`);
    const handshake = this.handshake;
    if (this.state !== 'handshaking' || handshake === undefined) return;
    this.step(() => handshake.receive(bytes));
  }

  /** Does what the handshake answers; a `ProxyError` it throws fails the tunnel. */
  private step(next: () => HandshakeStep): void {
    let step: HandshakeStep;
    try {
      step = next();
    } catch (error) {
      if (!(error instanceof ProxyError)) throw error;
      return this.fail(error.message, error);
    }
    switch (step.type) {
      case 'send':
        this.socket.write(step.bytes);
        return;
      case 'more':
        return;
      case 'done':
        return this.opened(step.rest);
      default:
        return assertNever(step, 'Unknown handshake step');
    }
  }

  private opened(rest: Uint8Array): void {
    if (!this.fastReads) {
      this.socket.off('data', this.onData);
      if (rest.length > 0) return this.fail(`the proxy sent ${rest.length} bytes after its reply, before our first one`);
    }
    this.rest = rest;
    this.state = 'ready';
    this.ports.ready();
  }

  private fail(reason: string, cause?: unknown): void {
    if (this.state === 'ready' || this.state === 'over') return;
    this.state = 'over';
    this.socket.destroy();
    this.ports.failed(new MqttError('connection-closed', `Cannot connect to ${this.label}: ${reason}`, cause === undefined ? {} : { cause }));
  }
}

/** The handshake for `proxy`'s type, to `target`. */
export function proxyHandshake({ type, username, password }: ProxyOptions, target: TunnelTarget): ProxyHandshake {
  const credentials = username !== undefined ? { username, password: password ?? '' } : undefined;
  switch (type) {
    case 'socks5':
      return new Socks5Handshake(target, credentials);
    case 'socks4':
      return new Socks4Handshake(target, username);
    case 'http':
      return new HttpConnectHandshake(target, credentials);
    default:
      return assertNever(type, 'Unknown proxy type');
  }
}

/**
 * A cold Transport through `proxy`: each subscription opens a `Tunnel`, then subscribes
 * to `carry(tunnel)`, the transport that speaks over it (TCP, TLS). Unsubscribing
 * destroys both.
 */
export function throughProxy(options: TransportOptions, proxy: ProxyOptions, fastReads: boolean, carry: (tunnel: Tunnel) => Transport): Transport {
  return new Observable<SocketEvent>((subscriber) => {
    let inner: Subscription | undefined;
    let tunnel: Tunnel;
    try {
      tunnel = new Tunnel(options, proxy, fastReads, {
        ready: () => {
          inner = carry(tunnel).subscribe(subscriber);
        },
        failed: (error) => subscriber.error(error),
      });
    } catch (error) {
      const label = `${hostPort(options.host, options.port)} via ${proxyLabel(proxy)}`;
      subscriber.error(new MqttError('invalid-argument', `Cannot connect to ${label}: ${(error as Error).message}`, { cause: error }));
      return undefined;
    }
    return () => {
      inner?.unsubscribe();
      tunnel.destroy();
    };
  });
}
