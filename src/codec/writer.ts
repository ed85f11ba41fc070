/**
 * Byte-level writing for the encoder. Encoders first compute the packet's exact size
 * (using the `*Length` helpers here), ask an Allocator for a Writer over exactly that
 * many bytes, then write every field into it: no intermediate array per field, no
 * copying at the end. Where the bytes live is the Allocator's business: a fresh
 * Uint8Array per packet (FRESH_ALLOCATION, what `encodePacket` uses) or a view into a
 * shared slab (Encoder, see encoder.ts). Every encoder validates the whole packet
 * before asking for a Writer, so a refused packet never takes any bytes.
 *
 * Strings: `utf8Length` validates and measures in one pass (ASCII fast path, lone
 * surrogates refused [MQTT-1.5.4-1], over 65,535 bytes refused [MQTT-1.5.4]);
 * `Writer.utf8` then writes the bytes by hand, so no TextEncoder allocation.
 */
import { PacketEncodeError } from '../errors';

/** The largest Remaining Length a Variable Byte Integer can express [MQTT-1.5.5]. */
export const MAX_VARINT = 268_435_455;

/** Bytes a Variable Byte Integer takes. */
export function varintLength(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4;
}

/**
 * Byte length of `s` as UTF-8, refusing lone surrogates. Does NOT include the two-byte
 * prefix. U+0000 is refused too: a receiver must treat it as malformed [MQTT-1.5.4-2].
 */
export function utf8Length(s: string, what = 'string'): number {
  const n = s.length;
  let len = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0) throw new PacketEncodeError('MQTT-1.5.4-2', `${what} contains U+0000`);
      continue;
    }
    if (c < 0x800) {
      len += 1;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || next < 0xdc00 || next > 0xdfff) {
        throw new PacketEncodeError('MQTT-1.5.4-1', `${what} contains a lone surrogate`);
      }
      // Two UTF-16 units become four bytes.
      len += 2;
      i++;
    } else {
      len += 2;
    }
  }
  if (len > 0xffff) throw new PacketEncodeError('MQTT-1.5.4', `${what} is ${len} bytes; the limit is 65,535`);
  return len;
}

/** Checks a Binary Data field fits its two-byte length [MQTT-1.5.6]. */
export function binaryLength(b: Uint8Array, what = 'binary data'): number {
  if (b.length > 0xffff) throw new PacketEncodeError('MQTT-1.5.6', `${what} is ${b.length} bytes; the limit is 65,535`);
  return b.length;
}

/** Refuses a Remaining Length a Variable Byte Integer cannot carry. */
export function checkRemainingLength(n: number, what: string): void {
  if (n > MAX_VARINT) {
    throw new PacketEncodeError('MQTT-2.1.4', `${what} would need a remaining length of ${n} bytes; the limit is 268,435,455`, 'packet-too-large');
  }
}

/** What `Writer.done` returns for a viewless write: one shared empty array, never a packet's bytes. */
const NO_VIEW = new Uint8Array(0);

/** Hands out a Writer over `size` bytes that nobody else writes, now or later. */
export interface Allocator {
  writer(size: number): Writer;
}

/**
 * Writes fields from `start` onwards into `buf`. Fields are mutable so an Encoder can
 * re-aim its one Writer at each packet's bytes instead of allocating a Writer per packet.
 */
export class Writer {
  buf: Uint8Array;
  start: number;
  pos: number;
  /** Set by an Encoder appending to a span: nobody wants this packet's own view, so `done` makes none. */
  viewless = false;
  constructor(buf: Uint8Array, start: number) {
    this.buf = buf;
    this.start = start;
    this.pos = start;
  }

  /** The bytes written, [start, pos); the buffer itself when that is all of it; NO_VIEW when `viewless`. */
  done(): Uint8Array {
    if (this.viewless) return NO_VIEW;
    const b = this.buf;
    if (this.start === 0 && this.pos === b.length) return b;
    // Same view as b.subarray(start, pos), without subarray's species lookup (measurably slower per packet).
    return new Uint8Array(b.buffer, b.byteOffset + this.start, this.pos - this.start);
  }

  u8(v: number): void {
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    const b = this.buf;
    b[this.pos++] = v >>> 8;
    b[this.pos++] = v & 0xff;
  }

  u32(v: number): void {
    const b = this.buf;
    b[this.pos++] = v >>> 24;
    b[this.pos++] = (v >>> 16) & 0xff;
    b[this.pos++] = (v >>> 8) & 0xff;
    b[this.pos++] = v & 0xff;
  }

  /** `v` ≤ 268,435,455 < 2^31 (checked by callers), so 32-bit shifts are exact. */
  varint(v: number): void {
    const b = this.buf;
    let p = this.pos;
    while (v >= 0x80) {
      b[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[p++] = v;
    this.pos = p;
  }

  /** Fixed header: first byte then the remaining length. */
  header(first: number, remaining: number): void {
    this.buf[this.pos++] = first;
    this.varint(remaining);
  }

  /**
   * A UTF-8 Encoded String with its length prefix; `s` was validated by utf8Length.
   * Pass that byte length when known: equal to `s.length` means pure ASCII (every
   * non-ASCII character takes more bytes than UTF-16 units), written without branches.
   */
  utf8(s: string, byteLength = -1): void {
    const n = s.length;
    if (byteLength === n) {
      const b = this.buf;
      let p = this.pos;
      b[p++] = n >>> 8;
      b[p++] = n & 0xff;
      for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
      this.pos = p;
      return;
    }
    this.utf8General(s);
  }

  private utf8General(s: string): void {
    const b = this.buf;
    const lenAt = this.pos;
    let p = lenAt + 2;
    const n = s.length;
    for (let i = 0; i < n; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        b[p++] = c;
      } else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 0x3f);
      } else if (c >= 0xd800 && c <= 0xdbff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
        b[p++] = 0xf0 | (c >> 18);
        b[p++] = 0x80 | ((c >> 12) & 0x3f);
        b[p++] = 0x80 | ((c >> 6) & 0x3f);
        b[p++] = 0x80 | (c & 0x3f);
      } else {
        b[p++] = 0xe0 | (c >> 12);
        b[p++] = 0x80 | ((c >> 6) & 0x3f);
        b[p++] = 0x80 | (c & 0x3f);
      }
    }
    const len = p - lenAt - 2;
    b[lenAt] = len >>> 8;
    b[lenAt + 1] = len & 0xff;
    this.pos = p;
  }

  /** Binary Data with its length prefix. */
  binary(v: Uint8Array): void {
    this.u16(v.length);
    this.bytes(v);
  }

  /** Raw bytes, no prefix. */
  bytes(v: Uint8Array): void {
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }
}

/** One exact-size Uint8Array per packet: nothing shared, the caller owns the result. */
export const FRESH_ALLOCATION: Allocator = Object.freeze({
  writer: (size: number): Writer => new Writer(new Uint8Array(size), 0),
});
