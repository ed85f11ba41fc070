/**
 * Robustness: whatever bytes arrive, the decoders answer with a typed result.
 *
 * `decodePacket` returns a Packet or throws a MalformedPacketError; `FrameDecoder.push`
 * returns `{ packets, error? }` and never throws, in any chunking. Inputs are random
 * bytes and valid frames broken on purpose: bit flips, truncations, inserted and
 * deleted bytes, remaining-length lies and huge declared lengths. Every property has a
 * fixed `numRuns`, so the suite is bounded; a decoder that hangs fails on jest's timeout.
 */
import fc from 'fast-check';
import { MalformedPacketError } from '../../../src/errors';
import { decodePacket, encodePacket, FrameDecoder } from '../../../src/codec';
import type { Packet, ProtocolVersion } from '../../../src/codec';
import { anyPacket, VERSIONS } from './arbitraries';
import { chunkings, splitAt } from './chunks';

/** Encodes the remaining length as a variable byte integer ([MQTT-1.5.5]). */
function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** Length in bytes of the fixed header of a well-formed frame. */
function headerLength(frame: Uint8Array): number {
  let i = 1;
  while (i < frame.length && (frame[i] & 0x80) !== 0) i++;
  return i + 1;
}

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; byte: number }
  | { kind: 'delete'; at: number }
  | { kind: 'length'; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  // A remaining length that lies: small lies around the truth, and huge ones.
  fc.record({ kind: fc.constant('length' as const), value: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 268_435_455 })) }),
);

/** Applies one mutation to a copy of `frame`. */
function mutate(frame: Uint8Array, m: Mutation): Uint8Array {
  const bytes = Array.from(frame);
  const at = (n: number) => n % Math.max(bytes.length, 1);
  switch (m.kind) {
    case 'flip': bytes[at(m.at)] ^= 1 << m.bit; break;
    case 'truncate': bytes.length = at(m.at); break;
    case 'insert': bytes.splice(at(m.at), 0, m.byte); break;
    case 'delete': bytes.splice(at(m.at), 1); break;
    case 'length': bytes.splice(1, headerLength(frame) - 1, ...varint(m.value)); break;
  }
  return new Uint8Array(bytes);
}

/** Calls decodePacket; any outcome other than a Packet or MalformedPacketError fails. */
function decodeTyped(bytes: Uint8Array, version: ProtocolVersion): Packet | MalformedPacketError {
  try {
    const packet = decodePacket(bytes, version);
    expect(typeof packet.type).toBe('string');
    return packet;
  } catch (e) {
    if (e instanceof MalformedPacketError) return e;
    throw new Error(`decodePacket threw a non-MalformedPacketError: ${String(e)}`, { cause: e });
  }
}

/** Pushes chunks until the decoder reports an error; push itself must never throw. */
function pushAll(decoder: FrameDecoder, chunks: Uint8Array[]): void {
  for (const chunk of chunks) {
    const result = decoder.push(chunk);
    expect(Array.isArray(result.packets)).toBe(true);
    if (result.error !== undefined) {
      expect(result.error).toBeInstanceOf(MalformedPacketError);
      return;
    }
  }
}

const randomBytes = fc.uint8Array({ maxLength: 512 });
/** Random bytes behind a plausible first byte, so more of them reach the packet decoders. */
const plausibleFrame = fc
  .tuple(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 0, max: 15 }), fc.uint8Array({ maxLength: 200 }))
  .map(([type, flags, body]) => new Uint8Array([(type << 4) | flags, ...varint(body.length), ...body]));

describe.each(VERSIONS)('codec robustness, protocol version %i', (version: ProtocolVersion) => {
  it('decodePacket on random bytes returns a Packet or throws MalformedPacketError', () => {
    fc.assert(fc.property(fc.oneof(randomBytes, plausibleFrame), (bytes) => { decodeTyped(bytes, version); }), { numRuns: 1000 });
  });

  it('decodePacket on mutated valid frames returns a Packet or throws MalformedPacketError', () => {
    fc.assert(
      fc.property(anyPacket(version), fc.array(mutation, { minLength: 1, maxLength: 3 }), (packet, ms) => {
        const frame = ms.reduce(mutate, encodePacket(packet, version));
        decodeTyped(frame, version);
      }),
      { numRuns: 1000 },
    );
  });

  it('FrameDecoder never throws on random or mutated streams, in any chunking', () => {
    const stream = fc.oneof(
      randomBytes,
      plausibleFrame,
      fc.tuple(fc.array(anyPacket(version), { minLength: 1, maxLength: 4 }), fc.array(mutation, { maxLength: 3 }), fc.nat())
        .map(([packets, ms, which]) => {
          const frames = packets.map((p) => encodePacket(p, version));
          const i = which % frames.length;
          frames[i] = ms.reduce(mutate, frames[i]);
          return new Uint8Array(frames.flatMap((f) => Array.from(f)));
        }),
    );
    fc.assert(
      fc.property(stream, chunkings, fc.option(fc.integer({ min: 2, max: 2048 }), { nil: undefined }), (bytes, cuts, max) => {
        const decoder = new FrameDecoder(max === undefined ? { protocolVersion: version } : { protocolVersion: version, maximumPacketSize: max });
        pushAll(decoder, splitAt(bytes, cuts));
      }),
      { numRuns: 500 },
    );
  });

  it('maximumPacketSize admits a packet of exactly that size and refuses one byte more', () => {
    fc.assert(
      fc.property(anyPacket(version), (packet) => {
        const ping = encodePacket({ type: 'pingreq' }, version);
        const frame = encodePacket(packet, version);
        fc.pre(frame.length > ping.length);
        const stream = new Uint8Array([...ping, ...frame]);

        const exact = new FrameDecoder({ protocolVersion: version, maximumPacketSize: frame.length }).push(stream);
        expect(exact.error).toBeUndefined();
        expect(exact.packets).toStrictEqual([{ type: 'pingreq' }, packet]);

        // Packets before the oversized one are still returned with the error.
        const over = new FrameDecoder({ protocolVersion: version, maximumPacketSize: frame.length - 1 }).push(stream);
        expect(over.error).toBeInstanceOf(MalformedPacketError);
        expect(over.packets).toStrictEqual([{ type: 'pingreq' }]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('huge declared lengths', () => {
  const HUGE = 268_435_455; // the largest remaining length ([MQTT-1.5.5], 0xFF 0xFF 0xFF 0x7F)

  it('a ~268 MB declared length over a small maximumPacketSize is an error, without allocating it', () => {
    for (const first of [0x30, 0x32, 0x10, 0x90, 0xf0]) {
      const decoder = new FrameDecoder({ protocolVersion: 5, maximumPacketSize: 1024 });
      const before = process.memoryUsage().arrayBuffers;
      // Only the fixed header: the decoder must refuse on the declared length alone.
      const result = decoder.push(new Uint8Array([first, 0xff, 0xff, 0xff, 0x7f]));
      const grown = process.memoryUsage().arrayBuffers - before;
      expect(result.error).toBeInstanceOf(MalformedPacketError);
      expect(result.packets).toEqual([]);
      expect(grown).toBeLessThan(16 * 1024 * 1024);
    }
  });

  it('a ~268 MB declared length within the limits buffers only what arrived', () => {
    // The default maximumPacketSize admits it: the decoder must wait for the body, and
    // must not reserve 268 MB for it up front (a peer could make us do that with 5 bytes).
    for (const split of [false, true]) {
      const decoder = new FrameDecoder({ protocolVersion: 5 });
      const before = process.memoryUsage().arrayBuffers;
      const start = new Uint8Array([0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01, 0x61]);
      // Whole header in one chunk (run), or split inside the varint (continueHeader).
      let result = split ? decoder.push(start.subarray(0, 3)) : decoder.push(start);
      if (split) result = decoder.push(start.subarray(3));
      for (let i = 0; i < 16; i++) result = decoder.push(new Uint8Array(1024));
      const grown = process.memoryUsage().arrayBuffers - before;
      expect(result.error).toBeUndefined();
      expect(result.packets).toEqual([]);
      expect(decoder.idle).toBe(false);
      expect(grown).toBeLessThan(4 * 1024 * 1024);
    }
  });

  it('a remaining length longer than four bytes is an error ([MQTT-1.5.5])', () => {
    const decoder = new FrameDecoder({ protocolVersion: 4 });
    const result = decoder.push(new Uint8Array([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]));
    expect(result.error).toBeInstanceOf(MalformedPacketError);
    expect(() => decodePacket(new Uint8Array([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), 4)).toThrow(MalformedPacketError);
  });
});
