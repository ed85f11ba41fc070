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
  /** The connection was lost or refused; `serverDisconnect` when the broker sent DISCONNECT. */
  | { type: 'disconnected'; error?: MqttError; serverDisconnect: boolean }
  /** `disconnect()` completed: the client closed the connection on purpose. */
  | { type: 'closed' };
