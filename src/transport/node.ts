/** Chooses the Node transport for a broker protocol. */

import { assertNever } from '../util/assert-never';
import { tcpTransport } from './tcp';
import { tlsTransport } from './tls';
import type { BrokerProtocol, Transport, TransportOptions } from './types';
import { webSocketTransport } from './websocket';

export interface NodeTransportOptions extends TransportOptions {
  protocol: BrokerProtocol;
}

/**
 * `mqtt` → TCP, `mqtts` → TLS (with `options.tls`, or Node's defaults: the bundled root
 * CAs, verification on), `ws` → WebSocket, `wss` → WebSocket over TLS (the same
 * `tls` defaults). The scheme decides: `tls` options with `mqtt://` or `ws://` are unused.
 */
export function nodeTransport(options: NodeTransportOptions): Transport {
  const { protocol, ...transportOptions } = options;
  switch (protocol) {
    case 'mqtt':
      return tcpTransport(transportOptions);
    case 'mqtts':
      return tlsTransport({ ...transportOptions, tls: transportOptions.tls ?? {} });
    case 'ws':
      return webSocketTransport({ ...transportOptions, tls: undefined });
    case 'wss':
      return webSocketTransport({ ...transportOptions, tls: transportOptions.tls ?? {} });
    default:
      return assertNever(protocol, 'Unknown broker protocol');
  }
}

