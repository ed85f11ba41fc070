/**
 * Automatic reconnect: the `reconnect` option as one `backoff()` subscription.
 *
 * Theory of operation. Once a connection has been accepted, the reconnector watches it as
 * an Observable, the link: it emits the ConnAck each time the client is connected and
 * errors when the connection drops. `backoff({ resetOnSuccess: true })` over the link does
 * the rest: on an error it asks `isRetryable`, waits the next delay on the client's
 * scheduler (telling the client, which shows `reconnecting`), and subscribes to the link
 * again — which dials. A CONNACK emits, which resets the curve to `minDelay`. When
 * backoff gives up (a permanent refusal, `maxAttempts` spent) its error reaches `gaveUp`.
 *
 * Only the client's hooks touch the engine and the state: the resend/resubscribe work
 * that runs on any CONNACK runs here too, because a redial is an ordinary `open()`.
 * Not started by a connection that was never accepted: the first `connect()` reports its
 * failure to its subscriber (users may pipe it through `backoff()` themselves).
 */

import { Observable, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import { MqttError } from '../errors';
import { backoff, type BackoffRetry } from '../operators/backoff';
import type { ConnAck } from '../session';
import { isRetryable, type ReconnectPolicy } from './reconnect-policy';

export interface ReconnectHooks {
  /** Dial again (the engine's `open()`). */
  dial(): void;
  /** A retry is scheduled: `delay` ms from now, after `error`. */
  retrying(attempt: number, delay: number, error: MqttError): void;
  /** No more retries: the connection is gone with `error`. */
  gaveUp(error: MqttError): void;
}

export class Reconnector {
  private supervisor: Subscription | undefined;
  /** The current link's subscriber: set while a connection is up or being dialled. */
  private link: Subscriber<ConnAck> | undefined;

  constructor(
    private readonly policy: ReconnectPolicy,
    private readonly scheduler: SchedulerLike,
    private readonly hooks: ReconnectHooks,
  ) {}

  /** True from the first accepted connection until `stop()` or giving up: the reconnector owns dialling. */
  get active(): boolean {
    return this.supervisor !== undefined;
  }

  /** A CONNACK accepted the connection: start watching it, or end the current retry cycle. */
  connected(connack: ConnAck): void {
    if (this.supervisor === undefined) this.start();
    this.link?.next(connack);
  }

  /** The connection dropped (not on purpose). False when not active: the caller reports it as usual. */
  dropped(error: MqttError): boolean {
    const link = this.link;
    if (link === undefined) return false;
    this.link = undefined;
    link.error(error);
    return true;
  }

  /**
   * `reconnect()` while a retry waits out its delay: cancel the wait and dial now. The
   * curve starts afresh: if this dial fails too, the next retry is attempt 1 after `minDelay`.
   */
  dialNow(): void {
    this.stop();
    this.start(true);
  }

  /** `disconnect()`: cancel a pending retry and stop watching. */
  stop(): void {
    const supervisor = this.supervisor;
    this.supervisor = undefined;
    this.link = undefined;
    supervisor?.unsubscribe();
  }

  /** `dialFirst`: the first subscription dials too (`dialNow`) instead of adopting the connection that is up. */
  private start(dialFirst = false): void {
    let adopt = !dialFirst;
    const link$ = new Observable<ConnAck>((subscriber) => {
      this.link = subscriber;
      // The first subscription adopts the connection that is up; each retry dials.
      if (!adopt) this.hooks.dial();
      adopt = false;
      return () => {
        if (this.link === subscriber) this.link = undefined;
      };
    });
    const { policy, scheduler, hooks } = this;
    const supervisor = link$
      .pipe(
        backoff({
          ...policy,
          scheduler,
          resetOnSuccess: true,
          shouldRetry: isRetryable,
          onRetry: ({ attempt, delay, error }: BackoffRetry) => hooks.retrying(attempt, delay, asMqttError(error)),
        }),
      )
      .subscribe({
        error: (error: unknown) => {
          this.supervisor = undefined;
          this.link = undefined;
          hooks.gaveUp(asMqttError(error));
        },
      });
    // Giving up happens after a drop: inside subscribe only when `dialNow`'s own dial
    // failed at once for good, and then there is nothing left to keep.
    if (!supervisor.closed) this.supervisor = supervisor;
  }
}

function asMqttError(error: unknown): MqttError {
  if (error instanceof MqttError) return error;
  return new MqttError('connection-closed', error instanceof Error ? error.message : String(error), { cause: error });
}
