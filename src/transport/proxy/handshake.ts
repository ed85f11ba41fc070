/**
 * Proxy handshakes, sans-IO (as h11 does HTTP): a handshake is told the bytes the proxy
 * sent and answers with what to do next, as a value. It never touches a socket, a timer
 * or DNS, so every byte layout and every cut of a reply across reads is a plain unit
 * test (spec/transport/proxy-handshake.spec.ts); tunnel.ts does the I/O.
 *
 * Theory of operation: `start()` gives the first bytes to send once connected to the
 * proxy. Each `receive(bytes)` answers `send` (write these, then wait for the reply),
 * `more` (the reply is not complete yet) or `done` (the tunnel to the broker is up;
 * `rest` are bytes that followed the proxy's reply: they are the broker's). A proxy that
 * refuses or breaks its protocol makes `receive` throw a `ProxyError` whose message says
 * why; the caller names the proxy and the broker around it.
 *
 * The proxy speaks only in answer to us, so bytes beyond an intermediate reply (before
 * we sent the next request) cannot be right: they fail the handshake rather than being
 * parsed as a reply to a request the proxy has not seen.
 */

import type { ProxyType } from '../types';

export type HandshakeStep =
  | { type: 'send'; bytes: Uint8Array }
  | { type: 'more' }
  | { type: 'done'; rest: Uint8Array };

export interface ProxyHandshake {
  /** The first bytes to send, once connected to the proxy. */
  start(): Uint8Array;
  /** Bytes the proxy sent (any cut). Throws `ProxyError` when it refuses or misbehaves. */
  receive(bytes: Uint8Array): HandshakeStep;
}

/** The proxy refused, failed authentication, or sent what its protocol does not allow. */
export class ProxyError extends Error {
  override readonly name = 'ProxyError';
}

/** Where the tunnel leads: the broker's host (a name or an IP literal) and port. */
export interface TunnelTarget {
  host: string;
  port: number;
}

export const MORE: HandshakeStep = Object.freeze({ type: 'more' });

/** How messages name a proxy type. */
export const PROXY_NAMES: Record<ProxyType, string> = { socks5: 'SOCKS5', socks4: 'SOCKS4', http: 'HTTP' };

/**
 * Bytes received so far, for replies that arrive in pieces. Chunks are copied in: the
 * TCP transport reads into one reused buffer.
 */
export class ReplyBuffer {
  private bytes = new Uint8Array(0);

  get length(): number {
    return this.bytes.length;
  }

  add(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.bytes.length + chunk.length);
    joined.set(this.bytes);
    joined.set(chunk, this.bytes.length);
    this.bytes = joined;
  }

  at(index: number): number {
    return this.bytes[index];
  }

  /** A view of `[start, end)`. */
  view(start: number, end?: number): Uint8Array {
    return this.bytes.subarray(start, end);
  }

  /** Removes and returns the first `count` bytes. */
  take(count: number): Uint8Array {
    const head = this.bytes.subarray(0, count);
    this.bytes = this.bytes.subarray(count);
    return head;
  }
}

/** UTF-8 bytes. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** `0x5a` as `0x5A`, for messages. */
export function hex(byte: number): string {
  return `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Fails a handshake whose intermediate reply was followed by bytes (see the header). */
export function noExtraBytes(buffer: ReplyBuffer, what: string): void {
  if (buffer.length > 0) throw new ProxyError(`the proxy sent ${buffer.length} unexpected bytes after its ${what}`);
}
