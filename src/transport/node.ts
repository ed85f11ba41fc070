/** Chooses the Node transport for a broker protocol. */

import { Observable } from 'rxjs';
import { MqttError } from '../errors';
import { assertNever } from '../util/assert-never';
import { tcpTransport } from './tcp';
import { tlsTransport } from './tls';
import type { BrokerProtocol, Transport, TransportOptions } from './types';

export interface NodeTransportOptions extends TransportOptions {
  protocol: BrokerProtocol;
}

/**
 * `mqtt` → TCP, `mqtts` → TLS (with `options.tls`, or Node's defaults: the bundled root
 * CAs, verification on). WebSockets are not implemented yet: `ws`/`wss` give a
 * Transport that errors with `invalid-argument` when subscribed.
 */
export function nodeTransport(options: NodeTransportOptions): Transport {
  const { protocol, ...transportOptions } = options;
  switch (protocol) {
    case 'mqtt':
      return tcpTransport(transportOptions);
    case 'mqtts':
      return tlsTransport({ ...transportOptions, tls: transportOptions.tls ?? {} });
    case 'ws':
    case 'wss':
      return new Observable((subscriber) =>
        subscriber.error(new MqttError('invalid-argument', `WebSocket transport not yet supported (${protocol}://)`)),
      );
    default:
      return assertNever(protocol, 'Unknown broker protocol');
  }
}

