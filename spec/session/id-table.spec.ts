import fc from 'fast-check';
import { deleteFlow, emptyTable, filterFlows, getFlow, hasFlow, mapFlows, setFlow, tableEntries, type IdTable } from '../../src/session/id-table';
import { deepFreeze } from './helpers';

describe('IdTable (immutable, by packet id)', () => {
  // Ids from a narrow range (collisions in one leaf) and from the whole id space.
  const id = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 65535 }), fc.constantFrom(1, 256, 257, 4096, 65535));
  const op = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), id, value: fc.integer() }),
    fc.record({ kind: fc.constant('delete' as const), id }),
  );

  it('behaves like a Map, never changes a table it was given, and lists entries by ascending id (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        let table: IdTable<number> = emptyTable<number>();
        const model = new Map<number, number>();
        for (const o of ops) {
          const before = deepFreeze(table); // a frozen input: any write to it throws
          const snapshot = tableEntries(before);
          table = o.kind === 'set' ? setFlow(before, o.id, o.value) : deleteFlow(before, o.id);
          if (o.kind === 'set') model.set(o.id, o.value);
          else model.delete(o.id);
          expect(tableEntries(before)).toEqual(snapshot);
          expect(table.size).toBe(model.size);
          expect(getFlow(table, o.id)).toBe(model.get(o.id));
          expect(hasFlow(table, o.id)).toBe(model.has(o.id));
        }
        expect(tableEntries(table)).toEqual([...model.entries()].sort((a, b) => a[0] - b[0]));
      }),
      { numRuns: 200 },
    );
  });

  it('filterFlows and mapFlows return the same table when nothing changes, and a changed one otherwise', () => {
    const table = [3, 259, 65535, 16].reduce((t, i) => setFlow(t, i, i), emptyTable<number>());
    expect(filterFlows(table, () => true)).toBe(table);
    expect(mapFlows(table, (v) => v)).toBe(table);
    expect(tableEntries(filterFlows(table, (v) => v % 2 === 1))).toEqual([[3, 3], [259, 259], [65535, 65535]]);
    expect(tableEntries(mapFlows(table, (v) => v * 2))).toEqual([[3, 6], [16, 32], [259, 518], [65535, 131070]]);
    expect(deleteFlow(table, 4)).toBe(table);
    expect([3, 259, 65535, 16].reduce((t, i) => deleteFlow(t, i), table)).toEqual(emptyTable());
  });
});
