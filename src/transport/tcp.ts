/** Plain TCP to a broker with Node's `net`. */

import * as net from 'node:net';
import { MqttError } from '../errors';
import { socketTransport } from './socket';
import type { Transport, TransportOptions } from './types';

/**
 * A cold `Transport` over TCP: each subscription dials `host:port` (from
 * `bindAddress`/`bindPort` when given) with Nagle off, since MQTT packets are small
 * and latency-sensitive. Every failure is a `connection-closed` MqttError.
 */
export function tcpTransport(options: TransportOptions): Transport {
  const { host, port, bindAddress, bindPort } = options;
  const label = hostPort(host, port);
  return socketTransport({
    label,
    openedOn: 'connect',
    dial: () => net.connect({ host, port, localAddress: bindAddress, localPort: bindPort, noDelay: true }),
    toMqttError: (error, opened) => connectionClosed(label, error, opened),
  });
}

/** `host:port`, with IPv6 literals in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function connectionClosed(label: string, error: Error, opened: boolean): MqttError {
  const what = opened ? `Connection to ${label} lost` : `Cannot connect to ${label}`;
  return new MqttError('connection-closed', `${what}: ${error.message}`, { cause: error });
}
