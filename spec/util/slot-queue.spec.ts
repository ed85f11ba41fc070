import fc from 'fast-check';
import { SlotQueue } from '../../src/util/slot-queue';

describe('SlotQueue', () => {
  it('behaves as an array emptied by clear(), across many uses', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer(), { maxLength: 40 }), { maxLength: 20 }), (uses) => {
        const q = new SlotQueue<number>();
        for (const items of uses) {
          items.forEach((x) => q.push(x));
          expect(q.length).toBe(items.length);
          expect(Array.from({ length: q.length }, (_, i) => q.at(i))).toEqual(items);
          q.clear();
          expect(q.length).toBe(0);
        }
      }),
    );
  });

  it('takes items pushed while it is being read', () => {
    const q = new SlotQueue<number>();
    q.push(1);
    const seen: number[] = [];
    for (let i = 0; i < q.length; i++) {
      seen.push(q.at(i));
      if (q.at(i) < 4) q.push(q.at(i) + 1);
    }
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('keeps no reference to a cleared item', () => {
    const q = new SlotQueue<object>();
    q.push({});
    q.clear();
    expect((q as unknown as { items: unknown[] }).items.every((x) => x === undefined)).toBe(true);
  });
});
