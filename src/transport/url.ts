/**
 * Broker URLs: `mqtt://`, `tcp://` (→ mqtt), `mqtts://`, `ssl://`, `tls://` (→ mqtts),
 * `ws://`, `wss://`, with optional `user:password@`, IPv6 literals in brackets and the
 * usual default ports. Parsed by hand rather than with `URL`, because `URL` cannot tell
 * `ws://host` from `ws://host/` (both have path `/`), and the WebSocket path defaults
 * to `/mqtt` only when none was given. Platform-neutral: browsers use it too.
 */

import { MqttError } from '../errors';
import type { BrokerProtocol } from './types';

export interface BrokerUrl {
  protocol: BrokerProtocol;
  /** Host name or IP literal; IPv6 without brackets (`::1`), as sockets want it. */
  host: string;
  port: number;
  /** WebSocket only: the request path with its query string; `/mqtt` by default. */
  path?: string;
  /** Percent-decoded. */
  username?: string;
  /** Percent-decoded. */
  password?: string;
}

const SCHEMES: Record<string, BrokerProtocol> = {
  mqtt: 'mqtt',
  tcp: 'mqtt',
  mqtts: 'mqtts',
  ssl: 'mqtts',
  tls: 'mqtts',
  ws: 'ws',
  wss: 'wss',
};

const DEFAULT_PORTS: Record<BrokerProtocol, number> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 };

// scheme :// [userinfo @] host [: port] [path] [?query] [#fragment]
const URL_PATTERN = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:([^@/?#]*)@)?(\[[^\]/?#]*\]|[^:/?#[\]]*)(?::([^/?#]*))?(\/[^?#]*)?(\?[^#]*)?(#.*)?$/;
const HOST_NAME = /^[A-Za-z0-9._~-]+$/;
const IPV6_LITERAL = /^\[([0-9A-Fa-f:.]+(?:%25[A-Za-z0-9._~-]+)?)\]$/;

/** Parses a broker URL. Throws an `invalid-argument` MqttError that says what is wrong. */
export function parseBrokerUrl(url: string): BrokerUrl {
  const fail = (why: string): never => {
    throw new MqttError('invalid-argument', `Invalid broker URL "${url}": ${why}`);
  };
  const match = URL_PATTERN.exec(url.trim());
  if (match === null) return fail('expected scheme://host[:port], e.g. mqtt://localhost:1883');
  const [, scheme, userInfo, rawHost, rawPort, rawPath = '', query = '', fragment] = match;
  if (fragment !== undefined) return fail(`a broker URL has no #fragment ("${fragment}")`);

  const protocol = SCHEMES[scheme.toLowerCase()];
  if (protocol === undefined) return fail(`unknown scheme "${scheme}" (use mqtt, mqtts, tcp, ssl, tls, ws or wss)`);

  let host: string;
  const ipv6 = IPV6_LITERAL.exec(rawHost);
  if (ipv6 !== null) host = ipv6[1].replace('%25', '%');
  else if (rawHost.startsWith('[')) return fail(`"${rawHost}" is not an IPv6 address`);
  else if (rawHost === '' && rawPort?.includes(':')) return fail('an IPv6 address must be in brackets, e.g. [::1]');
  else if (rawHost === '') return fail('no host');
  else if (!HOST_NAME.test(rawHost)) return fail(`"${rawHost}" is not a valid host name`);
  else host = rawHost;

  let port = DEFAULT_PORTS[protocol];
  if (rawPort !== undefined) {
    if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) < 1 || Number(rawPort) > 65535) {
      return fail(`port "${rawPort}" is not a number from 1 to 65535`);
    }
    port = Number(rawPort);
  }

  const result: BrokerUrl = { protocol, host, port };
  if (protocol === 'ws' || protocol === 'wss') {
    result.path = (rawPath === '' ? '/mqtt' : rawPath) + query;
  } else if ((rawPath !== '' && rawPath !== '/') || query !== '') {
    // MQTT over TCP has no path; silently dropping one would hide a mistyped URL.
    fail(`a ${protocol}:// URL has no path or query ("${rawPath}${query}")`);
  }

  if (userInfo !== undefined) Object.assign(result, parseUserInfo(userInfo, fail));
  return result;
}

/** A URL's `user[:password]`, percent-decoded; `fail` says what is wrong (and throws). */
export function parseUserInfo(userInfo: string, fail: (why: string) => never): { username: string; password?: string } {
  const colon = userInfo.indexOf(':');
  const decode = (part: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      return fail('bad percent-encoding in the user name or password');
    }
  };
  const username = decode(colon === -1 ? userInfo : userInfo.slice(0, colon));
  return colon === -1 ? { username } : { username, password: decode(userInfo.slice(colon + 1)) };
}
