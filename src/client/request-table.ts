/**
 * The engine's pending requests: request id → the callback its result goes to.
 *
 * A `Map` would do, but a publisher sets and deletes one entry per message, and V8
 * rebuilds a Map's hash table every few dozen such pairs. A table that lived through two
 * scavenges sits in the old generation when it is replaced, still pointing at the young
 * callbacks (and through them the publishes' subscribers) it held: the scavenger keeps
 * all of those alive until the next mark-compact. Measured on a publisher that the
 * socket keeps blocking: a third of all it allocated survived each scavenge, 10 ms
 * scavenges, 4 µs a message. Here the arrays are only replaced when they grow, and a
 * removed entry's slot is cleared at once.
 *
 * Open addressing with linear probing over a power-of-two capacity, at most half full;
 * deletion shifts the rest of the probe run back (no tombstones).
 */
export class RequestTable<V> {
  private ids: number[];
  private values: Array<V | undefined>;
  private mask: number;
  private count = 0;

  constructor(capacity = 64) {
    const size = 1 << Math.ceil(Math.log2(Math.max(capacity, 8)));
    this.ids = new Array<number>(size).fill(0);
    this.values = new Array<V | undefined>(size).fill(undefined);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Adds `id` (a positive integer not present). */
  set(id: number, value: V): void {
    if ((this.count + 1) * 2 > this.ids.length) this.grow();
    let i = id & this.mask;
    while (this.ids[i] !== 0) i = (i + 1) & this.mask;
    this.ids[i] = id;
    this.values[i] = value;
    this.count++;
  }

  get(id: number): V | undefined {
    const i = this.find(id);
    return i < 0 ? undefined : this.values[i];
  }

  /** Removes `id` and returns its value (undefined when absent). */
  take(id: number): V | undefined {
    let i = this.find(id);
    if (i < 0) return undefined;
    const value = this.values[i];
    this.count--;
    // Backward-shift deletion: move later members of the probe run into the hole.
    let j = i;
    for (;;) {
      j = (j + 1) & this.mask;
      const moving = this.ids[j];
      if (moving === 0) break;
      const home = moving & this.mask;
      // `moving` may fill the hole at i unless its home lies cyclically in (i, j].
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        this.ids[i] = moving;
        this.values[i] = this.values[j];
        i = j;
      }
    }
    this.ids[i] = 0;
    this.values[i] = undefined;
    return value;
  }

  /** Removes everything and returns the values (insertion order not kept). */
  drain(): V[] {
    const out: V[] = [];
    for (let i = 0; i < this.ids.length; i++) {
      if (this.ids[i] !== 0) out.push(this.values[i] as V);
      this.ids[i] = 0;
      this.values[i] = undefined;
    }
    this.count = 0;
    return out;
  }

  private find(id: number): number {
    let i = id & this.mask;
    for (;;) {
      const at = this.ids[i];
      if (at === id) return i;
      if (at === 0) return -1;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const { ids, values } = this;
    const size = ids.length * 2;
    this.ids = new Array<number>(size).fill(0);
    this.values = new Array<V | undefined>(size).fill(undefined);
    this.mask = size - 1;
    this.count = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i] !== 0) this.set(ids[i], values[i] as V);
  }
}
