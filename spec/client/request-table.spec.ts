import fc from 'fast-check';
import { RequestTable } from '../../src/client/request-table';

describe('RequestTable', () => {
  it('behaves like a Map under any sequence of set / take / get (fast-check)', () => {
    // Small id ranges force collisions, wrap-around probe runs and growth.
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), id: fc.integer({ min: 1, max: 200 }) }),
      fc.record({ kind: fc.constant('take' as const), id: fc.integer({ min: 1, max: 200 }) }),
      fc.record({ kind: fc.constant('get' as const), id: fc.integer({ min: 1, max: 200 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), fc.integer({ min: 1, max: 64 }), (ops, capacity) => {
        const table = new RequestTable<string>(capacity);
        const model = new Map<number, string>();
        ops.forEach(({ kind, id }, step) => {
          if (kind === 'set') {
            if (model.has(id)) return; // ids are unique by contract
            table.set(id, `v${step}`);
            model.set(id, `v${step}`);
          } else if (kind === 'take') {
            expect(table.take(id)).toBe(model.get(id));
            model.delete(id);
          } else {
            expect(table.get(id)).toBe(model.get(id));
          }
          expect(table.size).toBe(model.size);
        });
        for (const [id, value] of model) expect(table.get(id)).toBe(value);
        expect(table.drain().sort()).toEqual([...model.values()].sort());
        expect(table.size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps working with ids beyond 2^32 (monotonic request ids never wrap)', () => {
    const table = new RequestTable<number>(8);
    const base = 2 ** 33;
    for (let i = 0; i < 100; i++) table.set(base + i, i);
    for (let i = 0; i < 100; i += 2) expect(table.take(base + i)).toBe(i);
    for (let i = 1; i < 100; i += 2) expect(table.get(base + i)).toBe(i);
    expect(table.size).toBe(50);
  });
});
