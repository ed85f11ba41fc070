/** Helpers to cut a byte stream into the chunks a socket might deliver. */
import fc from 'fast-check';

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Cut points as fractions in [0, 1), so one arbitrary fits a stream of any length.
 * Mixes a few cuts (big chunks) with many (tiny chunks, down to single bytes).
 */
export const chunkings: fc.Arbitrary<number[]> = fc.oneof(
  fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { maxLength: 4 }),
  fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { maxLength: 200 }),
);

/** Splits `stream` at the given fractional cut points (duplicates give empty chunks, also tested). */
export function splitAt(stream: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = cuts.map((c) => Math.floor(c * stream.length)).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(stream.subarray(from, p));
    from = p;
  }
  chunks.push(stream.subarray(from));
  return chunks;
}
