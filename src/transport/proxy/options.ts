/**
 * The `proxy` option, validated at the edge: an object (Paho's `proxy_set` arguments)
 * or a URL (`socks5://user:pass@host:1080`), resolved to a `ProxyOptions` with every
 * default filled in, or refused with `invalid-argument` before anything is dialled.
 * Platform-neutral: the browser build imports it (and then refuses the option).
 */

import { MqttError } from '../../errors';
import type { ProxyOptions, ProxyType } from '../types';
import { ipFamily, ipv6Bytes } from './address';
import { hostPort } from '../common';
import { parseUserInfo } from '../url';
import { PROXY_NAMES, utf8 } from './handshake';

const invalid = (message: string): MqttError => new MqttError('invalid-argument', message);

/** PySocks' default ports. */
export const DEFAULT_PROXY_PORTS: Readonly<Record<ProxyType, number>> = { socks5: 1080, socks4: 1080, http: 8080 };

/** `SOCKS5 proxy 10.0.0.1:1080`, for messages. */
export function proxyLabel({ type, host, port }: ProxyOptions): string {
  return `${PROXY_NAMES[type]} proxy ${hostPort(host, port ?? DEFAULT_PROXY_PORTS[type])}`;
}

/** URL schemes: `socks5h` is curl's name for remote resolution; `socks4` resolves locally, `socks4a` remotely. */
const SCHEMES: Readonly<Record<string, { type: ProxyType; remoteDns?: boolean }>> = {
  socks5: { type: 'socks5' },
  socks5h: { type: 'socks5', remoteDns: true },
  socks4: { type: 'socks4', remoteDns: false },
  socks4a: { type: 'socks4', remoteDns: true },
  http: { type: 'http' },
};

// scheme :// [userinfo @] host [: port] [/]
const PROXY_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:([^@/?#]*)@)?(\[[^\]/?#]*\]|[^:/?#[\]]*)(?::([^/?#]*))?\/?$/;
const HOST_NAME = /^[A-Za-z0-9._~-]+$/;
/** No control characters: they would break the request (CR/LF in an HTTP header, NUL in SOCKS4). */
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * The resolved `proxy` option, or undefined when there is none. `brokerHost` is checked
 * against what the proxy type can carry (SOCKS4 has no IPv6, SOCKS5 names are ≤ 255 bytes).
 */
export function resolveProxy(proxy: ProxyOptions | string | undefined, brokerHost: string): ProxyOptions | undefined {
  if (proxy === undefined) return undefined;
  const options = typeof proxy === 'string' ? parseProxyUrl(proxy) : proxy;
  if (typeof options !== 'object' || options === null) {
    throw invalid('proxy must be a URL (socks5://host:1080) or an object { type, host, port?, username?, password?, remoteDns? }');
  }
  const { type, username, password } = options;
  if (type !== 'socks5' && type !== 'socks4' && type !== 'http') {
    throw invalid(`proxy.type must be 'socks5', 'socks4' or 'http', got ${JSON.stringify(type)}`);
  }
  const host = checkHost(options.host);
  const port = options.port ?? DEFAULT_PROXY_PORTS[type];
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`proxy.port must be an integer from 1 to 65535, got ${String(port)}`);
  const remoteDns = options.remoteDns ?? true;
  if (typeof remoteDns !== 'boolean') throw invalid(`proxy.remoteDns must be true or false, got ${String(remoteDns)}`);
  checkCredentials(type, username, password);
  checkTarget(type, brokerHost, remoteDns);
  return {
    type,
    host,
    port,
    remoteDns,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

/** `socks5://user:pass@host:port` (also socks5h, socks4, socks4a, http) as `ProxyOptions`. */
export function parseProxyUrl(url: string): ProxyOptions {
  const fail = (why: string): never => {
    throw invalid(`Invalid proxy URL "${url}": ${why}`);
  };
  const match = PROXY_URL.exec(url.trim());
  if (match === null) return fail('expected scheme://[user:password@]host[:port], e.g. socks5://127.0.0.1:1080');
  const [, scheme, userInfo, rawHost, rawPort] = match;
  const kind = SCHEMES[scheme.toLowerCase()];
  if (scheme.toLowerCase() === 'https') return fail('a TLS connection to the proxy (https://) is not supported; use http://');
  if (kind === undefined) return fail(`unknown scheme "${scheme}" (use socks5, socks5h, socks4, socks4a or http)`);
  const host = rawHost.startsWith('[') && rawHost.endsWith(']') ? rawHost.slice(1, -1) : rawHost;
  const options: ProxyOptions = { type: kind.type, host };
  if (kind.remoteDns !== undefined) options.remoteDns = kind.remoteDns;
  if (rawPort !== undefined) {
    if (!/^\d{1,5}$/.test(rawPort)) return fail(`port "${rawPort}" is not a number from 1 to 65535`);
    options.port = Number(rawPort);
  }
  if (userInfo !== undefined) Object.assign(options, parseUserInfo(userInfo, fail));
  return options;
}

function checkHost(host: unknown): string {
  if (typeof host !== 'string' || host === '') throw invalid('proxy.host must be a non-empty host name or IP address');
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (ipv6Bytes(bare) !== undefined || HOST_NAME.test(bare)) return bare;
  throw invalid(`proxy.host ${JSON.stringify(host)} is not a valid host name or IP address`);
}

function checkCredentials(type: ProxyType, username: unknown, password: unknown): void {
  if (username !== undefined && typeof username !== 'string') throw invalid('proxy.username must be a string');
  if (password !== undefined && typeof password !== 'string') throw invalid('proxy.password must be a string');
  if (password !== undefined && username === undefined) throw invalid('proxy.password needs a proxy.username');
  for (const [name, value] of [['username', username], ['password', password]] as const) {
    if (value !== undefined && CONTROL.test(value)) throw invalid(`proxy.${name} must not contain control characters`);
  }
  if (type === 'socks4') {
    if (password !== undefined) throw invalid('SOCKS4 has no password: proxy.username is its userid (use socks5 for username/password)');
    return;
  }
  if (type === 'socks5' && username !== undefined) {
    // RFC 1929: ULEN is 1 to 255, PLEN at most 255.
    const userBytes = utf8(username).length;
    if (userBytes < 1 || userBytes > 255) throw invalid(`proxy.username must be 1 to 255 bytes in UTF-8 for SOCKS5 (RFC 1929), got ${userBytes}`);
    if (password !== undefined && utf8(password).length > 255) throw invalid('proxy.password must be at most 255 bytes in UTF-8 for SOCKS5 (RFC 1929)');
  }
  // Basic authentication joins them with a colon [RFC 7617 §2].
  if (type === 'http' && username?.includes(':')) throw invalid('proxy.username must not contain ":" for HTTP Basic authentication (RFC 7617)');
}

function checkTarget(type: ProxyType, brokerHost: string, remoteDns: boolean): void {
  const family = ipFamily(brokerHost);
  if (type === 'socks4' && family === 6) throw invalid(`A SOCKS4 proxy cannot reach the IPv6 address ${brokerHost}: use socks5 or http`);
  if (type === 'socks5' && family === 0 && remoteDns && utf8(brokerHost).length > 255) {
    throw invalid(`The broker host name is longer than the 255 bytes a SOCKS5 request carries`);
  }
}
