/**
 * Incremental framing: arbitrary chunks in, whole decoded packets out.
 *
 * Theory of operation. The decoder is a small state machine over the byte stream:
 *   - between packets, it looks at the fixed header at the current position. When the
 *     chunk holds the whole packet, it is decoded straight from the chunk (no copy):
 *     the hot path when a socket read carries one or many whole packets;
 *   - when the fixed header itself is split (even inside the Remaining Length varint),
 *     its ≤ 5 bytes wait in a tiny header buffer;
 *   - once the header is known and the body is not all there, the packet is copied
 *     into a reassembly buffer as its bytes arrive, then decoded when complete. The
 *     declared size is a claim, not bytes: 5 bytes can declare 268 MB. So the buffer
 *     is the declared size only for packets up to INITIAL_REASSEMBLY (64 KiB); beyond
 *     that it starts at 64 KiB and doubles as bytes arrive, capped at the declared
 *     size. Memory then stays within twice what the peer actually sent (plus 64 KiB),
 *     copying each byte at most about twice, and the final buffer is exactly the
 *     packet's size.
 * The fixed header alone decides rejection: an unknown type or bad reserved flags, a
 * Remaining Length longer than 4 bytes (known at its 4th byte), or a packet larger than
 * `maximumPacketSize` are errors before any body byte is buffered or allocated.
 *
 * "Need more data" is a value (an empty `packets`), not an exception (as h11 does).
 * A MalformedPacketError is returned, not thrown, together with the packets decoded
 * before it; the decoder then stays failed and returns the same error for every later
 * push, since the stream position is lost and the connection must be closed.
 *
 * Ownership: push() takes ownership of `chunk`. Decoded binary fields are views into it
 * (see decode.ts), so the caller must not overwrite a chunk after pushing it. Socket
 * reads in Node and browsers yield a fresh buffer each time, which is what makes this
 * safe. (A small view keeps its whole chunk alive; copy the payload if you keep many.)
 * A reassembled packet's fields are views into its reassembly buffer instead: a buffer
 * made for that one packet, decoded only once complete (so no view ever points into a
 * buffer that growth later replaces) and dropped by the decoder right after.
 */
import { MalformedPacketError } from '../errors';
import { checkFirstByte, decodeBody, parseRemainingLength } from './decode';
import type { Packet, ProtocolVersion } from './types';
import { varintLength } from './writer';

export interface FrameDecoderOptions {
  protocolVersion: ProtocolVersion;
  /** Largest whole packet accepted, fixed header included. Default 268,435,460 (the protocol maximum). */
  maximumPacketSize?: number;
}

export interface FrameDecoderResult {
  /** Packets completed by this chunk, in order (possibly none). */
  packets: Packet[];
  /** Set when the stream is malformed; every later push returns the same error. */
  error?: MalformedPacketError;
}

/** 1 byte + a 4-byte Remaining Length + 268,435,455 bytes. */
const PROTOCOL_MAX_PACKET = 268_435_460;
/** Packets up to this size get their whole reassembly buffer at once; larger ones grow to it. */
const INITIAL_REASSEMBLY = 64 * 1024;

export class FrameDecoder {
  /** The version later packets are decoded as; set it once CONNECT/CONNACK fixed it. */
  protocolVersion: ProtocolVersion;
  readonly maximumPacketSize: number;

  /** A fixed header split across chunks: up to 5 bytes. */
  private readonly header = new Uint8Array(5);
  private headerLen = 0;
  /** The packet being reassembled: its bytes so far (capacity ≤ its size), how many, its size. */
  private pending: Uint8Array | undefined;
  private pendingFilled = 0;
  private pendingTotal = 0;
  private pendingBodyStart = 0;
  private error: MalformedPacketError | undefined;

  constructor(options: FrameDecoderOptions) {
    this.protocolVersion = options.protocolVersion;
    this.maximumPacketSize = Math.min(options.maximumPacketSize ?? PROTOCOL_MAX_PACKET, PROTOCOL_MAX_PACKET);
  }

  /** True when no partial packet is buffered (the stream is at a packet boundary). */
  get idle(): boolean {
    return this.headerLen === 0 && this.pending === undefined;
  }

  push(chunk: Uint8Array): FrameDecoderResult {
    if (this.error !== undefined) return { packets: [], error: this.error };
    const packets: Packet[] = [];
    try {
      this.run(chunk, packets);
      return { packets };
    } catch (e) {
      if (!(e instanceof MalformedPacketError)) throw e;
      this.error = e;
      this.pending = undefined;
      this.headerLen = 0;
      return { packets, error: e };
    }
  }

  private run(chunk: Uint8Array, packets: Packet[]): void {
    const end = chunk.length;
    let pos = 0;
    if (this.headerLen > 0) pos = this.continueHeader(chunk);
    if (this.pending !== undefined) {
      pos = this.continueBody(chunk, pos, packets);
      if (this.pending !== undefined) return;
    }
    // Hot path: packets wholly inside this chunk decode in place.
    while (pos < end) {
      const first = chunk[pos];
      checkFirstByte(first, this.protocolVersion);
      const remaining = parseRemainingLength(chunk, pos + 1, end);
      if (remaining < 0) {
        this.header.set(chunk.subarray(pos, end));
        this.headerLen = end - pos;
        return;
      }
      const bodyStart = pos + 1 + varintLength(remaining);
      const total = bodyStart - pos + remaining;
      this.checkSize(total);
      if (bodyStart + remaining <= end) {
        packets.push(decodeBody(first, chunk, bodyStart, bodyStart + remaining, this.protocolVersion));
        pos = bodyStart + remaining;
      } else {
        this.startPending(total, bodyStart - pos, chunk.subarray(pos, end));
        return;
      }
    }
  }

  /** Feeds header bytes one at a time until the fixed header parses; returns the chunk position reached. */
  private continueHeader(chunk: Uint8Array): number {
    let pos = 0;
    while (pos < chunk.length) {
      // headerLen ≥ 1 here: run() checked the first byte before stashing it.
      this.header[this.headerLen++] = chunk[pos++];
      const remaining = parseRemainingLength(this.header, 1, this.headerLen);
      if (remaining < 0) continue;
      const headerLen = this.headerLen;
      this.checkSize(headerLen + remaining);
      this.startPending(headerLen + remaining, headerLen, this.header.subarray(0, headerLen));
      this.headerLen = 0;
      return pos;
    }
    return pos;
  }

  /** Copies what this chunk has of the pending packet; decodes it when complete. */
  private continueBody(chunk: Uint8Array, pos: number, packets: Packet[]): number {
    const total = this.pendingTotal;
    const take = Math.min(total - this.pendingFilled, chunk.length - pos);
    this.append(chunk.subarray(pos, pos + take));
    pos += take;
    if (this.pendingFilled === total) {
      // Capacity never exceeds the declared size and now holds all of it: buf is exactly the packet.
      const buf = this.pending as Uint8Array;
      this.pending = undefined;
      packets.push(decodeBody(buf[0], buf, this.pendingBodyStart, total, this.protocolVersion));
    }
    return pos;
  }

  /** `first` is the start of the packet: its header and whatever body bytes came with it (less than all). */
  private startPending(total: number, bodyStart: number, first: Uint8Array): void {
    this.pending = new Uint8Array(total <= INITIAL_REASSEMBLY ? total : INITIAL_REASSEMBLY);
    this.pendingTotal = total;
    this.pendingBodyStart = bodyStart;
    this.pendingFilled = 0;
    this.append(first);
  }

  /** Appends received bytes (never past the declared size), growing the buffer by doubling. */
  private append(bytes: Uint8Array): void {
    let buf = this.pending as Uint8Array;
    const need = this.pendingFilled + bytes.length;
    if (need > buf.length) {
      const grown = new Uint8Array(Math.min(this.pendingTotal, Math.max(need, 2 * buf.length)));
      grown.set(buf.subarray(0, this.pendingFilled));
      this.pending = buf = grown;
    }
    buf.set(bytes, this.pendingFilled);
    this.pendingFilled = need;
  }

  private checkSize(total: number): void {
    if (total > this.maximumPacketSize) {
      throw new MalformedPacketError('maximum packet size', `a ${total}-byte packet exceeds the maximum packet size of ${this.maximumPacketSize} bytes`);
    }
  }
}
