/**
 * Round-trip properties of the codec, for every packet type and protocol version:
 * - `decodePacket(encodePacket(p, v), v)` is exactly `p` (normal form, so
 *   `toStrictEqual`: no `undefined` keys, Uint8Array not Buffer);
 * - a FrameDecoder fed the concatenation of many encoded packets, cut into random
 *   chunks (down to single bytes), returns exactly those packets in order, no error.
 */
import fc from 'fast-check';
import { decodePacket, encodePacket, FrameDecoder } from '../../../src/codec';
import type { Packet, ProtocolVersion } from '../../../src/codec';
import { anyPacket, packetOf, typesFor, VERSIONS } from './arbitraries';
import { chunkings, concat, splitAt } from './chunks';

/** Fails when a binary field comes back as a Node Buffer (the model is Uint8Array only). */
function assertNoBuffer(value: unknown, path = 'packet'): void {
  if (value instanceof Uint8Array) {
    if (typeof Buffer !== 'undefined' && Buffer.isBuffer(value)) throw new Error(`${path} is a Buffer`);
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) assertNoBuffer(v, `${path}.${k}`);
  }
}

describe.each(VERSIONS)('codec round trip, protocol version %i', (version: ProtocolVersion) => {
  it.each(typesFor(version))('decode(encode(p)) is p for %s', (type) => {
    fc.assert(
      fc.property(packetOf(type, version), (packet) => {
        const bytes = encodePacket(packet, version);
        const decoded = decodePacket(bytes, version);
        assertNoBuffer(decoded);
        expect(decoded).toStrictEqual(packet);
      }),
      { numRuns: 150 },
    );
  });

  it('encodePacket does not mutate its argument', () => {
    fc.assert(
      fc.property(anyPacket(version), (packet) => {
        const before = structuredClone(packet);
        encodePacket(packet, version);
        expect(packet).toStrictEqual(before);
      }),
      { numRuns: 100 },
    );
  });

  it('FrameDecoder returns the same packets in order for any chunking of a stream', () => {
    fc.assert(
      fc.property(
        fc.array(anyPacket(version), { minLength: 1, maxLength: 12 }),
        chunkings,
        (packets: Packet[], cuts) => {
          const stream = concat(packets.map((p) => encodePacket(p, version)));
          const decoder = new FrameDecoder({ protocolVersion: version });
          const out: Packet[] = [];
          for (const chunk of splitAt(stream, cuts)) {
            const result = decoder.push(chunk);
            expect(result.error).toBeUndefined();
            out.push(...result.packets);
          }
          expect(out).toStrictEqual(packets);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('FrameDecoder handles a stream delivered one byte at a time', () => {
    fc.assert(
      fc.property(fc.array(anyPacket(version), { minLength: 1, maxLength: 4 }), (packets) => {
        const stream = concat(packets.map((p) => encodePacket(p, version)));
        const decoder = new FrameDecoder({ protocolVersion: version });
        const out: Packet[] = [];
        for (let i = 0; i < stream.length; i++) {
          const result = decoder.push(stream.subarray(i, i + 1));
          expect(result.error).toBeUndefined();
          out.push(...result.packets);
        }
        expect(out).toStrictEqual(packets);
      }),
      { numRuns: 50 },
    );
  });
});
