/**
 * DNS SRV discovery, Paho's `connect_srv` [RFC 2782]: the brokers of a domain are the
 * targets of its `_mqtt._tcp` SRV records, or of `_secure-mqtt._tcp` over TLS (the name
 * IANA registered for MQTT over TLS on 8883; Paho and libmosquitto query the same two).
 * Platform-neutral: the lookup itself is a `SrvResolver` (Node's in srv-node.ts).
 *
 * Theory of operation: `srvTransport` is a `Transport` around another one. Each
 * subscription — each dial, so every automatic reconnect and every `reconnect()` —
 * resolves the name afresh (a changed DNS answer is followed), orders the records as
 * RFC 2782 says, and subscribes to the inner transport for one target after another
 * until one emits `opened`. From then on it is that socket, event for event. A target
 * that fails before `opened` (refused, unreachable, TLS refused, closed, timed out) is
 * recorded, and the next one is dialled.
 *
 * Rules:
 * - Order: lowest priority first; within a priority, a weighted random draw without
 *   replacement, records of weight 0 placed first (shuffled), so that they are drawn
 *   rarely when others have weight (RFC 2782, "Usage rules").
 * - A lone record whose target is "." says the service is decidedly not available.
 * - Time: the lookup and each target get `timeout` ms each (the client's
 *   `connectTimeout`) on the scheduler, so a dead first target cannot eat the time of
 *   the others; the worst case is (1 + targets) × timeout. 0 disables them, as it
 *   disables `connectTimeout`. The client turns its own dial guard off for SRV.
 * - Failures: the lookup failing (NXDOMAIN, no records, ".", a resolver error) is
 *   `connection-closed` naming the SRV name and why; no answer in time is
 *   `connect-timeout`. Every target failing is one error naming the domain and each
 *   target with its failure, in the order tried; its code is the one the targets share
 *   (all timed out: `connect-timeout`; all refused TLS: `tls-error`), else
 *   `connection-closed`. `cause` is an AggregateError of the targets' errors.
 * - A target counts once its socket opens: a CONNACK refusal does not move on to the
 *   next target (Paho's `connect_srv` does not either).
 * - Unsubscribing aborts the lookup (its AbortSignal) and destroys the socket being dialled.
 */

import { Observable, Subscription, type SchedulerLike } from 'rxjs';
import { MqttError } from '../errors';
import { hostPort } from './common';
import type { SocketEvent, Transport } from './types';

/** One SRV record, as Node's `dns.resolveSrv` gives it (`name` is the target host). */
export interface SrvRecord {
  /** The target host name; `""` or `"."` is RFC 2782's "not available here". */
  name: string;
  port: number;
  /** Lower is tried first. */
  priority: number;
  /** Within a priority, the relative chance of being tried first. */
  weight: number;
}

/**
 * Looks up the SRV records of `name` (e.g. `_mqtt._tcp.example.com`). Rejects when the
 * lookup fails; an empty array means "no records". `signal` aborts when the client
 * stops waiting (timeout, `disconnect()`): pass it on to `fetch` for DNS over HTTPS.
 */
export type SrvResolver = (name: string, options: { signal: AbortSignal }) => Promise<readonly SrvRecord[]>;

/** The SRV service names: plain MQTT, and MQTT over TLS. */
export const SRV_SERVICES = { plain: '_mqtt._tcp', secure: '_secure-mqtt._tcp' } as const;

export interface SrvDialConfig {
  /** The domain, e.g. `example.com` (for messages). */
  domain: string;
  /** `_mqtt._tcp` or `_secure-mqtt._tcp`. */
  service: string;
  resolve: SrvResolver;
  /** The transport to one target. */
  dial(target: { host: string; port: number }): Transport;
  scheduler: SchedulerLike;
  /** Milliseconds for the lookup, then for each target; 0: unbounded. */
  timeout: number;
  /** For the weighted draw; default `Math.random`. */
  random?: () => number;
  /** What was tried and why it failed, for the client's logger and `events$`. */
  log?: (level: 'debug' | 'warning', message: string) => void;
}

/** A cold `Transport` that finds its broker through DNS SRV on each subscription; see the header. */
export function srvTransport(config: SrvDialConfig): Transport {
  const { domain, service, resolve, dial, scheduler, timeout, random = Math.random, log = () => {} } = config;
  const name = `${service}.${domain}`;

  return new Observable<SocketEvent>((subscriber) => {
    const lookup = new AbortController();
    let guard: Subscription | undefined;
    let attempt: Subscription | undefined;
    const failures: Array<{ target: string; error: MqttError }> = [];
    const arm = (onTimeout: () => void): void => {
      guard?.unsubscribe();
      guard = timeout > 0 ? scheduler.schedule(onTimeout, timeout) : undefined;
    };
    const disarm = (): void => {
      guard?.unsubscribe();
      guard = undefined;
    };

    const tryFrom = (targets: readonly SrvRecord[], index: number): void => {
      if (subscriber.closed) return;
      if (index === targets.length) {
        subscriber.error(allFailed(name, domain, failures));
        return;
      }
      const { name: host, port } = targets[index];
      const target = hostPort(host, port);
      const current = new Subscription();
      attempt = current;
      let opened = false;
      const moveOn = (error: MqttError): void => {
        current.unsubscribe();
        disarm();
        failures.push({ target, error });
        log('warning', `SRV ${name}: ${target} failed (${error.message})${index + 1 < targets.length ? ', trying the next target' : ''}`);
        tryFrom(targets, index + 1);
      };
      log('debug', `SRV ${name}: dialling ${target} (${index + 1} of ${targets.length})`);
      arm(() => moveOn(new MqttError('connect-timeout', `No connection to ${target} within ${timeout} ms`)));
      let inner: Transport;
      try {
        inner = dial({ host, port });
      } catch (error) {
        moveOn(asMqttError(error));
        return;
      }
      current.add(
        inner.subscribe({
          next: (event) => {
            if (!opened) {
              if (event.type !== 'opened') return;
              opened = true;
              disarm();
            }
            subscriber.next(event);
          },
          error: (error: unknown) => (opened ? subscriber.error(error) : moveOn(asMqttError(error))),
          complete: () =>
            opened ? subscriber.complete() : moveOn(new MqttError('connection-closed', `Connection to ${target} closed before it was established`)),
        }),
      );
    };

    arm(() => {
      lookup.abort();
      subscriber.error(new MqttError('connect-timeout', `No answer to the DNS SRV lookup of ${name} within ${timeout} ms`));
    });
    let answer: Promise<readonly SrvRecord[]>;
    try {
      answer = Promise.resolve(resolve(name, { signal: lookup.signal }));
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer.then(
      (records) => {
        if (subscriber.closed) return;
        disarm();
        const targets = usableTargets(name, records);
        if (targets instanceof MqttError) subscriber.error(targets);
        else tryFrom(orderSrvTargets(targets, random), 0);
      },
      (error: unknown) => {
        if (subscriber.closed) return;
        disarm();
        subscriber.error(new MqttError('connection-closed', `DNS SRV lookup of ${name} failed: ${dnsReason(error)}`, { cause: error }));
      },
    );

    return () => {
      lookup.abort();
      disarm();
      attempt?.unsubscribe();
    };
  });
}

/**
 * RFC 2782's order: ascending priority; within a priority, repeatedly draw one record
 * with a chance proportional to its weight (weight-0 records first in the running list,
 * in random order, the first of them drawn when the draw is 0). `random` returns [0, 1),
 * as `Math.random`.
 */
export function orderSrvTargets(records: readonly SrvRecord[], random: () => number = Math.random): SrvRecord[] {
  const priorities = [...new Set(records.map((r) => r.priority))].sort((a, b) => a - b);
  const ordered: SrvRecord[] = [];
  for (const priority of priorities) {
    const group = records.filter((r) => r.priority === priority);
    // "Any order, except that all those with weight 0 are placed at the beginning": the
    // zero-weight ones shuffled, so that a group of equal zero weights still spreads load.
    const pool = [...shuffle(group.filter((r) => r.weight === 0), random), ...group.filter((r) => r.weight > 0)];
    while (pool.length > 0) {
      const total = pool.reduce((sum, r) => sum + r.weight, 0);
      // Uniform in 0..total, inclusive (RFC 2782).
      const draw = Math.min(Math.floor(random() * (total + 1)), total);
      let running = 0;
      let index = 0;
      for (; index < pool.length - 1; index++) {
        running += pool[index].weight;
        if (running >= draw) break;
      }
      ordered.push(pool.splice(index, 1)[0]);
    }
  }
  return ordered;
}

/** Fisher–Yates, in place. */
function shuffle<T>(list: T[], random: () => number): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.min(Math.floor(random() * (i + 1)), i);
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

const isRootTarget = (name: string): boolean => name === '' || name === '.';

/** The records worth dialling (a trailing dot dropped), or why there are none. */
function usableTargets(name: string, records: unknown): SrvRecord[] | MqttError {
  if (!Array.isArray(records)) return new MqttError('connection-closed', `DNS SRV lookup of ${name} gave no list of records`);
  if (records.length === 0) return new MqttError('connection-closed', `DNS SRV lookup of ${name} found no records`);
  const valid = (records as unknown[]).filter(isSrvRecord);
  if (valid.length === 1 && isRootTarget(valid[0].name)) {
    return new MqttError('connection-closed', `${name} says the service is not available (its one SRV record has the target ".")`);
  }
  // A "." record usually carries port 0; so may a broken one: neither can be dialled.
  const targets = valid.filter((r) => !isRootTarget(r.name) && r.port > 0).map((r) => (r.name.endsWith('.') ? { ...r, name: r.name.slice(0, -1) } : r));
  if (targets.length === 0) return new MqttError('connection-closed', `DNS SRV lookup of ${name} found no usable records`);
  return targets;
}

function isSrvRecord(r: unknown): r is SrvRecord {
  const { name, port, priority, weight } = (r ?? {}) as Partial<SrvRecord>;
  const u16 = (n: unknown, min: number): boolean => Number.isInteger(n) && (n as number) >= min && (n as number) <= 65535;
  return typeof name === 'string' && u16(port, 0) && u16(priority, 0) && u16(weight, 0);
}

/** Node's resolver error codes (c-ares), in words. */
const DNS_REASONS: Record<string, string> = {
  ENOTFOUND: 'no such domain (NXDOMAIN, ENOTFOUND)',
  ENODATA: 'no SRV records (ENODATA)',
  ETIMEOUT: 'the DNS server did not answer (ETIMEOUT)',
  ESERVFAIL: 'the DNS server failed (SERVFAIL, ESERVFAIL)',
  EREFUSED: 'the DNS server refused the query (REFUSED, EREFUSED)',
  ECONNREFUSED: 'the DNS server is unreachable (ECONNREFUSED)',
  ECANCELLED: 'the lookup was cancelled (ECANCELLED)',
};

function dnsReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const known = typeof code === 'string' ? DNS_REASONS[code] : undefined;
  return known ?? (error instanceof Error ? error.message : String(error));
}

function allFailed(name: string, domain: string, failures: ReadonlyArray<{ target: string; error: MqttError }>): MqttError {
  const codes = new Set(failures.map((f) => f.error.code));
  const code = codes.size === 1 ? [...codes][0] : 'connection-closed';
  const list = failures.map((f, i) => `${i + 1}. ${f.target}: ${f.error.message}`).join('; ');
  const message = `No broker of ${domain} could be reached (SRV ${name}, ${failures.length} target${failures.length === 1 ? '' : 's'}): ${list}`;
  return new MqttError(code, message, { cause: new AggregateError(failures.map((f) => f.error), message) });
}

function asMqttError(error: unknown): MqttError {
  if (error instanceof MqttError) return error;
  return new MqttError('connection-closed', error instanceof Error ? error.message : String(error), { cause: error });
}
