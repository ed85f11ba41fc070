/**
 * The engine: the one place where the pure session meets the world.
 *
 * Theory of operation. The engine owns the session state and is its only caller. Every
 * input — a socket event, a decoded packet, a user request, a timer — becomes a
 * `SessionEvent` stamped with `scheduler.now()` and goes through `dispatch`, which runs
 * `reduce` and carries out the commands in order: encode and write packets, hand
 * messages and connection changes to the client (through `EngineHooks`), settle
 * pending requests, close the socket. Events raised while commands run (a user
 * publishing from inside a `next` handler, say) are queued and reduced after, so the
 * reducer always sees one event at a time, in order.
 *
 * Time: after each run, `nextDeadline(state)` says when the reducer wants a `tick`;
 * one `DeadlineTimer` (deadline-timer.ts) keeps a single scheduler action for it.
 *
 * Writes: packets a run sends leave together in one socket write, and its requests
 * settle after that write (see outbox.ts, which also holds them back while the socket
 * is full).
 *
 * The socket itself — dial, dial timeout, close and its grace, the one report that it is
 * gone — is the `Link`'s (link.ts).
 *
 * Store (option `store`, persistence.ts): the session is read from it at construction,
 * and each run's changes are written to it before the outbox hands that run's bytes to
 * the socket (`persist`, before `flush` and before a close writes what is pending): the
 * write-ahead rule. Without the option, one branch per run.
 */

import type { SchedulerLike } from 'rxjs';
import { encodedLength, FrameDecoder, type Packet } from '../codec';
import { MqttError } from '../errors';
import {
  initialState,
  nextDeadline,
  reduceInto,
  type SessionCommand,
  type SessionEvent,
  type SessionState,
  type SettleResult,
} from '../session';
import type { SocketEvent, SocketWriter, Transport } from '../transport/types';
import { assertNever } from '../util/assert-never';
import type { ResolvedOptions } from './resolve-options';
import { DeadlineTimer } from './deadline-timer';
import { SlotQueue } from '../util/slot-queue';
import { Link, toMqttError } from './link';
import { Outbox } from './outbox';
import { persistenceFor, toStoreError, type Persistence } from './persistence';
import type { EngineHooks, EventBody, RequestEvent } from './engine-types';
import { RequestTable } from './request-table';

export class Engine {
  private state: SessionState;
  private readonly inbox = new SlotQueue<EventBody>();
  /** One event's commands, executed and cleared before the next event is reduced. */
  private readonly commands = new SlotQueue<SessionCommand>();
  private running = false;
  private readonly link: Link;
  private writer: SocketWriter | undefined;
  private decoder: FrameDecoder;
  private readonly outbox: Outbox;
  private readonly pending = new RequestTable<(result: SettleResult) => void>();
  private lastRequestId = 0;
  private readonly timer: DeadlineTimer;
  /** The `store` option (not with `clean: true`); undefined keeps the session in memory only. */
  private readonly persistence: Persistence | undefined;

  constructor(
    private readonly options: ResolvedOptions,
    transport: () => Transport,
    private readonly scheduler: SchedulerLike,
    private readonly hooks: EngineHooks,
  ) {
    this.state = initialState(options.session);
    this.persistence = persistenceFor(options, hooks.log);
    if (this.persistence !== undefined) this.state = this.persistence.restore(this.state);
    this.timer = new DeadlineTimer(scheduler, () => this.dispatch({ type: 'tick' }));
    this.outbox = new Outbox(options.session.protocolVersion, () => {
      if (this.hooks.wantsEvents()) this.hooks.event({ type: 'backpressure' });
      this.dispatch({ type: 'transportBlocked' });
    });
    this.decoder = this.newDecoder();
    this.link = new Link(transport, scheduler, options.dialTimeout, {
      event: (event) => this.onSocketEvent(event),
      gone: (error) => this.onSocketGone(error),
    });
  }

  /** True from `open()` until the socket is gone. */
  get isOpen(): boolean {
    return this.link.isOpen;
  }

  /** Dials. The session hears `transportOpened` once the socket is up. */
  open(): void {
    if (this.link.isOpen) return;
    let failure: MqttError | undefined;
    if (this.persistence !== undefined) {
      this.state = this.persistence.restore(this.state);
      failure = this.persistence.failure;
    }
    if (failure !== undefined) {
      // Nothing is sent on a session we could not read: connect() errors with why.
      this.hooks.log('error', failure.message);
      this.hooks.closed(failure);
      return;
    }
    this.decoder = this.newDecoder();
    this.link.open();
  }

  /** Registers a request, dispatches its event, and returns its id (for withdrawal). */
  request(body: (requestId: number) => RequestEvent, onResult: (result: SettleResult) => void): number {
    const requestId = ++this.lastRequestId;
    this.pending.set(requestId, onResult);
    this.dispatch(body(requestId));
    return requestId;
  }

  /** The caller no longer wants the result: forget it (and tell the session, for a publish). */
  forget(requestId: number, withdrawPublish: boolean): void {
    if (this.pending.take(requestId) === undefined) return;
    if (withdrawPublish) this.dispatch({ type: 'publishWithdrawn', requestId });
  }

  dispatch(body: EventBody): void {
    this.inbox.push(body);
    if (!this.running) this.run();
  }

  /**
   * Reduces every queued event, one at a time and in order (events raised meanwhile join
   * the queue), then writes the run's packets at once and settles its requests. Whatever
   * the settles set off (a `mergeMap` subscribing its next publish, say) joins the queue
   * too and is worked through by the same loop: the stack stays flat however long the
   * chain. Settling synchronously into a nested run instead grew the stack by a level per
   * message, and overflowed when a drained socket released thousands of publishes at once.
   */
  private run(): void {
    this.running = true;
    const commands = this.commands;
    try {
      do {
        const now = this.scheduler.now();
        for (let i = 0; i < this.inbox.length; i++) {
          const event = this.inbox.at(i) as SessionEvent;
          event.now = now; // bodies are fresh objects made for this dispatch: no copy needed
          this.state = reduceInto(this.state, event, commands);
          for (let j = 0; j < commands.length; j++) this.execute(commands.at(j));
          commands.clear();
        }
        this.inbox.clear();
        if (this.persistence !== undefined) this.persist();
        this.outbox.flush();
      } while (this.inbox.length > 0);
    } finally {
      this.inbox.clear();
      commands.clear();
      this.running = false;
    }
    this.armTimer();
  }

  /** The socket drained: replays what waited (its settles queue their follow-ups), then tells the session. */
  private onDrained(): void {
    // Held as a run, so what the replayed settles set off queues instead of nesting; when
    // drained inside a run (a synchronous transport), that run's loop picks it up.
    const inRun = this.running;
    this.running = true;
    try {
      this.outbox.drained();
    } finally {
      this.running = inRun;
    }
    if (!this.outbox.isBlocked) this.inbox.push({ type: 'transportDrained' });
    if (!this.running && this.inbox.length > 0) this.run();
  }

  /** Closes the socket at once with `error`, without the session's say (dial timeout, malformed input). */
  abort(error: MqttError): void {
    this.link.abort(error);
  }

  private execute(command: SessionCommand): void {
    switch (command.type) {
      case 'sendPacket':
        return this.send(command.packet);
      case 'deliverMessage':
        return this.hooks.deliver(command.message, command.deliveryId);
      case 'settleRequest': {
        const onResult = this.pending.take(command.requestId);
        if (!onResult) return;
        // A QoS 0 publish completes "once written": after the run's write (or the drain).
        const { result } = command;
        this.outbox.afterWrite(() => onResult(result));
        return;
      }
      case 'connected':
        this.hooks.connected(command.connack);
        // After what the hook asked for (restored SUBSCRIBEs), in this same run.
        this.inbox.push({ type: 'connackHandled' });
        return;
      case 'closeTransport':
        return this.closeTransport(command.error);
      case 'log':
        this.hooks.log(command.level, command.message);
        return;
      case 'authStep':
        // The app answers with an event (authAnswered/authRefused), now or later: never inline.
        this.hooks.auth?.step(command.stepId, command.step);
        return;
      default:
        return assertNever(command);
    }
  }

  private send(packet: Packet): void {
    if (!this.writer) return; // offline: the session resends what the protocol requires
    let size: number;
    try {
      size = this.outbox.add(packet);
    } catch (err) {
      // The API edge validates what users give us; reaching here is a bug, not bad input.
      this.abort(toMqttError(err));
      return;
    }
    if (this.hooks.wantsEvents()) {
      this.hooks.event({ type: 'packetSent', packetType: packet.type, packetId: packetIdOf(packet), size });
    }
  }

  private closeTransport(error: MqttError | undefined): void {
    if (!this.link.beginClose(error)) return;
    if (this.persistence !== undefined) this.persist();
    this.outbox.writePending(); // a DISCONNECT saying why goes out before the close
    if (error || !this.writer) {
      // A dead or misbehaving peer may never answer our FIN: do not wait for it.
      this.link.abort(error ?? new MqttError('connection-closed', 'Closed before the connection was established'));
      return;
    }
    this.link.awaitClose(() => this.outbox.end());
  }

  private onSocketEvent(event: SocketEvent): void {
    switch (event.type) {
      case 'opened':
        this.writer = event.writer;
        this.outbox.attach(event.writer);
        if (this.hooks.wantsEvents()) {
          const { type: _type, writer: _writer, ...addresses } = event;
          this.hooks.event({ type: 'socketOpened', ...addresses });
        }
        return this.opened();
      case 'data':
        return this.onData(event.bytes);
      case 'drained':
        if (this.hooks.wantsEvents()) this.hooks.event({ type: 'drained' });
        return this.onDrained();
      default:
        return assertNever(event);
    }
  }

  /** The session's `transportOpened`, with this connection's Authentication Data (auth option). */
  private opened(): void {
    const { auth } = this.hooks;
    if (auth === undefined) return this.dispatch({ type: 'transportOpened' });
    let authData: Uint8Array | undefined;
    try {
      authData = auth.initialData(false);
    } catch (err) {
      this.abort(toMqttError(err));
      return;
    }
    this.dispatch(authData === undefined ? { type: 'transportOpened' } : { type: 'transportOpened', authData });
  }

  private onData(bytes: Uint8Array): void {
    const { packets, error } = this.decoder.push(bytes);
    const events = this.hooks.wantsEvents();
    // One run for the whole chunk: its acks leave in one write.
    for (let i = 0; i < packets.length; i++) {
      const packet = packets[i];
      if (events) {
        // Only measured while someone watches events$: the hot path does not pay for it.
        const size = encodedLength(packet, this.options.session.protocolVersion);
        this.hooks.event({ type: 'packetReceived', packetType: packet.type, packetId: packetIdOf(packet), size });
      }
      this.inbox.push({ type: 'packetReceived', packet });
    }
    if (error) this.inbox.push({ type: 'malformedPacketReceived', error });
    if (!this.running && this.inbox.length > 0) this.run();
  }

  /** The link reports the socket gone (once per `open()`), with the error that ended it. */
  private onSocketGone(error: MqttError | undefined): void {
    this.writer = undefined;
    this.hooks.auth?.cancel();
    if (this.hooks.wantsEvents()) this.hooks.event({ type: 'socketClosed', ...(error ? { error } : {}) });
    this.outbox.detach();
    this.dispatch(error ? { type: 'transportClosed', error } : { type: 'transportClosed' });
    this.hooks.closed(error);
  }

  /**
   * Write-ahead: stores what the session changed before the socket gets the packets it
   * covers. A store that fails closes the connection (the run's bytes are dropped with
   * the socket; the session resends them on the next connection, stored first).
   */
  private persist(): void {
    try {
      this.persistence!.save(this.state.session);
    } catch (err) {
      const error = toStoreError(err);
      this.hooks.log('error', error.message);
      this.abort(error);
    }
  }

  private armTimer(): void {
    this.timer.set(nextDeadline(this.state));
  }

  private newDecoder(): FrameDecoder {
    return new FrameDecoder({
      protocolVersion: this.options.session.protocolVersion,
      maximumPacketSize: this.options.maximumPacketSize,
    });
  }
}

function packetIdOf(packet: Packet): number | undefined {
  return 'packetId' in packet ? packet.packetId : undefined;
}
