/**
 * RFC 2782's target order, `orderSrvTargets`: priority strictly first, a weighted draw
 * within a priority. Properties with fast-check, and the weights' distribution measured
 * over seeded runs (deterministic: the same seed gives the same counts every time).
 */

import fc from 'fast-check';
import { orderSrvTargets, type SrvRecord } from '../../src/transport/srv';

/** A small seeded PRNG (mulberry32): [0, 1), reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const record = (name: string, priority: number, weight: number, port = 1883): SrvRecord => ({ name, port, priority, weight });

/** How often each target comes first over `runs` orderings. */
function firstCounts(records: SrvRecord[], runs: number, seed = 42): Record<string, number> {
  const random = seeded(seed);
  const counts: Record<string, number> = Object.fromEntries(records.map((r) => [r.name, 0]));
  for (let i = 0; i < runs; i++) counts[orderSrvTargets(records, random)[0].name]++;
  return counts;
}

const records = fc.array(
  fc.record({
    name: fc.stringMatching(/^[a-z]{1,8}$/),
    port: fc.integer({ min: 1, max: 65535 }),
    priority: fc.integer({ min: 0, max: 5 }),
    weight: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100 })),
  }),
  { maxLength: 12 },
);

describe('orderSrvTargets (RFC 2782)', () => {
  it('returns every record once, whatever the weights and the draw', () => {
    fc.assert(
      fc.property(records, fc.integer(), (list, seed) => {
        const ordered = orderSrvTargets(list, seeded(seed));
        expect(ordered).toHaveLength(list.length);
        expect(new Set(ordered)).toEqual(new Set(list));
      }),
    );
  });

  it('puts every lower priority before any higher one, whatever the weights', () => {
    fc.assert(
      fc.property(records, fc.integer(), (list, seed) => {
        const priorities = orderSrvTargets(list, seeded(seed)).map((r) => r.priority);
        expect(priorities).toEqual([...priorities].sort((a, b) => a - b));
      }),
    );
  });

  it('a low priority with weight 0 still comes before a higher priority with a large weight', () => {
    const list = [record('heavy-backup', 20, 65535), record('primary', 10, 0)];
    for (let seed = 0; seed < 50; seed++) expect(orderSrvTargets(list, seeded(seed)).map((r) => r.name)).toEqual(['primary', 'heavy-backup']);
  });

  it('within a priority, a higher weight comes first more often, in proportion to (weight, draw 0..total)', () => {
    const runs = 20_000;
    const counts = firstCounts([record('w10', 1, 10), record('w30', 1, 30), record('w60', 1, 60)], runs);
    // A draw uniform in 0..100 picks w10 for 0..10 (11/101), w30 for 11..40, w60 for 41..100.
    expect(counts.w10 / runs).toBeCloseTo(11 / 101, 1);
    expect(counts.w30 / runs).toBeCloseTo(30 / 101, 1);
    expect(counts.w60 / runs).toBeCloseTo(60 / 101, 1);
    expect(counts.w60).toBeGreaterThan(counts.w30);
    expect(counts.w30).toBeGreaterThan(counts.w10);
  });

  it('accepts weight 0: rarely first next to weighted records, and all-zero groups come out whole', () => {
    const runs = 10_000;
    const counts = firstCounts([record('zero', 1, 0), record('w99', 1, 99)], runs);
    // Zero is first only when the draw is exactly 0: 1 in 100.
    expect(counts.zero).toBeGreaterThan(0);
    expect(counts.zero / runs).toBeLessThan(0.03);
    const allZero = [record('a', 1, 0), record('b', 1, 0), record('c', 1, 0)];
    const random = seeded(3);
    const first: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 3000; i++) {
      const ordered = orderSrvTargets(allZero, random);
      expect(ordered.map((r) => r.name).sort()).toEqual(['a', 'b', 'c']);
      first[ordered[0].name]++;
    }
    // RFC 2782 allows any order among the zero weights: shuffled, each comes first about a third of the time.
    for (const name of ['a', 'b', 'c']) expect(first[name] / 3000).toBeCloseTo(1 / 3, 1);
  });

  it('the draw is the only randomness: the same random sequence gives the same order', () => {
    const list = [record('a', 1, 5), record('b', 1, 5), record('c', 2, 1), record('d', 2, 9)];
    expect(orderSrvTargets(list, seeded(7))).toEqual(orderSrvTargets(list, seeded(7)));
  });
});
