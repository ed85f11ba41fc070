/**
 * The `reconnect` option: what it accepts, and which failures end reconnecting.
 *
 * A refusal is permanent when the next CONNECT, identical, would be refused the same way:
 * the client's credentials, identity, protocol level or CONNECT contents are what the
 * broker objects to, and only a person can change them. Redialling then only hammers the
 * broker (and may get the client banned), so the client stops and reports the refusal.
 * Everything else — a socket error, a keepalive timeout, a broker DISCONNECT, a protocol
 * error, "server unavailable/busy", a quota — may pass, and is retried.
 */

import { MqttError } from '../errors';
import { backoffConfigProblem, type BackoffCurve } from '../operators/backoff';

/** `reconnect: true` or an object: the delay curve of `backoff()`, and a limit. */
export interface ReconnectOptions extends BackoffCurve {
  /** Failed attempts in a row before giving up (state `disconnected`). Default `Infinity`. */
  maxAttempts?: number;
}

export interface ReconnectPolicy extends Required<BackoffCurve> {
  maxAttempts: number;
}

/**
 * CONNACK reason codes that stop reconnecting. The 3.1.1 return codes arrive mapped by
 * the codec (1 → 0x84, 2 → 0x85, 4 → 0x86, 5 → 0x87; 3 "server unavailable" → 0x88 is
 * retried). MQTT 5.0 §3.2.2.2, Connect Reason Code:
 */
export const PERMANENT_REFUSALS: ReadonlyMap<number, string> = new Map([
  [0x81, 'Malformed Packet (our CONNECT as the broker reads it)'],
  [0x82, 'Protocol Error'],
  [0x84, 'Unsupported Protocol Version (3.1.1: unacceptable protocol version)'],
  [0x85, 'Client Identifier not valid (3.1.1: identifier rejected)'],
  [0x86, 'Bad User Name or Password (3.1.1: bad user name or password)'],
  [0x87, 'Not authorized (3.1.1: not authorized)'],
  [0x8a, 'Banned (by administrative action)'],
  [0x8c, 'Bad authentication method'],
  [0x90, 'Topic Name invalid (the will topic)'],
  [0x95, 'Packet too large (the CONNECT)'],
  [0x99, 'Payload format invalid (the will payload)'],
  [0x9a, 'Retain not supported (the will)'],
  [0x9b, 'QoS not supported (the will)'],
]);

/** True when reconnecting after `error` can help (see the header). */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof MqttError) || error.code !== 'connection-refused') return true;
  return error.reasonCode === undefined || !PERMANENT_REFUSALS.has(error.reasonCode);
}

/** `false`/absent: off. `true`: Paho's defaults (1 s doubling to 120 s, no limit). Throws `invalid-argument`. */
export function resolveReconnect(option: boolean | ReconnectOptions | undefined): ReconnectPolicy | undefined {
  if (option === undefined || option === false) return undefined;
  const given: ReconnectOptions = option === true ? {} : option;
  if (typeof given !== 'object' || given === null) {
    throw new MqttError('invalid-argument', `reconnect must be true, false or an object, got ${String(option)}`);
  }
  const problem = backoffConfigProblem(given);
  if (problem !== undefined) throw new MqttError('invalid-argument', `reconnect: ${problem}`);
  return {
    minDelay: given.minDelay ?? 1000,
    maxDelay: given.maxDelay ?? 120_000,
    multiplier: given.multiplier ?? 2,
    jitter: given.jitter ?? 0,
    maxAttempts: given.maxAttempts ?? Infinity,
  };
}
