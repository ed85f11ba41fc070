/**
 * The client's default transport for this build, Node's, and its DNS SRV lookup
 * (`dns.promises`). The browser build replaces this
 * module with platform.browser.ts (the `browserPlatform` plugin in tsup.config.ts), so
 * that nothing in a browser bundle imports net, tls, dns or ws. Both export the same names
 * with the same types (spec/transport/browser-websocket.spec.ts checks it).
 */

import { nodeTransport } from './node';
import type { SrvResolver } from './srv';
import { nodeSrvResolver } from './srv-node';
import type { BrokerProtocol, Transport, TransportOptions } from './types';

/** Dials by the broker protocol: TCP, TLS, WebSocket or secure WebSocket. */
export const defaultTransport: (options: TransportOptions & { protocol: BrokerProtocol }) => Transport = nodeTransport;

/** Throws `invalid-argument` for options this build cannot dial. Node dials them all. */
export function checkDefaultTransport(_options: TransportOptions & { protocol: BrokerProtocol }): void {}

/** How `srv` finds its brokers when no `srv.resolve` is given: Node's `dns.promises`. */
export const defaultSrvResolver: SrvResolver | undefined = nodeSrvResolver;
