/**
 * `MqttClient`: the public API of DESIGN.md. Every method is cold; the connection, once
 * made by `connect()`, lives until `disconnect()` (redialling by itself with the
 * `reconnect` option, see reconnector.ts, or when `reconnect()` asks). The protocol itself is the session
 * reducer, run by the `Engine`; this class only turns Observables into session events
 * and session commands into emissions. The connection's life (state, who waits for
 * what, what a close means) is lifecycle.ts.
 */

import { asyncScheduler, distinctUntilChanged, Observable, Subject, type SchedulerLike } from 'rxjs';
import type { Properties } from '../codec';
import type { AuthSuccess, ConnAck, PublishAck, SettleResult, SubAck, UnsubAck } from '../session';
import { MqttError } from '../errors';
import { AuthDriver } from './auth';
import { validateSessionConfig } from '../session';
import { checkDefaultTransport, defaultTransport } from '../transport/platform';
import { parseBrokerUrl } from '../transport/url';
import { toOutgoingMessage, toSubscriptions, toTopicFilters, type PublishOptions, type SubscribeOptions, type SubscribeRequest } from './args';
import { Engine } from './engine';
import { logTo, type ClientEvent, type LogLevel } from './events';
import { MqttMessage } from './message';
import type { MqttClientOptions } from './options';
import { resolveOptions, type ResolvedOptions } from './resolve-options';
import type { Payload } from './payload';
import { Lifecycle } from './lifecycle';
import { request, type RequestOptions } from './request';
import { Router } from './router';
import { srvDialer } from './srv-options';
import { ask, checkCodes } from './settle';
import type { ConnectionState } from './state';

export interface DisconnectOptions {
  /** MQTT 5 reason code; default 0 (Normal disconnection). 0x04 sends the will. */
  reasonCode?: number;
  properties?: Properties;
}

export class MqttClient {
  /** The current `ConnectionState` to each new subscriber, then every change. Never completes. */
  readonly connectionState$: Observable<ConnectionState>;
  /** Socket opened/closed, backpressure, packets sent/received, log lines. Hot; never completes. */
  readonly events$: Observable<ClientEvent>;

  private readonly options: ResolvedOptions;
  private readonly scheduler: SchedulerLike;
  private readonly engine: Engine;
  private readonly router: Router;
  /** The connection state, the waiters of connect/reconnect/disconnect, and the current CONNACK (`link`). */
  private readonly lifecycle: Lifecycle;
  private readonly events = new Subject<ClientEvent>();
  /** The `auth` option's app side; undefined without it. */
  private readonly auth: AuthDriver | undefined;

  /** Throws `MqttError('invalid-argument')` for bad options; sends nothing. */
  constructor(options: MqttClientOptions = {}) {
    this.options = resolveOptions(options, parseBrokerUrl);
    const configError = validateSessionConfig(this.options.session);
    if (configError) throw configError;
    const scheduler = options.scheduler ?? asyncScheduler;
    this.scheduler = scheduler;
    // The session's log lines and the SRV lookup's, to the `logger` option and to events$.
    const logger = logTo(options.logger, this.options.session.clientId);
    const log = (level: LogLevel, message: string): void => {
      logger(level, message);
      if (this.events.observed) this.events.next({ type: 'log', level, message });
    };
    const makeTransport = options.transport ?? defaultTransport;
    // With srv, each dial looks the broker up first (srv-options.ts, transport/srv.ts).
    const { srv } = this.options;
    const dial = srv
      ? srvDialer(srv, this.options.transport, makeTransport, scheduler, this.options.session.connectTimeout, log)
      : () => makeTransport(this.options.transport);
    // The build's own transport (Node's, or the browser's WebSocket: see transport/platform.ts).
    if (options.transport === undefined) checkDefaultTransport(this.options.transport);
    const { auth } = options;
    this.auth = auth && new AuthDriver(auth, (event) => this.engine.dispatch(event));
    this.engine = new Engine(this.options, dial, scheduler, {
      connected: (connack) => this.lifecycle.onConnected(connack),
      deliver: (packet, deliveryId) => {
        const acker = deliveryId === undefined ? undefined : () => this.engine.dispatch({ type: 'messageAcked', deliveryId });
        this.router.deliver(new MqttMessage(packet, scheduler.now(), acker));
      },
      closed: (error) => this.lifecycle.onClosed(error),
      event: (event) => this.events.next(event),
      log,
      wantsEvents: () => this.events.observed,
      ...(this.auth ? { auth: this.auth } : {}),
    });
    this.router = new Router({
      isConnected: () => this.lifecycle.link !== undefined,
      subscriptionIdsAvailable: () => {
        const link = this.lifecycle.link;
        return this.options.session.protocolVersion === 5 && link !== undefined && link.properties?.subscriptionIdentifiersAvailable !== 0;
      },
      subscribe: (subscriptions, properties, onResult) =>
        this.engine.request(
          (requestId) => ({ type: 'subscribeRequested', requestId, subscriptions, ...(properties ? { properties } : {}) }),
          onResult,
        ),
      unsubscribe: (topicFilters) => this.engine.request((requestId) => ({ type: 'unsubscribeRequested', requestId, topicFilters }), () => {}),
    });
    this.lifecycle = new Lifecycle(this.options.reconnect, scheduler, {
      open: () => this.engine.open(),
      isOpen: () => this.engine.isOpen,
      dispatch: (event) => this.engine.dispatch(event),
      linked: (connack) => this.router.connected(connack.sessionPresent),
    });
    this.connectionState$ = this.lifecycle.state.pipe(distinctUntilChanged());
    this.events$ = this.events.asObservable();
  }

  /**
   * Connects. Emits the `ConnAck` once the broker accepted the connection, then
   * completes; when already connected, emits the current one at once. Errors with
   * `connection-refused` (reason code set), `connect-timeout`, `connection-closed`,
   * `tls-error`, or `store-error` when the `store` option's session cannot be read
   * (nothing is dialled then; a later `connect()` reads it again). Unsubscribing does not abort the attempt: the connection lives until
   * `disconnect()`. While `reconnecting`, it waits for the reconnect's CONNACK (and errors
   * with the last failure if reconnecting gives up) without dialling itself.
   */
  connect(): Observable<ConnAck> {
    return new Observable<ConnAck>((subscriber) => this.lifecycle.connect(subscriber));
  }

  /**
   * Ends the connection and dials again with the same options (Paho's `reconnect()`).
   * Emits the new `ConnAck` and completes; errors as `connect()` does. Unsubscribing does
   * not abort the redial.
   *
   * - Connected (or connecting): sends DISCONNECT with reason code 0x00, so the broker
   *   discards the Will instead of publishing it [MQTT-3.14.4-3] (Paho closes the socket
   *   without DISCONNECT, which publishes it), closes the socket, and dials again. Nothing
   *   pending fails: publishes in flight and queued ones go on after the new CONNACK
   *   exactly as after a network drop (resent when the session is present, `session-lost`
   *   for those in flight when it is not), and `messages$` subscriptions are restored.
   *   A SUBSCRIBE/UNSUBSCRIBE still waiting for its ack errors with `connection-closed`, as
   *   on a drop (`messages$` asks again by itself). The state goes `connecting`, then
   *   `connected`: never `closed` or `disconnected` in between.
   * - Offline (`idle`, `disconnected`, `closed`): the same as `connect()`.
   * - While `reconnecting` (the `reconnect` option): the pending wait is cancelled and it
   *   dials at once (if that dial fails, the backoff curve starts again at `minDelay`); a
   *   redial already waiting for its CONNACK is ended and started again. With the option,
   *   a failed dial hands over to automatic reconnect, and `reconnect()` then emits once
   *   that succeeds (errors if it gives up), as `connect()` does while `reconnecting`.
   * - While `disconnect()` is closing: the socket closes (`closed`, and `disconnect()`
   *   completes), then it dials again.
   */
  reconnect(): Observable<ConnAck> {
    return new Observable<ConnAck>((subscriber) => this.lifecycle.reconnect(subscriber));
  }

  /**
   * Messages whose topic matches `filter` (all messages when no filter is given, with no
   * SUBSCRIBE of their own). The first observer of a filter sends SUBSCRIBE (now, or once
   * connected), the last to leave sends UNSUBSCRIBE. Never completes; errors with
   * `invalid-argument` (bad filter) or `subscribe-failed` (the broker refused it).
   */
  messages$(filter?: string, options: SubscribeOptions = {}): Observable<MqttMessage> {
    return new Observable<MqttMessage>((subscriber) => {
      if (filter === undefined) return this.router.addEverything(subscriber);
      let subscription;
      try {
        [subscription] = toSubscriptions(filter, options, this.options.session.protocolVersion);
      } catch (err) {
        subscriber.error(err);
        return;
      }
      const { topicFilter: _filter, ...routeOptions } = subscription;
      return this.router.add(filter, { ...routeOptions, ...(options.properties ? { properties: options.properties } : {}) }, subscriber);
    });
  }

  /**
   * Publishes. Emits one `PublishAck` and completes: QoS 0 once written to the socket,
   * QoS 1 on PUBACK, QoS 2 on PUBCOMP. While offline it queues (up to `maxQueued`).
   * Errors with `invalid-argument`, `packet-too-large`, `queue-full`, `publish-failed`
   * (reason code set), `session-lost` or `client-disconnected`. Unsubscribing before the
   * packet is sent withdraws it; after, the session still completes the flow.
   */
  publish(topic: string, payload: Payload, options: PublishOptions = {}): Observable<PublishAck> {
    return ask(
      this.engine,
      () => {
        const message = toOutgoingMessage(topic, payload, options, this.options.session.protocolVersion, this.brokerMaximumPacketSize());
        return (requestId) => ({ type: 'publishRequested', requestId, message });
      },
      asIs,
      true,
    );
  }

  /**
   * Low-level SUBSCRIBE, no routing (use `messages$` to receive). Accepts Paho's forms: a
   * filter, `[filter, qos]`, `[filter, options]`, `{ topicFilter, …options }`, or a list.
   * Emits one `SubAck` and completes; errors with `subscribe-failed` when any reason code
   * is ≥ 0x80 (the `SubAck` codes are in the message and `reasonCode` is the first
   * failure), `invalid-argument`, or `connection-closed`.
   */
  subscribe(filters: SubscribeRequest, options: SubscribeOptions = {}): Observable<SubAck> {
    return ask(
      this.engine,
      () => {
        const subscriptions = toSubscriptions(filters, options, this.options.session.protocolVersion);
        const { properties } = options;
        return (requestId) => ({ type: 'subscribeRequested', requestId, subscriptions, ...(properties ? { properties } : {}) });
      },
      (result) => checkCodes(result, 'subscribe-failed', 'subscription'),
      false,
    );
  }

  /** UNSUBSCRIBE. Emits one `UnsubAck` and completes; errors with `unsubscribe-failed` (MQTT 5 codes ≥ 0x80), `invalid-argument`, `connection-closed`. */
  unsubscribe(filters: string | readonly string[], options: { properties?: Properties } = {}): Observable<UnsubAck> {
    return ask(
      this.engine,
      () => {
        const topicFilters = toTopicFilters(filters, options.properties, this.options.session.protocolVersion);
        const { properties } = options;
        return (requestId) => ({ type: 'unsubscribeRequested', requestId, topicFilters, ...(properties ? { properties } : {}) });
      },
      (result) => checkCodes(result, 'unsubscribe-failed', 'unsubscription'),
      false,
    );
  }

  /**
   * MQTT 5 request/response: subscribes to the response topic, publishes `payload` to
   * `topic` with a Response Topic and fresh Correlation Data, and emits the first message
   * on the response topic that carries the same Correlation Data, then completes. SUBSCRIBE
   * goes out before PUBLISH on the same connection, so no reply can outrun it. Errors with
   * `invalid-argument` (not MQTT 5, bad topic), `timeout` after `timeout` ms (default
   * 30,000, on the client's scheduler), or whatever `publish()` errors with.
   * Unsubscribing stops waiting (and leaves the response topic if nobody else observes it).
   */
  request(topic: string, payload: Payload, options: RequestOptions = {}): Observable<MqttMessage> {
    return request(this, topic, payload, options, {
      protocolVersion: this.options.session.protocolVersion,
      clientId: this.options.session.clientId,
      scheduler: this.scheduler,
    });
  }

  /**
   * MQTT 5 re-authentication on the live connection [MQTT-4.12.1-1] (needs the `auth`
   * option): sends AUTH 0x19 (Re-authenticate) with our method and `data` (default: the
   * option's `data`, called with `reauthentication: true`); each AUTH 0x18 from the broker
   * goes to `auth.respond` and back, as during CONNECT, while other traffic goes on.
   * Emits the broker's `AuthSuccess` (AUTH 0x00, with its Authentication Data; after
   * `auth.verify` accepts it) and completes. Errors with `invalid-argument` (no `auth`
   * option, or a re-authentication already in progress), `connection-closed` (not
   * connected: it does not wait for a connection), `server-disconnected` (the broker
   * refused: mosquitto sends DISCONNECT 0x87), `auth-failed` (our respond/verify failed; the
   * connection is closed), or whatever else ends the connection first. Unsubscribing does
   * not stop the exchange (the broker expects it finished).
   */
  reauthenticate(data?: Uint8Array): Observable<AuthSuccess> {
    return ask(
      this.engine,
      () => {
        if (this.auth === undefined) throw new MqttError('invalid-argument', 'reauthenticate() needs the auth option (MQTT 5)', { rule: 'MQTT-4.12.0-7' });
        if (data !== undefined && !(data instanceof Uint8Array)) throw new MqttError('invalid-argument', 'reauthenticate(data): data must be a Uint8Array');
        const authData = data ?? this.auth.initialData(true);
        return (requestId) => ({ type: 'reauthenticateRequested', requestId, ...(authData === undefined ? {} : { data: authData }) });
      },
      asIs,
      false,
    );
  }

  /**
   * Sends DISCONNECT (reason code and properties in MQTT 5) and closes the socket.
   * Completes once the socket is closed (at once when not connected); never errors.
   * Queued publishes error with `client-disconnected`. The state becomes `closed`. While
   * `reconnecting`, the pending redial is cancelled.
   */
  disconnect(options: DisconnectOptions = {}): Observable<void> {
    return new Observable<void>((subscriber) => this.lifecycle.disconnect(subscriber, options));
  }

  private brokerMaximumPacketSize(): number | undefined {
    return this.lifecycle.link?.properties?.maximumPacketSize;
  }
}

/** A publish's result needs no check: the session already turned failures into errors. */
const asIs = (result: SettleResult): SettleResult => result;
