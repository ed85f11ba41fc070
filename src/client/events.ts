/**
 * `events$`: what happens on the wire and in the client, for logging and diagnostics
 * (Paho's on_log, on_socket_open/close, on_pre_connect). Packet events carry type, id
 * and size only — never payloads or passwords.
 */

import type { PacketType } from '../codec';
import type { MqttError } from '../errors';
import type { Logger } from './options';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

export type ClientEvent =
  | { type: 'socketOpened'; localAddress?: string; localPort?: number; remoteAddress?: string; remotePort?: number }
  | { type: 'socketClosed'; error?: MqttError }
  /** The socket's buffer is full: writes wait for `drained`. */
  | { type: 'backpressure' }
  | { type: 'drained' }
  | { type: 'packetSent'; packetType: PacketType; packetId?: number; size: number }
  | { type: 'packetReceived'; packetType: PacketType; packetId?: number; size: number }
  | { type: 'log'; level: LogLevel; message: string };

/** Where the session's log lines go with the `logger` option: `rxmqtt <clientId>: <line>`, `warning` to `warn`. */
export function logTo(logger: Logger | undefined, clientId: string): (level: LogLevel, message: string) => void {
  return (level, message) => {
    if (logger === undefined) return;
    const line = `rxmqtt ${clientId}: ${message}`;
    if (level === 'warning') logger.warn?.(line);
    else logger[level]?.(line);
  };
}
