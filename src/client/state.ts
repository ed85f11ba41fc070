/**
 * The connection state as the client publishes it on `connectionState$`: a union keyed
 * by `type`, never a set of booleans (STYLE habit 5).
 */

import type { MqttError } from '../errors';
import type { ConnAck } from '../session';

export type ConnectionState =
  /** Created, `connect()` not yet subscribed. */
  | { type: 'idle' }
  /** Dialling, handshaking, or waiting for CONNACK. */
  | { type: 'connecting' }
  /** CONNACK received with success. */
  | { type: 'connected'; connack: ConnAck }
  /**
   * With the `reconnect` option: the connection dropped (or the last redial failed with
   * `error`); redial `attempt` (1, 2, …) starts `delay` ms after this state was entered.
   * It stays `reconnecting` while that redial waits for its CONNACK.
   */
  | { type: 'reconnecting'; attempt: number; delay: number; error: MqttError }
  /**
   * The connection was lost or refused (with `reconnect`: reconnecting gave up);
   * `serverDisconnect` when the broker sent DISCONNECT.
   */
  | { type: 'disconnected'; error?: MqttError; serverDisconnect: boolean }
  /** `disconnect()` completed: the client closed the connection on purpose. */
  | { type: 'closed' };
