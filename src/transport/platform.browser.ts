/**
 * The browser build's platform.ts: the default transport is the global WebSocket, and
 * options only Node can honour (mqtt://, mqtts://, TLS settings, headers, bind address)
 * are refused when the client is constructed; there is no DNS lookup, so `srv` needs its
 * own `srv.resolve`. Imports nothing of Node's.
 */

import { throwError } from 'rxjs';
import { MqttError } from '../errors';
import { browserTransportProblem, browserWebSocketTransport } from './browser-websocket';
import type { SrvResolver } from './srv';
import type { BrokerProtocol, Transport, TransportOptions } from './types';

/** `ws` → WebSocket, `wss` → secure WebSocket; `mqtt`/`mqtts` fail with `invalid-argument`. */
export function defaultTransport(options: TransportOptions & { protocol: BrokerProtocol }): Transport {
  const { protocol, ...transportOptions } = options;
  if (protocol === 'ws') return browserWebSocketTransport({ ...transportOptions, tls: undefined });
  if (protocol === 'wss') return browserWebSocketTransport({ ...transportOptions, tls: transportOptions.tls ?? {} });
  // Refused by checkDefaultTransport already; kept for callers that skip the check.
  return throwError(() => new MqttError('invalid-argument', browserTransportProblem(options) ?? `Cannot dial ${protocol}:// in a browser`));
}

/** Throws `invalid-argument` with what a browser cannot do, as `browserTransportProblem` words it. */
export function checkDefaultTransport(options: TransportOptions & { protocol: BrokerProtocol }): void {
  const problem = browserTransportProblem(options);
  if (problem !== undefined) throw new MqttError('invalid-argument', problem);
}

/** A browser has no DNS API: `srv` needs its own `srv.resolve` there (DNS over HTTPS, say). */
export const defaultSrvResolver: SrvResolver | undefined = undefined;
