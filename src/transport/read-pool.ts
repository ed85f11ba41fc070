/**
 * Copies of what a socket read, for the frame decoder. The socket reads into one
 * reused buffer (tcp.ts), and decoded payloads are views into their chunk, so each
 * chunk is copied out before the next read overwrites it.
 *
 * A copy of its own per read (`slice`) costs an ArrayBuffer: a malloc, external-memory
 * accounting and a finaliser for the GC — measured at ~0.6 µs wall and ~1 µs CPU for an
 * 87-byte read (one 64 B QoS 0 message), more than decoding and routing that message.
 * A subscriber whose broker keeps up with it reads one or two messages at a time, so it
 * paid that per message. Small reads are instead copied side by side into a shared slab,
 * as Node's own Buffer pool does (~0.17 µs for the same read); large ones still get
 * their own copy, whose cost is small next to the messages they hold.
 *
 * The price is the same as with Node's pooled Buffers: a payload the application keeps
 * keeps its slab (at most SLAB bytes) alive.
 */

/** Bytes per slab. */
export const SLAB = 16 * 1024;
/** Reads up to this size share a slab; larger ones are copied on their own. */
export const POOLED_MAX = SLAB / 4;

export class ReadPool {
  private slab = new Uint8Array(0);
  private used = 0;

  /** A copy of `source[0, length)` that nothing will overwrite. */
  copy(source: Uint8Array, length: number): Uint8Array {
    if (length > POOLED_MAX) return Uint8Array.prototype.slice.call(source, 0, length);
    if (length > this.slab.length - this.used) {
      this.slab = new Uint8Array(SLAB);
      this.used = 0;
    }
    const at = this.used;
    this.slab.set(length === source.length ? source : source.subarray(0, length), at);
    this.used = at + length;
    return new Uint8Array(this.slab.buffer, at, length);
  }
}
