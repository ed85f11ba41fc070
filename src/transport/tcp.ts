/** Plain TCP to a broker with Node's `net`. */

import * as net from 'node:net';
import { MqttError } from '../errors';
import { ReadPool } from './read-pool';
import { socketTransport } from './socket';
import { hostPort, WRITE_HIGH_WATER_MARK } from './common';
import { throughProxy } from './proxy/tunnel';
import type { ProxyOptions, Transport, TransportOptions } from './types';

// Re-exported for tls.ts and websocket.ts; they live in common.ts, which browsers may import.
export { hostPort, WRITE_HIGH_WATER_MARK } from './common';

/** Bytes read per `onread` call: one socket's reads go through this one buffer. */
const READ_BUFFER = 64 * 1024;

/**
 * A cold `Transport` over TCP: each subscription dials `host:port` (from
 * `bindAddress`/`bindPort` when given) with Nagle off, since MQTT packets are small
 * and latency-sensitive. Every failure is a `connection-closed` MqttError.
 *
 * Reads use Node's `onread` into one reusable buffer instead of a stream 'data' event
 * per chunk: measured on a QoS 0 subscriber, Node's readable-stream machinery cost about
 * 2 µs a message, more than the whole codec and session. Each chunk is copied out of
 * the shared buffer (read-pool.ts; a view would be overwritten by the next read),
 * because decoded payloads are views into their chunk.
 */
export function tcpTransport(options: TransportOptions): Transport {
  if (options.proxy !== undefined) return tcpThroughProxy(options, options.proxy);
  const { host, port, bindAddress, bindPort } = options;
  const label = hostPort(host, port);
  const copies = new ReadPool();
  return socketTransport({
    label,
    openedOn: 'connect',
    readsItself: true,
    dial: (onBytes) =>
      net.connect({
        // Passed on to the net.Socket constructor (a stream option @types/node omits here).
        ...({ writableHighWaterMark: WRITE_HIGH_WATER_MARK } as object),
        host,
        port,
        localAddress: bindAddress,
        localPort: bindPort,
        noDelay: true,
        onread: {
          buffer: new Uint8Array(READ_BUFFER),
          callback: (nread: number, buffer: Uint8Array) => {
            onBytes(copies.copy(buffer, nread));
            return true;
          },
        },
      }),
    toMqttError: (error, opened) => connectionClosed(label, error, opened),
  });
}

/**
 * TCP through a proxy: the tunnel dials the proxy with the same `onread` reader (see
 * proxy/tunnel.ts), and after its handshake the socket is this transport's, open at once.
 */
function tcpThroughProxy(options: TransportOptions, proxy: ProxyOptions): Transport {
  return throughProxy(options, proxy, true, (tunnel) => {
    const copies = new ReadPool();
    return socketTransport({
      label: tunnel.label,
      openedOn: 'now',
      readsItself: true,
      unread: tunnel.rest,
      dial: (onBytes) => tunnel.takeReads((nread, buffer) => onBytes(copies.copy(buffer, nread))),
      toMqttError: (error, opened) => connectionClosed(tunnel.label, error, opened),
    });
  });
}

export function connectionClosed(label: string, error: Error, opened: boolean): MqttError {
  const what = opened ? `Connection to ${label} lost` : `Cannot connect to ${label}`;
  return new MqttError('connection-closed', `${what}: ${error.message}`, { cause: error });
}
