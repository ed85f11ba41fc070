/**
 * An HTTP CONNECT tunnel [RFC 9110 §9.3.6], sans-IO (see handshake.ts).
 *
 * One request (`CONNECT host:port HTTP/1.1`, a `Host` header and, with credentials,
 * `Proxy-Authorization: Basic` [RFC 7617]); the response is read up to the blank line
 * that ends its header section. A 2xx status opens the tunnel: a 2xx answer to CONNECT
 * has no content, so every byte after the blank line is the broker's [RFC 9110 §9.3.6].
 * Any other status fails the handshake, naming it (407 Proxy Authentication Required,
 * 403, 502…). Lines may end in CRLF or a bare LF [RFC 9112 §2.2].
 */

import { hostPort } from '../common';
import { MORE, ProxyError, ReplyBuffer, utf8, type HandshakeStep, type ProxyHandshake, type TunnelTarget } from './handshake';

/** The longest response header section we read before giving up on the proxy. */
export const MAX_RESPONSE_HEADER = 16 * 1024;

const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: ([^\r\n]*))?\r?$/;
const LF = 0x0a;
const CR = 0x0d;

export interface HttpCredentials {
  username: string;
  password: string;
}

/** The CONNECT request for `target`, with Basic proxy authentication when credentials are given. */
export function httpConnectRequest(target: TunnelTarget, credentials?: HttpCredentials): Uint8Array {
  const authority = hostPort(target.host, target.port);
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  if (credentials !== undefined) {
    lines.push(`Proxy-Authorization: Basic ${base64(utf8(`${credentials.username}:${credentials.password}`))}`);
  }
  return utf8(lines.join('\r\n') + '\r\n\r\n');
}

/**
 * Where the header section ends (the index after its blank line), or undefined while it
 * has not ended. Starts looking at `from`, so a response read in pieces is scanned once.
 */
export function headerEnd(bytes: Uint8Array, from = 0): number | undefined {
  for (let i = Math.max(0, from); i < bytes.length; i++) {
    if (bytes[i] !== LF) continue;
    if (bytes[i + 1] === LF) return i + 2;
    if (bytes[i + 1] === CR && bytes[i + 2] === LF) return i + 3;
  }
  return undefined;
}

export class HttpConnectHandshake implements ProxyHandshake {
  private readonly buffer = new ReplyBuffer();
  /** Bytes already scanned for the end of the header section. */
  private scanned = 0;
  private done = false;

  constructor(
    private readonly target: TunnelTarget,
    private readonly credentials?: HttpCredentials,
  ) {}

  start(): Uint8Array {
    return httpConnectRequest(this.target, this.credentials);
  }

  receive(bytes: Uint8Array): HandshakeStep {
    if (this.done) throw new ProxyError('the HTTP CONNECT handshake is over');
    this.buffer.add(bytes);
    const all = this.buffer.view(0);
    // Back up two bytes: the blank line may straddle the previous read.
    const end = headerEnd(all, this.scanned - 2);
    if (end === undefined) {
      this.scanned = all.length;
      if (all.length > MAX_RESPONSE_HEADER) throw new ProxyError(`the proxy's response header is longer than ${MAX_RESPONSE_HEADER} bytes`);
      return MORE;
    }
    const head = new TextDecoder('latin1').decode(all.subarray(0, end));
    const statusLine = head.slice(0, head.indexOf('\n'));
    const match = STATUS_LINE.exec(statusLine);
    if (match === null) throw new ProxyError(`not an HTTP response: ${JSON.stringify(statusLine.slice(0, 60))}`);
    const status = Number(match[1]);
    const named = `HTTP ${status}${match[2] ? ` ${match[2].trim()}` : ''}`;
    if (status === 407) {
      throw new ProxyError(this.credentials ? `the proxy refused the credentials (${named})` : `the proxy requires authentication (${named})`);
    }
    if (status < 200 || status > 299) throw new ProxyError(`the proxy refused the tunnel (${named})`);
    this.buffer.take(end);
    this.done = true;
    return { type: 'done', rest: this.buffer.take(this.buffer.length) };
  }
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with padding (no `Buffer`, no `btoa`: the codecs stay platform-neutral). */
export function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += BASE64[(n >> 18) & 63] + BASE64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? BASE64[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? BASE64[n & 63] : '=';
  }
  return out;
}
