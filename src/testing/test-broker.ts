/**
 * `TestBroker`: an in-memory MQTT broker for marble tests, no network.
 *
 * Theory of operation. `broker.transport` is a `Transport` factory: each subscription
 * (each dial of an `MqttClient`) is one fake socket. The broker decodes what the client
 * writes with the library's own codec, records every packet (`received`, `received$`)
 * and answers by itself as configured (TestBrokerOptions): CONNACK, the acks of
 * PUBLISH/SUBSCRIBE/UNSUBSCRIBE, PINGRESP. It does not route messages between clients:
 * a test makes messages arrive with `deliver()`.
 *
 * Time. Like a real socket, nothing reaches the client while it is writing: `opened`,
 * every automatic answer and the close after the client's `end()` are scheduled on the
 * scheduler (after `replyDelay`, or 0 ms: the same virtual frame under
 * `TestScheduler.run`, after the work in progress). The explicit methods (`deliver`,
 * `send`, `sendBytes`, `close`, `fail`, `drain`) act at once: call them from a
 * scheduled action to place them in virtual time. No real timers, no Promises, no Node
 * modules (browser-safe).
 *
 * One client at a time: the explicit methods act on the most recent connection.
 * Misusing the broker (sending while no socket is open, a packet the codec refuses)
 * throws, to fail the test where the mistake is.
 *
 * ## Example
 *
 * ```ts
 * const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
 * scheduler.run(({ expectObservable }) => {
 *   const broker = new TestBroker({ scheduler, replyDelay: 3 });
 *   const client = new MqttClient({ transport: broker.transport, scheduler, keepalive: 0 });
 *   client.connect().subscribe();                                  // CONNACK at 3
 *   // messages$ SUBSCRIBEs (packet id 1) once connected; the broker's PUBLISH comes at 5.
 *   scheduler.schedule(() => broker.deliver('temp', '21.5'), 5);
 *   expectObservable(client.messages$('temp').pipe(map((m) => m.text()))).toBe('5ms a', { a: '21.5' });
 *   expectObservable(client.publish('cmd', 'on', { qos: 1 }), '6ms ^').toBe('9ms (a|)', { a: { qos: 1, packetId: 2, reasonCode: 0 } });
 * });
 * ```
 *
 * (Keepalive 0, or a `disconnect()` at the end: an armed keepalive timer re-arms
 * forever, and `run` flushes until nothing is scheduled.)
 */

import { asyncScheduler, Observable, Subject, Subscription, type SchedulerLike, type Subscriber } from 'rxjs';
import { encodePacket, FrameDecoder, type Packet, type ProtocolVersion, type PublishPacket } from '../codec';
import { MqttError } from '../errors';
import type { SocketEvent, Transport } from '../transport/types';
import {
  resolveAutoAck,
  subackCodeOf,
  type DeliverOptions,
  type ResolvedAutoAck,
  type TestBrokerOptions,
} from './options';

/** The server side of one fake socket. */
interface Connection {
  readonly number: number;
  readonly subscriber: Subscriber<SocketEvent>;
  readonly decoder: FrameDecoder;
  /** Learnt from the CONNECT; 4 until then. */
  version: ProtocolVersion;
  /** `opened` has been emitted. */
  opened: boolean;
  /** False once either side closed it. */
  open: boolean;
  /** Scheduled answers and closes, cancelled when the socket goes or the broker falls silent. */
  pending: Subscription;
}

const utf8 = new TextEncoder();

export class TestBroker {
  /** Every packet the client wrote, decoded, in order, over all connections. */
  readonly received: Packet[] = [];
  /** Every packet the broker sent (automatic answers, `send`, `deliver`), in order. `sendBytes` is not decoded. */
  readonly sent: Packet[] = [];
  /** Hot: each packet the client writes, at the moment it is written. Never completes, never errors. */
  readonly received$: Observable<Packet>;
  /**
   * Pass as `new MqttClient({ transport: broker.transport })`. Each subscription is one
   * socket: it emits `opened` (scheduled), then `data`/`drained`; it completes when the
   * broker closes (`close()`, after a refusing CONNACK, after the client's `end()`) and
   * errors on `fail()` or when the client writes malformed bytes (code
   * `connection-closed`, the decoder's error as `cause`).
   */
  readonly transport: () => Transport;

  private readonly scheduler: SchedulerLike;
  private readonly autoAck: ResolvedAutoAck;
  private readonly replyDelay: number;
  private readonly receivedSubject = new Subject<Packet>();
  private current: Connection | undefined;
  private connections = 0;
  private silenced = false;
  private writesBlocked = false;
  private lastPacketId = 0;

  constructor(private readonly options: TestBrokerOptions = {}) {
    const delay = options.replyDelay ?? 0;
    if (!Number.isFinite(delay) || delay < 0) throw new RangeError(`TestBroker: replyDelay must be ≥ 0, got ${delay}`);
    this.replyDelay = delay;
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.autoAck = resolveAutoAck(options.autoAck);
    this.received$ = this.receivedSubject.asObservable();
    this.transport = () => new Observable<SocketEvent>((subscriber) => this.accept(subscriber));
  }

  /** How many times a client dialled. */
  get connectionCount(): number {
    return this.connections;
  }

  /** True while the latest socket is open (opened, and not closed by either side). */
  get isOpen(): boolean {
    return this.current !== undefined && this.current.opened && this.current.open;
  }

  /**
   * Sends a PUBLISH to the client now, whether or not it subscribed to `topic`, and
   * returns it. QoS 1/2 take the broker's next packet id unless `options.packetId` is given.
   */
  deliver(topic: string, payload: string | Uint8Array, options: DeliverOptions = {}): PublishPacket {
    const qos = options.qos ?? 0;
    const packet: PublishPacket = {
      type: 'publish',
      topic,
      payload: typeof payload === 'string' ? utf8.encode(payload) : payload,
      qos,
      retain: options.retain ?? false,
      dup: options.dup ?? false,
    };
    if (qos > 0) packet.packetId = options.packetId ?? this.nextPacketId();
    if (options.properties !== undefined) packet.properties = options.properties;
    this.send(packet);
    return packet;
  }

  /** Sends any packet now, encoded for the connection's protocol version. Throws what the codec throws. */
  send(packet: Packet): void {
    this.emit(this.socket('send'), packet);
  }

  /** Sends raw bytes now: malformed input, split frames, several packets in one chunk. */
  sendBytes(bytes: Uint8Array | readonly number[]): void {
    const conn = this.socket('sendBytes');
    conn.subscriber.next({ type: 'data', bytes: bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes) });
  }

  /** Closes the socket cleanly now (the broker went away): the transport completes. */
  close(): void {
    this.end(this.socket('close', false), undefined);
  }

  /** Fails the socket now: the transport errors with `error` (default: `connection-closed`). */
  fail(error: MqttError = new MqttError('connection-closed', 'TestBroker: the socket failed')): void {
    this.end(this.socket('fail', false), error);
  }

  /**
   * A half-open connection: from now on the broker answers nothing (CONNACK included, on
   * this and later connections), drops the answers it had scheduled, and does not close
   * its side after the client's `end()`. Explicit methods still work.
   */
  silence(): void {
    this.silenced = true;
    if (this.current) {
      this.current.pending.unsubscribe();
      this.current.pending = new Subscription();
    }
  }

  /** Backpressure: from now on the writer's `write` returns false (the bytes still arrive). */
  blockWrites(): void {
    this.writesBlocked = true;
  }

  /** Ends `blockWrites` and emits `drained` now. */
  drain(): void {
    this.writesBlocked = false;
    this.socket('drain').subscriber.next({ type: 'drained' });
  }

  private accept(subscriber: Subscriber<SocketEvent>): () => void {
    const conn: Connection = {
      number: ++this.connections,
      subscriber,
      decoder: new FrameDecoder({ protocolVersion: 4 }),
      version: 4,
      opened: false,
      open: true,
      pending: new Subscription(),
    };
    this.current = conn;
    this.later(conn, 0, () => {
      conn.opened = true;
      subscriber.next({
        type: 'opened',
        writer: {
          write: (bytes) => {
            if (conn.open) this.onBytes(conn, bytes);
            return !this.writesBlocked;
          },
          // The client's FIN: a live broker closes its side in turn; a silent one never does.
          end: () => {
            if (!this.silenced) this.later(conn, 0, () => this.end(conn, undefined));
          },
        },
        remoteAddress: 'test-broker',
      });
    });
    // The client destroyed the socket.
    return () => this.drop(conn);
  }

  private onBytes(conn: Connection, bytes: Uint8Array): void {
    const { packets, error } = conn.decoder.push(bytes);
    for (const packet of packets) this.onPacket(conn, packet);
    if (error) {
      const failure = new MqttError('connection-closed', `TestBroker: the client sent a malformed packet: ${error.message}`, { cause: error });
      this.later(conn, 0, () => this.end(conn, failure));
    }
  }

  private onPacket(conn: Connection, packet: Packet): void {
    this.received.push(packet);
    this.receivedSubject.next(packet);
    if (!conn.open) return; // a received$ observer closed it
    const auto = this.autoAck;
    switch (packet.type) {
      case 'connect':
        conn.version = packet.protocolVersion;
        conn.decoder.protocolVersion = packet.protocolVersion;
        return this.answerConnect(conn, packet);
      case 'publish':
        if (!auto.publish || packet.packetId === undefined) return;
        return this.reply(conn, {
          type: packet.qos === 1 ? 'puback' : 'pubrec',
          packetId: packet.packetId,
          reasonCode: this.options.publishAckCode?.(packet) ?? 0,
        });
      case 'pubrel':
        if (auto.publish) this.reply(conn, { type: 'pubcomp', packetId: packet.packetId, reasonCode: 0 });
        return;
      case 'pubrec':
        // The client received our QoS 2 delivery; a failure code ends the flow [MQTT-4.3.3].
        if (auto.publish && packet.reasonCode < 0x80) this.reply(conn, { type: 'pubrel', packetId: packet.packetId, reasonCode: 0 });
        return;
      case 'subscribe':
        if (!auto.subscribe) return;
        return this.reply(conn, {
          type: 'suback',
          packetId: packet.packetId,
          reasonCodes: packet.subscriptions.map((s) => subackCodeOf(this.options.subackCodes, s)),
        });
      case 'unsubscribe':
        if (!auto.unsubscribe) return;
        return this.reply(conn, {
          type: 'unsuback',
          packetId: packet.packetId,
          reasonCodes: conn.version === 5 ? packet.topicFilters.map(() => 0) : [],
        });
      case 'pingreq':
        if (auto.ping) this.reply(conn, { type: 'pingresp' });
        return;
      default:
        return; // PUBACK, PUBCOMP, DISCONNECT, AUTH, and what only a broker sends: recorded only
    }
  }

  private answerConnect(conn: Connection, connect: Extract<Packet, { type: 'connect' }>): void {
    const setting = this.options.connack;
    const answer = typeof setting === 'function' ? setting(connect, conn.number) : (setting ?? {});
    if (answer === false) return;
    const reasonCode = answer.reasonCode ?? 0;
    this.reply(conn, {
      type: 'connack',
      sessionPresent: answer.sessionPresent ?? false,
      reasonCode,
      ...(answer.properties ? { properties: answer.properties } : {}),
    });
    // A broker that refuses closes the connection after its CONNACK [MQTT-3.2.2-7] (5.0) / [MQTT-3.2.2-5] (3.1.1).
    if (reasonCode >= 0x80 && !this.silenced) this.later(conn, this.replyDelay, () => this.end(conn, undefined));
  }

  private reply(conn: Connection, packet: Packet): void {
    if (this.silenced) return;
    this.later(conn, this.replyDelay, () => this.emit(conn, packet));
  }

  private emit(conn: Connection, packet: Packet): void {
    if (!conn.open) return;
    const bytes = encodePacket(packet, conn.version);
    this.sent.push(packet);
    conn.subscriber.next({ type: 'data', bytes });
  }

  /** Runs `work` on the scheduler unless the connection goes first. */
  private later(conn: Connection, delay: number, work: () => void): void {
    let action: Subscription | undefined = undefined;
    let ran = false;
    action = this.scheduler.schedule(() => {
      ran = true;
      if (action) conn.pending.remove(action);
      if (conn.open) work();
    }, delay);
    // A synchronous scheduler (queueScheduler) has already run it.
    if (!ran) conn.pending.add(action);
  }

  private end(conn: Connection, error: MqttError | undefined): void {
    if (!conn.open) return;
    this.drop(conn);
    if (error) conn.subscriber.error(error);
    else conn.subscriber.complete();
  }

  private drop(conn: Connection): void {
    conn.open = false;
    conn.pending.unsubscribe();
  }

  private socket(what: string, mustBeOpened = true): Connection {
    const conn = this.current;
    if (!conn || !conn.open || (mustBeOpened && !conn.opened)) {
      throw new Error(`TestBroker.${what}(): no open connection (the client has not dialled, or the socket is closed)`);
    }
    return conn;
  }

  private nextPacketId(): number {
    this.lastPacketId = this.lastPacketId >= 0xffff ? 1 : this.lastPacketId + 1;
    return this.lastPacketId;
  }
}
