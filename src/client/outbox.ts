/**
 * The outbox: how packets the session sends reach the socket.
 *
 * Theory of operation. The engine reduces events in runs (everything one socket chunk,
 * timer or user call set off). Packets a run sends are encoded back to back into one
 * span of the connection's `Encoder` slab and leave in ONE socket write when the run
 * ends: a chunk of 100 QoS 1 messages costs one write of 100 PUBACKs, not 100 writes.
 *
 * Settling waits for that write: a QoS 0 publish completes "once written", so the
 * settles of a run are called after its bytes were handed to the socket. When the socket
 * says its buffer is full, later bytes and settles wait, in order, in a backlog until it
 * drains — a `concatMap` over `publish()` then slows to the socket's pace instead of
 * filling memory.
 */

import { Encoder, type EncoderMark, type Packet, type ProtocolVersion } from '../codec';
import type { SocketWriter } from '../transport/types';
import { SlotQueue } from '../util/slot-queue';

type Item = Uint8Array | (() => void) | 'end';

export class Outbox {
  /** A new one per socket: what it counts as handed out is this socket's stream. */
  private encoder = new Encoder();
  private writer: SocketWriter | undefined;
  private span: EncoderMark | undefined;
  /** This run's settles; `spare` takes the next run's while these are called. */
  private settles = new SlotQueue<() => void>();
  private spare = new SlotQueue<() => void>();
  private calling = false;
  private backlog: Item[] = [];
  private blocked = false;

  /** `onBlocked` is told each time the socket's buffer fills (so the session stops feeding it). */
  constructor(
    private readonly version: ProtocolVersion,
    private readonly onBlocked: () => void,
  ) {}

  get isBlocked(): boolean {
    return this.blocked;
  }

  attach(writer: SocketWriter): void {
    this.writer = writer;
    this.encoder = new Encoder();
    this.blocked = false;
    this.backlog = [];
  }

  /**
   * The socket is gone: bytes not yet written are dropped (the session resends what the
   * protocol requires); settles still run — their packets were handed over, or their
   * flows are the session's to finish.
   */
  detach(): void {
    this.writer = undefined;
    this.blocked = false;
    this.span = undefined;
    const waiting = this.backlog.filter((item): item is () => void => typeof item === 'function');
    this.backlog = [];
    this.runSettles();
    for (const settle of waiting) settle();
  }

  /** Encodes `packet` into the run's span and returns its size. Throws PacketEncodeError. */
  add(packet: Packet): number {
    if (this.span === undefined) {
      // Every span goes to the socket, in order: what it has sent is what may be reused.
      const written = this.writer?.written?.();
      if (written !== undefined) this.encoder.release(written);
      this.span = this.encoder.mark();
    }
    return this.encoder.append(packet, this.version);
  }

  /** Calls `settle` once this run's bytes are written (now, when there are none and the socket has room). */
  afterWrite(settle: () => void): void {
    if (this.span === undefined && !this.waiting()) settle();
    else this.settles.push(settle);
  }

  /** Ends the run: one write for its bytes, then its settles (or both wait for `drained`). */
  flush(): void {
    this.writeSpan();
    this.runSettles();
  }

  /** Hands the run's bytes so far to the socket (before closing it), keeping its settles for `flush`. */
  writePending(): void {
    this.writeSpan();
  }

  /** Writes what is pending, then closes the socket's sending side (FIN). */
  end(): void {
    this.writeSpan();
    if (this.waiting()) this.backlog.push('end');
    else this.writer?.end();
  }

  /** The socket drained: replay the backlog until it is empty or the socket is full again. */
  drained(): void {
    this.blocked = false;
    // Shift one at a time: a settle may start a run whose bytes must queue behind the rest.
    while (this.backlog.length > 0 && !this.blocked) {
      const item = this.backlog.shift()!;
      if (item === 'end') this.writer?.end();
      else if (typeof item === 'function') item();
      else this.write(item);
    }
  }

  /** Older bytes or settles are waiting: anything new goes behind them. */
  private waiting(): boolean {
    return this.blocked || this.backlog.length > 0;
  }

  private writeSpan(): void {
    if (this.span === undefined) return;
    const bytes = this.encoder.since(this.span);
    this.span = undefined;
    if (!this.writer || bytes.length === 0) return;
    if (this.waiting()) this.backlog.push(bytes);
    else this.write(bytes);
  }

  private write(bytes: Uint8Array): void {
    if (this.writer && !this.writer.write(bytes)) {
      this.blocked = true;
      this.onBlocked();
    }
  }

  private runSettles(): void {
    const settles = this.settles;
    if (settles.length === 0) return;
    // A settle can lead back here (a user closing the client from a publish's callback
    // detaches the socket): then `spare` is the queue being called, so take a new one.
    const nested = this.calling;
    this.settles = nested ? new SlotQueue() : this.spare;
    this.calling = true;
    try {
      const toBacklog = this.waiting();
      for (let i = 0; i < settles.length; i++) {
        if (toBacklog) this.backlog.push(settles.at(i));
        else settles.at(i)();
      }
    } finally {
      this.calling = nested;
      settles.clear();
      if (!nested) this.spare = settles;
    }
  }
}
