/**
 * The `srv` option (Paho's `connect_srv`), validated at the edge, and the dialler it
 * makes: DNS SRV discovery itself is transport/srv.ts.
 *
 * With `srv`, DNS names the broker: `host`, `port` and `url` would contradict it and are
 * refused, as is a `ws` option (SRV's `_mqtt._tcp` is MQTT over TCP). TLS is the `tls`
 * option, as without a url, and it switches the lookup to `_secure-mqtt._tcp`.
 */

import type { SchedulerLike } from 'rxjs';
import { MqttError } from '../errors';
import { defaultSrvResolver } from '../transport/platform';
import { SRV_SERVICES, srvTransport, type SrvResolver } from '../transport/srv';
import type { BrokerProtocol, Transport, TransportOptions } from '../transport/types';
import type { LogLevel } from './events';

/** The `srv` option's object form; a string is `{ domain }`. */
export interface SrvOptions {
  /**
   * The domain whose SRV records name the brokers: `example.com` looks up
   * `_mqtt._tcp.example.com`, or `_secure-mqtt._tcp.example.com` with the `tls` option.
   */
  domain: string;
  /**
   * Replaces the DNS lookup (DNS over HTTPS, a cache, tests): gets the full SRV name and
   * resolves with its records (an empty array: none). Default in Node: `dns.promises`
   * on the servers of `dns.getServers()`. Required in browsers, which have no DNS API.
   */
  resolve?: SrvResolver;
}

export interface ResolvedSrv {
  domain: string;
  /** `_mqtt._tcp` or `_secure-mqtt._tcp`. */
  service: string;
  resolve: SrvResolver | undefined;
}

const invalid = (message: string): MqttError => new MqttError('invalid-argument', message);

/** Labels of letters, digits, `-` and `_`, 1–63 characters each; an optional final dot. */
const DOMAIN = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$/;

/** Undefined without `srv`; throws `invalid-argument` for a bad domain or a contradicting option. */
export function resolveSrvOption(
  option: string | SrvOptions | undefined,
  others: { url?: string; host?: string; port?: number; ws?: unknown },
  secure: boolean,
): ResolvedSrv | undefined {
  if (option === undefined) return undefined;
  const given: SrvOptions = typeof option === 'string' ? { domain: option } : option;
  if (typeof given !== 'object' || given === null) throw invalid(`srv must be a domain or { domain, resolve? }, got ${String(option)}`);
  const { domain, resolve } = given;
  if (typeof domain !== 'string' || domain.trim() === '') throw invalid('srv needs a domain, e.g. srv: "example.com"');
  if (!DOMAIN.test(domain) || domain.length > 253) throw invalid(`srv: "${domain}" is not a valid domain name`);
  const lower = domain.toLowerCase();
  for (const service of Object.values(SRV_SERVICES)) {
    if (lower.startsWith(`${service}.`)) throw invalid(`srv takes the domain, not the SRV name: "${domain.slice(service.length + 1)}", not "${domain}"`);
  }
  if (resolve !== undefined && typeof resolve !== 'function') throw invalid('srv.resolve must be a function (name) => Promise<SrvRecord[]>');
  const clash = (['url', 'host', 'port'] as const).filter((key) => others[key] !== undefined);
  if (clash.length > 0) throw invalid(`srv finds the broker through DNS: ${clash.join(', ')} would contradict it (give one or the other)`);
  if (others.ws !== undefined) throw invalid('srv finds MQTT over TCP (_mqtt._tcp): the ws option does not apply');
  return {
    domain: domain.endsWith('.') ? domain.slice(0, -1) : domain,
    service: secure ? SRV_SERVICES.secure : SRV_SERVICES.plain,
    resolve,
  };
}

/**
 * The engine's dialler for `srv`: each call looks the brokers up again and dials them
 * with `makeTransport`. Throws `invalid-argument` when this build has no DNS lookup
 * (a browser) and none was given.
 */
export function srvDialer(
  srv: ResolvedSrv,
  base: TransportOptions & { protocol: BrokerProtocol },
  makeTransport: (options: TransportOptions & { protocol: BrokerProtocol }) => Transport,
  scheduler: SchedulerLike,
  connectTimeout: number,
  log: (level: LogLevel, message: string) => void,
): () => Transport {
  const resolve = srv.resolve ?? defaultSrvResolver;
  if (resolve === undefined) {
    throw invalid('srv needs a DNS lookup, and a browser has none: pass srv.resolve (DNS over HTTPS, say), or use a ws:// or wss:// url');
  }
  const { domain, service } = srv;
  return () =>
    srvTransport({
      domain,
      service,
      resolve,
      dial: ({ host, port }) => makeTransport({ ...base, host, port }),
      scheduler,
      timeout: connectTimeout,
      log,
    });
}
