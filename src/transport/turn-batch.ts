/**
 * One socket write per turn of the event loop, of one buffer.
 *
 * The engine writes once per run, and a publisher in a `mergeMap` makes one run per
 * `publish()`: a QoS 0 burst released by a 'drain' is thousands of writes in one turn.
 * Corked, Node keeps each of them as its own request (a chunk record, a Buffer made of
 * the Uint8Array, a callback) until the kernel takes the bytes — with a broker slower
 * than the publisher that is a full high-water mark of small objects, long-lived enough
 * to survive scavenges. Here the packets of a turn are gathered and handed to the socket
 * when the turn ends (a microtask), or as soon as FLUSH_AT bytes wait, so backpressure
 * is still noticed within a bounded amount. Packets from the engine's Encoder sit back
 * to back in one slab (codec/encoder.ts): those join as one view, without a copy, and
 * only a new slab starts a second one. Nothing is copied: views that do not touch are
 * handed over one after the other (the socket is corked for the turn, so they still
 * leave in one writev; copying them into one buffer cost a zero-filled allocation and a
 * copy of up to FLUSH_AT bytes whenever a batch crossed a slab). A packet of COPY_LIMIT
 * bytes or more is handed over as it is: what waits goes first, then it.
 *
 * Backpressure: `write` answers false once the socket did (at any hand-over), until the
 * socket's 'drain', which the owner reports through `drained()`. What `write` took is
 * always written, in order, whatever it answered.
 */

import type { SocketWriter } from './types';

/** Bytes gathered before they are handed over without waiting for the turn's end. */
export const FLUSH_AT = 64 * 1024;
/** Packets at least this large are handed over as they are, not copied. */
export const COPY_LIMIT = 16 * 1024;

/** The `SocketWriter` of a transport that writes through `batch`: `end` hands over what waits, then `close`s. */
export function batchWriter(batch: TurnBatch, close: () => void, written?: () => number): SocketWriter {
  return {
    write: (bytes) => batch.write(bytes),
    end: () => {
      batch.flush();
      close();
    },
    ...(written ? { written } : {}),
  };
}

export class TurnBatch {
  /** Finished segments; the open one is [openStart, openEnd) of `open`'s buffer. */
  private segments: Uint8Array[] = [];
  private open: Uint8Array | undefined;
  private openStart = 0;
  private openEnd = 0;
  private size = 0;
  private scheduled = false;
  private full = false;
  private closed = false;

  /** `sink` writes to the socket and answers its backpressure. */
  constructor(private readonly sink: (bytes: Uint8Array) => boolean) {}

  /** Takes `bytes` (written this turn or sooner); false: the socket is full, wait for `drained()`. */
  write(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    if (bytes.length >= COPY_LIMIT) {
      this.flush();
      this.hand(bytes);
      return !this.full;
    }
    this.add(bytes);
    if (this.size >= FLUSH_AT) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.atTurnEnd);
    }
    return !this.full;
  }

  /** The socket's 'drain': its buffer is empty again. */
  drained(): void {
    this.full = false;
  }

  /** Hands over what waits now (before ending the socket). */
  flush(): void {
    const open = this.open;
    if (open === undefined) return;
    const last = this.openStart === open.byteOffset && this.openEnd === open.byteOffset + open.length
      ? open
      : new Uint8Array(open.buffer, this.openStart, this.openEnd - this.openStart);
    const segments = this.segments;
    this.open = undefined;
    this.size = 0;
    if (segments.length > 0) {
      this.segments = [];
      for (const segment of segments) this.hand(segment);
    }
    this.hand(last);
  }

  /** The socket is gone: drop what waits, take nothing more. */
  close(): void {
    this.closed = true;
    this.open = undefined;
    this.segments = [];
    this.size = 0;
  }

  private add(bytes: Uint8Array): void {
    this.size += bytes.length;
    const open = this.open;
    if (open !== undefined && bytes.buffer === open.buffer && bytes.byteOffset === this.openEnd) {
      this.openEnd += bytes.length;
      return;
    }
    if (open !== undefined) this.segments.push(new Uint8Array(open.buffer, this.openStart, this.openEnd - this.openStart));
    this.open = bytes;
    this.openStart = bytes.byteOffset;
    this.openEnd = bytes.byteOffset + bytes.length;
  }

  private readonly atTurnEnd = (): void => {
    this.scheduled = false;
    if (!this.closed) this.flush();
  };

  private hand(bytes: Uint8Array): void {
    if (!this.sink(bytes)) this.full = true;
  }
}
