/** The engine's contract with the rest of the client: what it is given (events, requests) and what it calls back (hooks). */

import type { PublishPacket } from '../codec';
import type { MqttError } from '../errors';
import type { AuthStep, ConnAck, SessionEvent } from '../session';
import type { ClientEvent, LogLevel } from './events';

/** A session event as the client makes it: the engine stamps `now` when it reduces it. */
export type EventBody = SessionEvent extends infer E ? (E extends SessionEvent ? Omit<E, 'now'> : never) : never;

/** The events a request starts with (each carries the request id the engine assigns). */
export type RequestEvent = Extract<EventBody, { requestId: number }>;

export interface EngineHooks {
  connected(connack: ConnAck): void;
  deliver(message: PublishPacket, deliveryId: number | undefined): void;
  /** The socket is gone (after `closeTransport`, a socket error, or the peer closing). */
  closed(error: MqttError | undefined): void;
  /** Diagnostics for `events$`; called only while `wantsEvents()` is true. */
  event(event: ClientEvent): void;
  wantsEvents(): boolean;
  /** The session's log lines: for the `logger` option and, when observed, events$. */
  log(level: LogLevel, message: string): void;
  /** The `auth` option's app side (auth.ts), when set. */
  auth?: {
    initialData(reauthentication: boolean): Uint8Array | undefined;
    step(stepId: number, step: AuthStep): void;
    cancel(): void;
  };
}
