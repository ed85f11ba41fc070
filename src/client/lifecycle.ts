/**
 * The connection's life as the app sees it: the `ConnectionState` subject, the
 * subscribers of `connect()`/`reconnect()`/`disconnect()` waiting for their outcome, and
 * what a close means (on purpose, a drop the reconnector takes over, or a `reconnect()`
 * redial). `MqttClient` holds one and forwards its public methods here; the engine's
 * `connected`/`closed` hooks land in `onConnected`/`onClosed`.
 *
 * `link` is the CONNACK of the connection that is up, from `connected` until the socket
 * is gone (or `reconnect()` starts ending it): what the router and the publish checks
 * ask. The router hears of a new link (`linked`) before the state says `connected`, so
 * its restored SUBSCRIBEs go out before anything the app does on hearing of it.
 */

import { BehaviorSubject, type SchedulerLike, type Subscriber } from 'rxjs';
import { MqttError } from '../errors';
import type { ConnAck } from '../session';
import type { DisconnectOptions } from './client';
import type { EventBody } from './engine-types';
import type { ReconnectPolicy } from './reconnect-policy';
import { Reconnector } from './reconnector';
import type { ConnectionState } from './state';

export interface LifecycleHooks {
  /** Dial (the engine's `open()`). */
  open(): void;
  /** True from `open()` until the socket is gone. */
  isOpen(): boolean;
  /** A session event (`reconnectRequested`, `disconnectRequested`). */
  dispatch(event: EventBody): void;
  /** A connection was accepted: called before the state says so. */
  linked(connack: ConnAck): void;
}

export class Lifecycle {
  readonly state = new BehaviorSubject<ConnectionState>({ type: 'idle' });
  link: ConnAck | undefined;
  private readonly reconnector: Reconnector | undefined;
  private readonly connectWaiters = new Set<Subscriber<ConnAck>>();
  private readonly disconnectWaiters = new Set<Subscriber<void>>();
  private closingOnPurpose = false;
  /** `reconnect()` is ending the connection: dial again once the socket is gone. */
  private redialing = false;

  constructor(policy: ReconnectPolicy | undefined, scheduler: SchedulerLike, private readonly hooks: LifecycleHooks) {
    this.reconnector = policy && new Reconnector(policy, scheduler, {
      dial: () => hooks.open(),
      retrying: (attempt, delay, error) => this.state.next({ type: 'reconnecting', attempt, delay, error }),
      gaveUp: (error) => this.reportClosed(error, false),
    });
  }

  /** `connect()`: returns the teardown. */
  connect(subscriber: Subscriber<ConnAck>): (() => void) | undefined {
    const current = this.state.value;
    if (current.type === 'connected') {
      subscriber.next(current.connack);
      subscriber.complete();
      return undefined;
    }
    this.connectWaiters.add(subscriber);
    if (!this.hooks.isOpen() && this.reconnector?.active !== true) {
      this.closingOnPurpose = false;
      this.state.next({ type: 'connecting' });
      this.hooks.open();
    }
    return () => this.connectWaiters.delete(subscriber);
  }

  /** `reconnect()`: returns the teardown. */
  reconnect(subscriber: Subscriber<ConnAck>): () => void {
    this.connectWaiters.add(subscriber);
    if (this.hooks.isOpen()) {
      if (!this.redialing) {
        this.redialing = true;
        if (!this.closingOnPurpose) this.enterConnecting();
        // The router holds back until the next CONNACK (no SUBSCRIBE into a closing socket).
        this.link = undefined;
        this.hooks.dispatch({ type: 'reconnectRequested' });
      }
    } else if (this.reconnector?.active === true) {
      this.enterConnecting();
      this.reconnector.dialNow();
    } else {
      this.closingOnPurpose = false;
      this.enterConnecting();
      this.hooks.open();
    }
    return () => this.connectWaiters.delete(subscriber);
  }

  /** `disconnect()`: returns the teardown. */
  disconnect(subscriber: Subscriber<void>, options: DisconnectOptions): (() => void) | undefined {
    this.closingOnPurpose = true;
    this.redialing = false;
    this.reconnector?.stop();
    if (!this.hooks.isOpen()) {
      this.hooks.dispatch({ type: 'disconnectRequested', ...options });
      this.state.next({ type: 'closed' });
      subscriber.complete();
      return undefined;
    }
    // Waiting before the event: the socket may close within the dispatch.
    this.disconnectWaiters.add(subscriber);
    this.hooks.dispatch({ type: 'disconnectRequested', ...options });
    return () => this.disconnectWaiters.delete(subscriber);
  }

  onConnected(connack: ConnAck): void {
    this.link = connack;
    this.hooks.linked(connack);
    this.state.next({ type: 'connected', connack });
    for (const s of [...this.connectWaiters]) {
      s.next(connack);
      s.complete();
    }
    this.connectWaiters.clear();
    this.reconnector?.connected(connack);
  }

  onClosed(error: MqttError | undefined): void {
    this.link = undefined;
    const onPurpose = this.closingOnPurpose;
    if (this.redialing) {
      // reconnect(): whatever the close says, dial again (a disconnect() it overtook ends first).
      this.redialing = false;
      if (onPurpose) this.reportClosed(undefined, true, false);
      this.closingOnPurpose = false;
      this.enterConnecting();
      this.hooks.open();
      return;
    }
    // With `reconnect`, a drop after CONNACK is the reconnector's: it shows `reconnecting` or gives up.
    if (!onPurpose && this.reconnector?.dropped(error ?? new MqttError('connection-closed', 'The connection closed'))) return;
    this.reportClosed(error, onPurpose);
  }

  private enterConnecting(): void {
    if (this.state.value.type !== 'connecting') this.state.next({ type: 'connecting' });
  }

  /** The connection is over for good: the final state, and every waiter told (connect waiters too, unless a redial follows). */
  private reportClosed(error: MqttError | undefined, onPurpose: boolean, failConnectWaiters = true): void {
    this.state.next(onPurpose ? { type: 'closed' } : { type: 'disconnected', ...(error ? { error } : {}), serverDisconnect: error?.code === 'server-disconnected' });
    if (failConnectWaiters) {
      const failure = error ?? new MqttError('connection-closed', 'The connection closed before CONNACK');
      for (const s of [...this.connectWaiters]) s.error(failure);
      this.connectWaiters.clear();
    }
    for (const s of [...this.disconnectWaiters]) s.complete();
    this.disconnectWaiters.clear();
  }
}
