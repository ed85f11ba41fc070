import fc from 'fast-check';
import { POOLED_MAX, ReadPool, SLAB } from '../../src/transport/read-pool';

describe('ReadPool', () => {
  it('returns copies that later reads into the same buffer never change', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3 * POOLED_MAX }), { minLength: 1, maxLength: 60 }), (lengths) => {
        const pool = new ReadPool();
        const source = new Uint8Array(4 * POOLED_MAX);
        const copies: { copy: Uint8Array; expected: Uint8Array }[] = [];
        lengths.forEach((n, i) => {
          source.fill(i & 0xff, 0, n); // the socket reads over the same buffer each time
          source[n - 1] = (i * 7 + 3) & 0xff;
          const copy = pool.copy(source, n);
          copies.push({ copy, expected: source.slice(0, n) });
        });
        source.fill(0xee);
        for (const { copy, expected } of copies) {
          expect(copy).toBeInstanceOf(Uint8Array);
          expect(copy.constructor).toBe(Uint8Array);
          expect(copy).toEqual(expected);
        }
      }),
    );
  });

  it('puts small reads side by side in one slab and gives a large read its own buffer', () => {
    const pool = new ReadPool();
    const source = new Uint8Array(2 * POOLED_MAX).fill(1);
    const a = pool.copy(source, 87);
    const b = pool.copy(source, 87);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset).toBe(a.byteOffset + 87);
    expect(a.buffer.byteLength).toBe(SLAB);
    const big = pool.copy(source, POOLED_MAX + 1);
    expect(big.buffer).not.toBe(a.buffer);
    expect(big.buffer.byteLength).toBe(POOLED_MAX + 1);
  });

  it('starts a new slab when a read does not fit in the rest', () => {
    const pool = new ReadPool();
    const source = new Uint8Array(POOLED_MAX).fill(2);
    const first = pool.copy(source, POOLED_MAX);
    for (let i = 0; i < 3; i++) expect(pool.copy(source, POOLED_MAX).buffer).toBe(first.buffer);
    const next = pool.copy(source, 1);
    expect(next.buffer).not.toBe(first.buffer);
    expect(next.byteOffset).toBe(0);
  });
});
