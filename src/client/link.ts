/**
 * The engine's socket, from dial to gone: one transport subscription at a time, the
 * dial timeout, the close and its grace, and the one report that it is gone.
 *
 * Rules:
 * - `open()` subscribes to a fresh transport; `opened` cancels the dial timeout.
 * - Gone is reported once per `open()`, through `onGone`, with the error that ended it:
 *   the one a close or an abort asked for (none for a clean close), else the socket's,
 *   else "the broker closed the connection".
 * - A transport may do anything synchronously inside `subscribe` (emit, fail, complete);
 *   a subscription that outlived its attempt is unsubscribed, never kept.
 */

import type { SchedulerLike, Subscription } from 'rxjs';
import { MqttError } from '../errors';
import type { SocketEvent, Transport } from '../transport/types';

/** How long a requested close waits for the broker to close its side before destroying the socket. */
const CLOSE_GRACE_MS = 2000;

export interface LinkPorts {
  /** Every socket event (`opened`, `data`, `drained`). */
  event(event: SocketEvent): void;
  /** The socket is gone; `error` is undefined for a clean, requested close. */
  gone(error: MqttError | undefined): void;
}

export class Link {
  /** From `open()` until the socket is reported gone. */
  private live = false;
  private socket: Subscription | undefined;
  private closing: { error: MqttError | undefined } | undefined;
  /** Counts open() calls, so a socket subscription that outlived its attempt is recognised. */
  private attempts = 0;
  /** The dial timeout, then the close grace: one socket-level guard at a time. */
  private guard: Subscription | undefined;

  constructor(
    private readonly transport: () => Transport,
    private readonly scheduler: SchedulerLike,
    private readonly connectTimeout: number,
    private readonly ports: LinkPorts,
  ) {}

  get isOpen(): boolean {
    return this.live;
  }

  open(): void {
    if (this.live) return;
    this.live = true;
    this.closing = undefined;
    const timeout = this.connectTimeout;
    if (timeout > 0) {
      this.guard = this.scheduler.schedule(() => {
        this.guard = undefined;
        this.abort(new MqttError('connect-timeout', `No connection to the broker within ${timeout} ms`));
      }, timeout);
    }
    const attempt = ++this.attempts;
    let gone = false;
    const sub = this.transport().subscribe({
      next: (event) => {
        if (event.type === 'opened') this.cancelGuard();
        this.ports.event(event);
      },
      error: (err: unknown) => {
        gone = true;
        this.gone(toMqttError(err));
      },
      complete: () => {
        gone = true;
        this.gone(undefined);
      },
    });
    // A transport that failed synchronously has already reported; keep no handle to it.
    if (gone) return;
    // Aborted while being subscribed (a synchronous transport sent bad bytes, say), maybe
    // even re-opened since: abort() had no handle to destroy, so destroy it here.
    if (attempt !== this.attempts || !this.live) sub.unsubscribe();
    else this.socket = sub;
  }

  /** Destroys the socket at once and reports it gone with `error`. */
  abort(error: MqttError): void {
    if (!this.live) return;
    this.closing = { error };
    this.destroy();
    this.gone(error);
  }

  /**
   * Marks a requested close, ending with `error` (none: a clean close), before anything
   * is written for it: a transport that closes synchronously on that write is then seen
   * as this close. False when there is nothing to close or a close is under way.
   */
  beginClose(error: MqttError | undefined): boolean {
    if (!this.live || this.closing) return false;
    this.closing = { error };
    return true;
  }

  /**
   * Half-closes with `end` (FIN) and gives the broker CLOSE_GRACE_MS to close its side,
   * then destroys the socket.
   */
  awaitClose(end: () => void): void {
    if (!this.live) return;
    // Armed before end(), because a transport may close inside end(): gone() then cancels
    // it, where a timer armed after would outlive the socket and kill the next one.
    this.guard = this.scheduler.schedule(() => {
      this.guard = undefined;
      const pending = this.closing;
      this.destroy();
      this.gone(pending?.error);
    }, CLOSE_GRACE_MS);
    end();
  }

  private gone(socketError: MqttError | undefined): void {
    if (!this.live) return;
    this.live = false;
    this.cancelGuard();
    this.socket = undefined;
    const error = this.closing ? this.closing.error : (socketError ?? new MqttError('connection-closed', 'The broker closed the connection'));
    this.closing = undefined;
    this.ports.gone(error);
  }

  private destroy(): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.unsubscribe();
  }

  private cancelGuard(): void {
    this.guard?.unsubscribe();
    this.guard = undefined;
  }
}

/** Any failure as an MqttError (`connection-closed` unless it already is one). */
export function toMqttError(err: unknown): MqttError {
  if (err instanceof MqttError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new MqttError('connection-closed', message, { cause: err });
}
