import fc from 'fast-check';
import { COPY_LIMIT, FLUSH_AT, TurnBatch } from '../../src/transport/turn-batch';

const turnEnd = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function rig(room = Infinity) {
  const handed: Uint8Array[] = [];
  let buffered = 0;
  const batch = new TurnBatch((bytes) => {
    handed.push(bytes.slice()); // what the socket got at that moment
    buffered += bytes.length;
    return buffered < room;
  });
  const drain = (): void => {
    buffered = 0;
    batch.drained();
  };
  return { batch, handed, drain };
}

const concat = (parts: readonly Uint8Array[]): number[] => parts.flatMap((p) => [...p]);

describe('TurnBatch', () => {
  it('hands over the writes of one turn when it ends, in order: adjacent views as one, others one by one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 30 }), fc.boolean(), async (packets, adjacent) => {
        const { batch, handed } = rig();
        // Adjacent: views back to back in one slab, as the Encoder's spans are.
        const slab = new Uint8Array(packets.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of packets) {
          let bytes = p;
          if (adjacent) {
            slab.set(p, at);
            bytes = slab.subarray(at, at + p.length);
            at += p.length;
          }
          expect(batch.write(bytes)).toBe(true);
        }
        expect(handed).toHaveLength(0);
        await turnEnd();
        // Each fc.uint8Array has its own buffer: not adjacent, so nothing is joined (or copied).
        expect(handed).toHaveLength(adjacent ? 1 : packets.length);
        expect(concat(handed)).toEqual(concat(packets));
      }),
      { numRuns: 50 },
    );
  });

  it('joins adjacent views without a copy, and hands a view that does not touch them after', async () => {
    const slab = new Uint8Array(100).fill(3);
    const handedViews: Uint8Array[] = [];
    const batch = new TurnBatch((bytes) => (handedViews.push(bytes), true));
    const other = new Uint8Array(5).fill(4);
    batch.write(slab.subarray(0, 10));
    batch.write(slab.subarray(10, 30));
    batch.write(other);
    await turnEnd();
    expect(handedViews).toHaveLength(2);
    expect(handedViews[0]!.buffer).toBe(slab.buffer);
    expect(handedViews[0]!.byteOffset).toBe(0);
    expect(handedViews[0]!.length).toBe(30);
    expect(handedViews[1]).toBe(other);
  });

  it('hands over at once when FLUSH_AT bytes wait, and passes a large packet through uncopied after what waits', async () => {
    const { batch, handed } = rig();
    const slab = new Uint8Array(FLUSH_AT).fill(1);
    const eighth = (i: number): Uint8Array => slab.subarray((i * FLUSH_AT) / 8, ((i + 1) * FLUSH_AT) / 8);
    for (let i = 0; i < 7; i++) batch.write(eighth(i));
    expect(handed).toHaveLength(0);
    batch.write(eighth(7));
    expect(handed).toHaveLength(1);
    expect(handed[0]).toHaveLength(FLUSH_AT);
    batch.write(new Uint8Array([9]));
    const big = new Uint8Array(COPY_LIMIT).fill(2);
    batch.write(big);
    expect(handed.map((h) => h.length)).toEqual([FLUSH_AT, 1, COPY_LIMIT]);
    await turnEnd();
    expect(handed).toHaveLength(3);
  });

  it('answers false once the socket is full and true again after drained, writing everything in order', async () => {
    const { batch, handed, drain } = rig(FLUSH_AT + 10);
    const answers: boolean[] = [];
    const chunk = (v: number): Uint8Array => new Uint8Array(FLUSH_AT / 8).fill(v);
    for (let v = 0; v < 10; v++) answers.push(batch.write(chunk(v)));
    // The 8th write makes FLUSH_AT: handed over, and the socket still has room.
    expect(answers).toEqual(Array(10).fill(true));
    await turnEnd(); // the other two are handed over: now the socket is past its room
    expect(batch.write(chunk(10))).toBe(false);
    drain();
    expect(batch.write(chunk(11))).toBe(true);
    await turnEnd();
    expect(concat(handed)).toEqual(concat([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map(chunk)));
  });

  it('drops what waits when closed and takes nothing more', async () => {
    const { batch, handed } = rig();
    batch.write(new Uint8Array([1]));
    batch.close();
    expect(batch.write(new Uint8Array([2]))).toBe(false);
    await turnEnd();
    expect(handed).toHaveLength(0);
  });

  it('flush() hands over what waits at once (before an end)', () => {
    const { batch, handed } = rig();
    batch.write(new Uint8Array([1, 2]));
    batch.flush();
    expect(handed.map((h) => [...h])).toEqual([[1, 2]]);
  });
});
