/**
 * Transport pieces shared by Node and browsers. Platform-neutral: no `@types/node`, no
 * Node module, so the browser build may import it (tcp.ts and websocket.ts may not).
 */

import { MqttError } from '../errors';

/**
 * Bytes the socket may buffer before `write` answers false (Node's default: 16 KiB).
 * Backpressure needs a bound, not a small one: at 16 KiB a publisher of 1 KiB messages
 * stops and resumes every 16 messages. Most of what those cycles cost turned out to be
 * GC (the engine's pending-request Map, see client/request-table.ts); since that fix a
 * blocked 1 KiB publisher in-process still costs 1.9 µs a message at 16 KiB against 1.5
 * at 256 KiB. 256 KiB a connection is still a bound; MQTT.js has none for QoS 0.
 */
export const WRITE_HIGH_WATER_MARK = 256 * 1024;

/** The WebSocket subprotocol MQTT 3.1.1 and 5.0 require [MQTT-6.0.0-3]. */
export const MQTT_SUBPROTOCOL = 'mqtt';
export const DEFAULT_WEBSOCKET_PATH = '/mqtt';

/** Close codes that end a connection without an error: normal, going away, none given, no close frame. */
export const CLEAN_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1001, 1005, 1006]);

/** `host:port`, with an IPv6 literal in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A text frame from the broker: MQTT travels in binary frames only [MQTT-6.0.0-1]. */
export function textFrameError(url: string): MqttError {
  return new MqttError('protocol-error', `${url} sent a WebSocket text frame; MQTT travels in binary frames only`, {
    rule: 'MQTT-6.0.0-1',
  });
}
