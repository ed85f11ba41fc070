/**
 * Encoder: packets → bytes cut from a shared slab, for a connection's outgoing stream.
 *
 * Theory of operation. `encodePacket` allocates a fresh, zero-filled Uint8Array per
 * packet, and that allocation costs more than writing a 1 KiB PUBLISH. An Encoder
 * instead owns a slab (an ArrayBuffer, 64 KiB by default) and hands out `subarray`
 * views of it, one per packet, one after the other:
 *   - a byte handed out is never written again, so every returned view stays valid
 *     for as long as anyone holds it (a socket's write queue, a retransmit store…);
 *     the price is that a view keeps its whole slab alive. The one exception is opt-in:
 *     `release(n)` says the first n bytes handed out are read, and the slabs holding
 *     only those are reused;
 *   - when a packet does not fit in the rest of the slab, a fresh slab is started and
 *     the old one is left to the views that point into it; a packet larger than a
 *     quarter of a slab gets its own exact-size allocation instead (the current slab
 *     goes on serving later packets), so big packets never waste a slab;
 *   - a span (`mark()` … `since(mark)`) collects the packets one event produces into ONE
 *     contiguous Uint8Array for one socket write. Inside a span every packet goes into
 *     the slab, whatever its size; when the slab runs out, the span so far is copied to
 *     the start of a new slab (at least twice the span's size) and continues there. The
 *     views returned by `encode` inside the span stay valid (they still point at the old
 *     slab's bytes, which are never touched again), they are just no longer part of
 *     the span's buffer.
 *
 * When are two views adjacent? `b = encode(q)` right after `a = encode(p)` has
 * `b.buffer === a.buffer` and `b.byteOffset === a.byteOffset + a.length` exactly when
 * q fitted in what was left of a's slab. `since(mark)` does not depend on that: it is
 * always one view covering every packet encoded since `mark()`, in order.
 *
 * The state is per instance (no module-level state): give each connection its own
 * Encoder. Encoding is synchronous, so one Encoder is never in two encodes at once.
 */
import { MqttError } from '../errors';
import { encodeInto } from './encode';
import type { Packet, ProtocolVersion } from './types';
import { Writer, type Allocator } from './writer';

export interface EncoderOptions {
  /** Bytes per slab; default 65,536. Packets over a quarter of it are allocated alone. */
  slabSize?: number;
}

/** Opaque token from `Encoder.mark()`. */
export type EncoderMark = number & { readonly __encoderMark: never };

const DEFAULT_SLAB = 64 * 1024;
/** Slabs waiting for `release` (the oldest is forgotten beyond this) and slabs kept for reuse. */
const MAX_RETIRED = 16;
const MAX_SPARE = 4;
const NO_SPAN = -1;

export class Encoder implements Allocator {
  readonly slabSize: number;
  /** Starts empty, so an Encoder costs nothing until its first packet. */
  private slab: Uint8Array = new Uint8Array(0);
  private pos = 0;
  /** Slab offset where the open span starts, or NO_SPAN. */
  private spanStart = NO_SPAN;
  private spanId = 0;
  /** One Writer re-aimed at each packet's bytes: no Writer allocated per packet. */
  private readonly w = new Writer(this.slab, 0);
  /** Bytes handed out so far, in order: `encode` views outside a span and `since` spans. */
  private handed = 0;
  /** Slabs left behind, each with the `handed` count its last byte lies within. */
  private retired: Array<{ slab: Uint8Array; until: number }> = [];
  /** Retired slabs `release` said nobody reads any more: reused before allocating. */
  private spare: Uint8Array[] = [];

  constructor(options: EncoderOptions = {}) {
    const { slabSize = DEFAULT_SLAB } = options;
    if (!Number.isInteger(slabSize) || slabSize < 64) {
      throw new MqttError('invalid-argument', `Encoder slabSize must be an integer ≥ 64, got ${String(slabSize)}`);
    }
    this.slabSize = slabSize;
  }

  /**
   * Encodes one packet and returns its bytes: a view into the slab (or, for a packet
   * over a quarter of a slab outside a span, its own array). Valid forever; never
   * written again by the Encoder. Throws PacketEncodeError as `encodePacket` does, in
   * which case no bytes are taken.
   */
  encode(packet: Packet, version: ProtocolVersion): Uint8Array {
    const view = encodeInto(packet, version, this);
    if (this.spanStart === NO_SPAN) this.handed += view.length;
    return view;
  }

  /**
   * The consumer has read the first `consumed` bytes handed out (in the order `encode`
   * outside a span and `since` handed them out): slabs whose bytes all lie within them
   * may be written again. Opt-in — without it no byte is ever written twice — for a
   * connection whose socket reports what it has sent (see client/outbox.ts): a
   * publisher then reuses a few slabs instead of allocating 64 KiB for every 64 KiB sent,
   * whose ArrayBuffers made GC a third of a 1 KiB publisher's CPU.
   */
  release(consumed: number): void {
    while (this.retired.length > 0 && this.retired[0]!.until <= consumed) {
      const { slab } = this.retired.shift()!;
      if (this.spare.length < MAX_SPARE) this.spare.push(slab);
    }
  }

  /**
   * Opens a span: `since(mark)` will return every packet encoded from now on as one
   * contiguous Uint8Array. Replaces any span already open (its mark stops working).
   */
  mark(): EncoderMark {
    this.spanStart = this.pos;
    return ++this.spanId as EncoderMark;
  }

  /**
   * Closes the span `mark` opened and returns its bytes: every packet encoded since,
   * in order, in one view (empty if none). Throws MqttError 'invalid-argument' if
   * `mark` is not the open span's (already closed, or replaced by a later `mark()`).
   */
  since(mark: EncoderMark): Uint8Array {
    if (this.spanStart === NO_SPAN || mark !== this.spanId) {
      throw new MqttError('invalid-argument', 'Encoder.since: this mark is not the open span (closed, or replaced by a later mark())');
    }
    const view = this.slab.subarray(this.spanStart, this.pos);
    this.spanStart = NO_SPAN;
    this.handed += view.length;
    return view;
  }

  /**
   * Encodes `packets` in order into one contiguous Uint8Array (a span). If one throws
   * PacketEncodeError, the span is dropped and the error propagates; the packets before
   * it took slab bytes but are not returned.
   */
  encodeAll(packets: readonly Packet[], version: ProtocolVersion): Uint8Array {
    const mark = this.mark();
    try {
      for (const p of packets) encodeInto(p, version, this);
    } catch (err) {
      this.spanStart = NO_SPAN;
      throw err;
    }
    return this.since(mark);
  }

  /**
   * Encodes one packet at the end of the open span and returns its size in bytes, with
   * no view of it made (`since` returns the span's bytes). Throws as `encode`; no bytes
   * are taken then. Throws `invalid-argument` when no span is open.
   */
  append(packet: Packet, version: ProtocolVersion): number {
    if (this.spanStart === NO_SPAN) throw new MqttError('invalid-argument', 'Encoder.append needs an open span: call mark() first');
    const w = this.w;
    w.viewless = true;
    try {
      encodeInto(packet, version, this);
    } finally {
      w.viewless = false;
    }
    return w.pos - w.start;
  }

  /** Allocator: a Writer over `size` bytes no one has been or will be given. Internal. */
  writer(size: number): Writer {
    const w = this.w;
    let at = this.pos;
    if (size > this.slab.length - at) {
      if (this.spanStart === NO_SPAN && size > this.slabSize >>> 2) {
        w.buf = new Uint8Array(size);
        w.start = w.pos = 0;
        return w;
      }
      at = this.newSlab(size);
    }
    this.pos = at + size;
    w.buf = this.slab;
    w.start = w.pos = at;
    return w;
  }

  /** Starts a slab with room for `size` more bytes (carrying the open span over); returns the write offset. */
  private newSlab(size: number): number {
    const old = this.slab;
    if (this.spanStart === NO_SPAN) {
      this.slab = this.fresh(Math.max(this.slabSize, size));
      this.retire(old, this.handed);
      return 0;
    }
    const span = old.subarray(this.spanStart, this.pos);
    // Doubling keeps a span of many large packets linear, not quadratic, in copying.
    const next = this.fresh(Math.max(this.slabSize, 2 * (span.length + size)));
    next.set(span, 0);
    this.slab = next;
    this.spanStart = 0;
    // The open span's bytes so far were copied; views of them (encode in a span) still
    // point here, and they count as handed out once the span is.
    this.retire(old, this.handed + span.length);
    return span.length;
  }

  private fresh(size: number): Uint8Array {
    if (size === this.slabSize && this.spare.length > 0) return this.spare.pop()!;
    return new Uint8Array(size);
  }

  /** Only standard slabs are kept for reuse; nothing is kept until someone calls `release`. */
  private retire(slab: Uint8Array, until: number): void {
    if (slab.length !== this.slabSize) return;
    if (this.retired.length >= MAX_RETIRED) this.retired.shift();
    this.retired.push({ slab, until });
  }
}
