/**
 * Byte-level reading for the decoder: a cursor over one packet's bytes.
 *
 * Every read is bounds-checked against `end` (the end of the packet's remaining
 * length, not of the underlying buffer), so a field that runs past the declared length
 * is a MalformedPacketError ('remaining length'), never an out-of-range read of the
 * next packet's bytes. Binary data is returned as a `subarray` view (see decode.ts for
 * why that is safe); strings are validated as the spec requires [MQTT-1.5.4-1..3].
 */
import { MalformedPacketError } from '../errors';
import type { UserProperty } from './types';

/** Fatal: malformed UTF-8 and UTF-8-encoded surrogates throw [MQTT-1.5.4-1]. ignoreBOM keeps U+FEFF [MQTT-1.5.4-3]. */
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Below this, building the string by hand beats the TextDecoder call overhead. */
const SHORT_ASCII = 48;

export class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    pos: number,
    /** One past the last byte this packet may read. */
    readonly end: number,
  ) {
    this.pos = pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes exist within the packet. */
  need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      throw new MalformedPacketError('remaining length', `${what} runs past the end of the packet`);
    }
  }

  u8(what = 'byte'): number {
    if (this.pos >= this.end) this.need(1, what);
    return this.buf[this.pos++];
  }

  u16(what = 'two-byte integer'): number {
    if (this.pos + 2 > this.end) this.need(2, what);
    const b = this.buf;
    const v = (b[this.pos] << 8) | b[this.pos + 1];
    this.pos += 2;
    return v;
  }

  u32(what = 'four-byte integer'): number {
    if (this.pos + 4 > this.end) this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    // `* 2 ** 24` instead of `<< 24` keeps the result unsigned.
    return b[p] * 0x1000000 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
  }

  /** Variable Byte Integer [MQTT-1.5.5]: at most 4 bytes and minimally encoded. */
  varint(what = 'variable byte integer'): number {
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 4; i++) {
      const byte = this.u8(what);
      value += (byte & 0x7f) * mul;
      if ((byte & 0x80) === 0) {
        // A final 0x00 after a continuation byte adds nothing: a longer form than needed.
        if (byte === 0 && i > 0) {
          throw new MalformedPacketError('MQTT-1.5.5-1', `${what} is not minimally encoded`);
        }
        return value;
      }
      mul *= 128;
    }
    throw new MalformedPacketError('MQTT-1.5.5', `${what} is longer than 4 bytes`);
  }

  /** UTF-8 Encoded String [MQTT-1.5.4]: two-byte length, well-formed, no U+0000. */
  utf8(what = 'string'): string {
    const len = this.u16(what);
    if (this.pos + len > this.end) this.need(len, what);
    const start = this.pos;
    this.pos = start + len;
    return decodeUtf8(this.buf, start, start + len, what);
  }

  /**
   * A PUBLISH Topic Name: `utf8`, remembering the last one. A subscriber mostly receives
   * the same few topics over and over; equal bytes give the same string without decoding
   * (or checking) them again, and the same string lets the router reuse its last match.
   */
  topicName(): string {
    const len = this.u16('topic name');
    if (this.pos + len > this.end) this.need(len, 'topic name');
    const start = this.pos;
    this.pos = start + len;
    const buf = this.buf;
    const last = lastTopic;
    if (len === last.length && len > 0) {
      let i = 0;
      while (i < len && buf[start + i] === last.bytes[i]) i++;
      if (i === len) return last.name;
    }
    const name = decodeUtf8(buf, start, start + len, 'topic name');
    if (len <= last.bytes.length) {
      last.bytes.set(buf.subarray(start, start + len));
      last.length = len;
      last.name = name;
    }
    return name;
  }

  /** Binary Data [MQTT-1.5.6]: two-byte length, then the bytes (a view). */
  binary(what = 'binary data'): Uint8Array {
    const len = this.u16(what);
    if (this.pos + len > this.end) this.need(len, what);
    const start = this.pos;
    this.pos = start + len;
    return this.buf.subarray(start, start + len);
  }

  /** UTF-8 String Pair [MQTT-1.5.7]. */
  pair(what = 'string pair'): UserProperty {
    const name = this.utf8(what);
    return [name, this.utf8(what)];
  }

  /** Everything up to the end of the packet (a view). */
  rest(): Uint8Array {
    const start = this.pos;
    this.pos = this.end;
    return this.buf.subarray(start, this.end);
  }

  /** Throws if bytes remain: the remaining length claimed more than the content holds. */
  done(what: string): void {
    if (this.pos !== this.end) {
      throw new MalformedPacketError('remaining length', `${this.end - this.pos} unexpected trailing byte(s) in ${what}`);
    }
  }
}

/** The last Topic Name `topicName()` decoded (up to 256 bytes long), with its bytes. */
const lastTopic = { bytes: new Uint8Array(256), length: 0, name: '' };

/** Decodes and validates UTF-8 in buf[start, end). */
export function decodeUtf8(buf: Uint8Array, start: number, end: number, what = 'string'): string {
  let or = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i];
    // In well-formed UTF-8 a 0x00 byte can only be U+0000 [MQTT-1.5.4-2].
    if (b === 0) throw new MalformedPacketError('MQTT-1.5.4-2', `${what} contains U+0000`);
    or |= b;
  }
  if (or < 0x80) {
    const len = end - start;
    if (len <= SHORT_ASCII) {
      let s = '';
      for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]);
      return s;
    }
  }
  try {
    return utf8Decoder.decode(buf.subarray(start, end));
  } catch {
    throw new MalformedPacketError('MQTT-1.5.4-1', `${what} is not well-formed UTF-8`);
  }
}
