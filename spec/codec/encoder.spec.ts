/**
 * Encoder: the same bytes as encodePacket, cut from shared slabs. What is checked:
 * - every view it returns keeps its bytes forever (later encodes, refills and spans
 *   never write over handed-out bytes), for random packet sequences and small slabs;
 * - adjacency exactly as documented in encoder.ts;
 * - spans (mark/since, encodeAll) are one contiguous view of the packets in order,
 *   including across slab refills and packets larger than a slab;
 * - append (the outbox's way in) gives the same bytes as encode, and only the size;
 * - a refused packet takes no bytes; misuse is refused with MqttError.
 */
import fc from 'fast-check';
import { Encoder, encodePacket } from '../../src/codec';
import type { Packet, ProtocolVersion, PublishPacket } from '../../src/codec';
import { MqttError, PacketEncodeError } from '../../src/errors';
import { anyPacket, VERSIONS } from './property/arbitraries';
import { concat } from './property/chunks';

function publish(size: number, packetId = 1): PublishPacket {
  return { type: 'publish', topic: 't/1', payload: new Uint8Array(size).fill(size & 0xff), qos: 1, retain: false, dup: false, packetId };
}
const PUBACK: Packet = { type: 'puback', packetId: 7, reasonCode: 0 };
/** b starts where a ends, in the same buffer. */
function adjacent(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && b.byteOffset === a.byteOffset + a.length;
}

describe.each(VERSIONS)('Encoder, protocol version %i', (version: ProtocolVersion) => {
  it('returns encodePacket\'s bytes, and never overwrites a view it handed out', () => {
    fc.assert(
      fc.property(fc.array(anyPacket(version), { maxLength: 40 }), fc.constantFrom(64, 256, 4096), (packets, slabSize) => {
        const encoder = new Encoder({ slabSize });
        const views = packets.map((p) => encoder.encode(p, version));
        // Checked after all encodes: a later packet must not have written into an earlier view.
        views.forEach((v, i) => expect(v).toEqual(encodePacket(packets[i], version)));
      }),
      { numRuns: 100 },
    );
  });

  it('since(mark) is the concatenation of the packets encoded since, across refills', () => {
    fc.assert(
      fc.property(fc.array(anyPacket(version), { maxLength: 30 }), fc.constantFrom(64, 256, 4096), fc.nat(5), (packets, slabSize, before) => {
        const encoder = new Encoder({ slabSize });
        const earlier = packets.slice(0, before).map((p) => encoder.encode(p, version));
        const mark = encoder.mark();
        const inSpan = packets.slice(before).map((p) => encoder.encode(p, version));
        const span = encoder.since(mark);
        expect(span).toEqual(concat(packets.slice(before).map((p) => encodePacket(p, version))));
        earlier.forEach((v, i) => expect(v).toEqual(encodePacket(packets[i], version)));
        inSpan.forEach((v, i) => expect(v).toEqual(encodePacket(packets[before + i], version)));
      }),
      { numRuns: 100 },
    );
  });
});

describe.each(VERSIONS)('Encoder.append, protocol version %i', (version: ProtocolVersion) => {
  it('returns each packet\'s size, and since(mark) is their concatenation, across refills', () => {
    fc.assert(
      fc.property(fc.array(anyPacket(version), { maxLength: 30 }), fc.constantFrom(64, 256, 4096), (packets, slabSize) => {
        const encoder = new Encoder({ slabSize });
        const mark = encoder.mark();
        const sizes = packets.map((p) => encoder.append(p, version));
        const expected = packets.map((p) => encodePacket(p, version));
        expect(sizes).toEqual(expected.map((b) => b.length));
        expect(encoder.since(mark)).toEqual(concat(expected));
      }),
      { numRuns: 100 },
    );
  });

  it('leaves encode() making views after an append, and after a refused one', () => {
    const encoder = new Encoder();
    const mark = encoder.mark();
    expect(encoder.append(PUBACK, version)).toBe(4);
    expect(() => encoder.append({ ...publish(1), qos: 0 }, version)).toThrow(PacketEncodeError);
    const view = encoder.encode(PUBACK, version);
    expect(view).toEqual(encodePacket(PUBACK, version));
    expect(encoder.since(mark)).toEqual(concat([encodePacket(PUBACK, version), encodePacket(PUBACK, version)]));
  });

  it('refuses to append without an open span', () => {
    const encoder = new Encoder();
    expect(() => encoder.append(PUBACK, version)).toThrow(MqttError);
    encoder.since(encoder.mark());
    expect(() => encoder.append(PUBACK, version)).toThrow(/open span/);
  });
});

describe('Encoder adjacency and allocation', () => {
  it('puts consecutive packets that fit side by side in one slab', () => {
    const encoder = new Encoder({ slabSize: 1024 });
    const a = encoder.encode(publish(100), 4);
    const b = encoder.encode(PUBACK, 4);
    const c = encoder.encode(publish(50), 4);
    expect(adjacent(a, b) && adjacent(b, c)).toBe(true);
    expect(a.buffer.byteLength).toBe(1024);
  });

  it('starts a fresh slab when a packet does not fit in the rest, leaving old views alone', () => {
    const encoder = new Encoder({ slabSize: 1024 });
    const views = Array.from({ length: 6 }, (_, i) => encoder.encode(publish(200, i + 1), 4));
    // 210 bytes each: four fit in 1024, the fifth starts slab two at offset 0.
    expect(adjacent(views[3], views[4])).toBe(false);
    expect(views[4].byteOffset).toBe(0);
    expect(adjacent(views[4], views[5])).toBe(true);
    views.forEach((v, i) => expect(v).toEqual(encodePacket(publish(200, i + 1), 4)));
  });

  it('gives a packet over a quarter of a slab its own array, and the slab goes on', () => {
    const encoder = new Encoder({ slabSize: 1024 });
    const a = encoder.encode(publish(100), 4);
    encoder.encode(publish(300), 4); // fits in the rest: stays in the slab
    const big = encoder.encode(publish(700), 4); // does not fit, and > 256: alone
    const c = encoder.encode(PUBACK, 4);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(big.length);
    expect(c.buffer).toBe(a.buffer);
  });

  it('takes no bytes for a refused packet', () => {
    const encoder = new Encoder({ slabSize: 1024 });
    const a = encoder.encode(PUBACK, 4);
    expect(() => encoder.encode({ ...publish(10), topic: 'a/#' }, 4)).toThrow(PacketEncodeError);
    expect(adjacent(a, encoder.encode(PUBACK, 4))).toBe(true);
  });
});

describe('Encoder spans', () => {
  it('keeps a span contiguous across a refill, copying it to a new slab', () => {
    const encoder = new Encoder({ slabSize: 1024 });
    encoder.encode(publish(600), 4);
    const mark = encoder.mark();
    const packets = [PUBACK, publish(500), publish(2000), PUBACK];
    for (const p of packets) encoder.encode(p, 4);
    expect(encoder.since(mark)).toEqual(concat(packets.map((p) => encodePacket(p, 4))));
  });

  it('returns an empty view for an empty span', () => {
    const encoder = new Encoder();
    expect(encoder.since(encoder.mark())).toHaveLength(0);
  });

  it('encodeAll is one contiguous Uint8Array of the packets in order', () => {
    const encoder = new Encoder({ slabSize: 256 });
    const packets = [publish(10), PUBACK, publish(300), { type: 'pingreq' } as Packet];
    expect(encoder.encodeAll(packets, 5)).toEqual(concat(packets.map((p) => encodePacket(p, 5))));
  });

  it('encodeAll drops its span when a packet is refused', () => {
    const encoder = new Encoder({ slabSize: 1024 });
    expect(() => encoder.encodeAll([PUBACK, { ...publish(1), qos: 0 }], 4)).toThrow(PacketEncodeError);
    // With no span open, a big packet that does not fit gets its own array; inside a
    // span it would have gone into a new slab after a copy of the span.
    encoder.encode(publish(700), 4);
    const big = encoder.encode(publish(700), 4);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(big.length);
  });

  it('refuses a closed or replaced mark', () => {
    const encoder = new Encoder();
    const first = encoder.mark();
    const second = encoder.mark();
    expect(() => encoder.since(first)).toThrow(MqttError);
    encoder.since(second);
    expect(() => encoder.since(second)).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
  });

  it('refuses a slab size that is not an integer ≥ 64', () => {
    for (const slabSize of [0, 63, 1.5, Number.NaN]) {
      expect(() => new Encoder({ slabSize })).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    }
  });
});

describe('PUBLISH topic check', () => {
  it('remembers only a plain topic: a wildcard topic between two plain ones is still refused', () => {
    const p = (topic: string): PublishPacket => ({ ...publish(1), qos: 0, packetId: undefined, topic });
    for (let i = 0; i < 3; i++) {
      expect(encodePacket(p('t/1'), 4)).toHaveLength(8);
      expect(() => encodePacket(p('t/#'), 4)).toThrow(PacketEncodeError);
      expect(() => encodePacket(p(''), 4)).toThrow(PacketEncodeError);
    }
  });
});

describe('Encoder.release: slab reuse once the consumer has read the bytes', () => {
  it('never changes a span before the consumer has read it, whenever release is called', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 300 }), fc.nat(3)), { minLength: 1, maxLength: 120 }),
        (steps) => {
          const encoder = new Encoder({ slabSize: 1024 });
          // Spans waiting to be "written" (in order), each with a copy of what it must hold.
          const queue: { view: Uint8Array; expected: Uint8Array }[] = [];
          let consumed = 0;
          let n = 0;
          for (const [packets, size, lag] of steps) {
            const mark = encoder.mark();
            const sent: Uint8Array[] = [];
            for (let i = 0; i < packets; i++) {
              const p = publish(size, (n++ % 65535) + 1);
              encoder.append(p, 4);
              sent.push(encodePacket(p, 4));
            }
            const view = encoder.since(mark);
            queue.push({ view, expected: Uint8Array.from(concat(sent)) });
            // The socket writes all but the last `lag` spans, checking each as it goes.
            while (queue.length > lag) {
              const { view: v, expected } = queue.shift()!;
              expect(v).toEqual(expected);
              consumed += v.length;
            }
            encoder.release(consumed);
          }
          for (const { view: v, expected } of queue) expect(v).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reuses a released slab instead of allocating, and keeps one that is still being read', () => {
    const encoder = new Encoder({ slabSize: 1024 });
    const spanOf = (): Uint8Array => {
      const mark = encoder.mark();
      encoder.append(publish(290), 4); // 300 bytes: three spans fill most of a slab
      return encoder.since(mark);
    };
    const a = [spanOf(), spanOf(), spanOf()];
    expect(new Set(a.map((v) => v.buffer)).size).toBe(1);
    const slabA = a[0]!.buffer;
    const b = [spanOf(), spanOf(), spanOf()]; // a new slab: A is retired, its bytes end at 900
    expect(b[0]!.buffer).not.toBe(slabA);
    encoder.release(899); // the socket has not sent all of A yet
    const c = spanOf(); // a third slab: A may still be read
    expect(c.buffer).not.toBe(slabA);
    expect(c.buffer).not.toBe(b[0]!.buffer);
    encoder.release(900);
    spanOf();
    spanOf();
    const reused = spanOf(); // the next slab is A again
    expect(reused.buffer).toBe(slabA);
    expect(reused).toEqual(encodePacket(publish(290), 4));
  });

});
