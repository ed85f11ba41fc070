/**
 * SOCKS5 (RFC 1928, with RFC 1929 username/password authentication) and SOCKS4/4a
 * CONNECT handshakes, sans-IO (see handshake.ts).
 *
 * SOCKS5: greeting (the methods we accept) → the proxy chooses one → if it chose
 * username/password, the RFC 1929 sub-negotiation → CONNECT request → reply. The
 * target goes as an IPv4 (ATYP 1) or IPv6 (ATYP 4) address when the host is an IP
 * literal, else as a domain name (ATYP 3) for the proxy to resolve.
 *
 * SOCKS4: one request, one 8-byte reply. With a host name it is SOCKS4a: the address
 * 0.0.0.x (x ≠ 0) tells the proxy to read the name after the userid.
 */

import { assertNever } from '../../util/assert-never';
import { ipv4Bytes, ipv6Bytes } from './address';
import { hex, MORE, noExtraBytes, ProxyError, ReplyBuffer, utf8, type HandshakeStep, type ProxyHandshake, type TunnelTarget } from './handshake';

export const SOCKS5_NO_AUTH = 0x00;
export const SOCKS5_USERNAME_PASSWORD = 0x02;
export const SOCKS5_NO_ACCEPTABLE_METHOD = 0xff;
export const SOCKS_CONNECT = 0x01;
export const ATYP_IPV4 = 0x01;
export const ATYP_DOMAIN = 0x03;
export const ATYP_IPV6 = 0x04;

/** RFC 1928 §6 reply codes. */
export const SOCKS5_REPLIES: Readonly<Record<number, string>> = {
  0x01: 'general SOCKS server failure',
  0x02: 'connection not allowed by ruleset',
  0x03: 'network unreachable',
  0x04: 'host unreachable',
  0x05: 'connection refused by the destination host',
  0x06: 'TTL expired',
  0x07: 'command not supported',
  0x08: 'address type not supported',
};

/** SOCKS4 reply codes (90 = granted). */
export const SOCKS4_REPLIES: Readonly<Record<number, string>> = {
  91: 'request rejected or failed',
  92: 'request rejected: the proxy cannot reach identd on this host',
  93: 'request rejected: identd reports a different userid',
};
export const SOCKS4_GRANTED = 90;

export interface SocksCredentials {
  username: string;
  /** Empty when none was given (RFC 1929 needs the field). */
  password: string;
}

/** VER 5, NMETHODS, METHODS: no authentication, and username/password when we have credentials. */
export function socks5Greeting(withCredentials: boolean): Uint8Array {
  return withCredentials ? Uint8Array.of(5, 2, SOCKS5_NO_AUTH, SOCKS5_USERNAME_PASSWORD) : Uint8Array.of(5, 1, SOCKS5_NO_AUTH);
}

/** RFC 1929: VER 1, ULEN, UNAME, PLEN, PASSWD (lengths validated with the options: 1–255 and 0–255 bytes). */
export function socks5AuthRequest({ username, password }: SocksCredentials): Uint8Array {
  const user = utf8(username);
  const pass = utf8(password);
  return Uint8Array.from([1, user.length, ...user, pass.length, ...pass]);
}

/** ATYP and DST.ADDR of a target: IPv4, IPv6 or a domain name. */
export function socks5Address(host: string): Uint8Array {
  const v4 = ipv4Bytes(host);
  if (v4 !== undefined) return Uint8Array.from([ATYP_IPV4, ...v4]);
  const v6 = ipv6Bytes(host);
  if (v6 !== undefined) return Uint8Array.from([ATYP_IPV6, ...v6]);
  const name = utf8(host);
  if (name.length > 255) throw new ProxyError(`the host name ${host} is longer than the 255 bytes SOCKS5 allows`);
  return Uint8Array.from([ATYP_DOMAIN, name.length, ...name]);
}

/** VER 5, CMD CONNECT, RSV 0, ATYP, DST.ADDR, DST.PORT (network order). */
export function socks5ConnectRequest({ host, port }: TunnelTarget): Uint8Array {
  return Uint8Array.from([5, SOCKS_CONNECT, 0, ...socks5Address(host), port >> 8, port & 0xff]);
}

/**
 * The length of the SOCKS5 reply at the start of `buffer` (VER REP RSV ATYP BND.ADDR
 * BND.PORT), or undefined while too few bytes have come to tell.
 */
export function socks5ReplyLength(buffer: ReplyBuffer): number | undefined {
  if (buffer.length < 5) return undefined;
  switch (buffer.at(3)) {
    case ATYP_IPV4:
      return 4 + 4 + 2;
    case ATYP_IPV6:
      return 4 + 16 + 2;
    case ATYP_DOMAIN:
      return 4 + 1 + buffer.at(4) + 2;
    default:
      throw new ProxyError(`malformed SOCKS5 reply: unknown address type ${hex(buffer.at(3))}`);
  }
}

/** SOCKS4 CONNECT: VN 4, CD 1, DSTPORT, DSTIP, USERID, NUL (SOCKS4a: DSTIP 0.0.0.1, then the host name, NUL). */
export function socks4Request({ host, port }: TunnelTarget, userid = ''): Uint8Array {
  const v4 = ipv4Bytes(host);
  if (v4 === undefined && ipv6Bytes(host) !== undefined) throw new ProxyError(`SOCKS4 cannot carry the IPv6 address ${host}`);
  const head = [4, SOCKS_CONNECT, port >> 8, port & 0xff, ...(v4 ?? [0, 0, 0, 1]), ...utf8(userid), 0];
  return Uint8Array.from(v4 !== undefined ? head : [...head, ...utf8(host), 0]);
}

type Socks5Stage = 'method' | 'auth' | 'connect' | 'done';

export class Socks5Handshake implements ProxyHandshake {
  private stage: Socks5Stage = 'method';
  private readonly buffer = new ReplyBuffer();

  constructor(
    private readonly target: TunnelTarget,
    private readonly credentials?: SocksCredentials,
  ) {}

  start(): Uint8Array {
    return socks5Greeting(this.credentials !== undefined);
  }

  receive(bytes: Uint8Array): HandshakeStep {
    this.buffer.add(bytes);
    switch (this.stage) {
      case 'method':
        return this.method();
      case 'auth':
        return this.auth();
      case 'connect':
        return this.connect();
      case 'done':
        throw new ProxyError('the SOCKS5 handshake is over');
      default:
        return assertNever(this.stage, 'Unknown SOCKS5 stage');
    }
  }

  private method(): HandshakeStep {
    if (this.buffer.length < 2) return MORE;
    const [version, method] = this.buffer.take(2);
    if (version !== 5) throw new ProxyError(`not a SOCKS5 reply (version ${hex(version)}): is it a SOCKS5 proxy?`);
    noExtraBytes(this.buffer, 'method selection');
    if (method === SOCKS5_NO_AUTH) return this.request();
    if (method === SOCKS5_USERNAME_PASSWORD && this.credentials !== undefined) {
      this.stage = 'auth';
      return { type: 'send', bytes: socks5AuthRequest(this.credentials) };
    }
    if (method === SOCKS5_NO_ACCEPTABLE_METHOD) {
      const offered = this.credentials ? 'no authentication, username/password' : 'no authentication; it may want a username and password';
      throw new ProxyError(`the proxy accepts none of our authentication methods (offered: ${offered})`);
    }
    throw new ProxyError(`the proxy chose authentication method ${hex(method)}, which we did not offer`);
  }

  private auth(): HandshakeStep {
    if (this.buffer.length < 2) return MORE;
    const [, status] = this.buffer.take(2);
    // RFC 1929 says version 1; some proxies answer 5. Only the status matters.
    if (status !== 0) throw new ProxyError(`the proxy refused the username and password (RFC 1929 status ${hex(status)})`);
    noExtraBytes(this.buffer, 'authentication reply');
    return this.request();
  }

  private request(): HandshakeStep {
    this.stage = 'connect';
    return { type: 'send', bytes: socks5ConnectRequest(this.target) };
  }

  private connect(): HandshakeStep {
    if (this.buffer.length >= 1 && this.buffer.at(0) !== 5) {
      throw new ProxyError(`malformed SOCKS5 reply: version ${hex(this.buffer.at(0))}`);
    }
    // The reply code is known from the second byte: a refusal need not wait for the rest.
    if (this.buffer.length >= 2 && this.buffer.at(1) !== 0) {
      const code = this.buffer.at(1);
      const why = SOCKS5_REPLIES[code] ?? 'unassigned reply code';
      throw new ProxyError(`the proxy could not connect: ${why} (SOCKS5 reply ${hex(code)})`);
    }
    const length = socks5ReplyLength(this.buffer);
    if (length === undefined || this.buffer.length < length) return MORE;
    this.buffer.take(length);
    this.stage = 'done';
    return { type: 'done', rest: this.buffer.take(this.buffer.length) };
  }
}

export class Socks4Handshake implements ProxyHandshake {
  private done = false;
  private readonly buffer = new ReplyBuffer();

  constructor(
    private readonly target: TunnelTarget,
    private readonly userid = '',
  ) {}

  start(): Uint8Array {
    return socks4Request(this.target, this.userid);
  }

  receive(bytes: Uint8Array): HandshakeStep {
    if (this.done) throw new ProxyError('the SOCKS4 handshake is over');
    this.buffer.add(bytes);
    if (this.buffer.length >= 1 && this.buffer.at(0) !== 0) throw new ProxyError(`not a SOCKS4 reply (version ${hex(this.buffer.at(0))}): is it a SOCKS4 proxy?`);
    if (this.buffer.length >= 2 && this.buffer.at(1) !== SOCKS4_GRANTED) {
      const code = this.buffer.at(1);
      throw new ProxyError(`the proxy refused: ${SOCKS4_REPLIES[code] ?? 'unknown reply code'} (SOCKS4 reply ${code})`);
    }
    if (this.buffer.length < 8) return MORE;
    this.buffer.take(8);
    this.done = true;
    return { type: 'done', rest: this.buffer.take(this.buffer.length) };
  }
}
