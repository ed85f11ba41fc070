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
 * Open addressing with linear probing over a power-of-two capacity, at most half full
 * (entries and tombstones together). A removed entry leaves a tombstone, not a shifted
 * probe run: request ids are consecutive, so thousands in flight at once (a SUBSCRIBE
 * per `messages$` filter) form one long run, and shifting made every removal walk it.
 * Tombstones are dropped whenever the arrays are rebuilt.
 */
export class RequestTable<V> {
  private ids: number[];
  private values: Array<V | undefined>;
  private mask: number;
  private count = 0;
  /** Entries plus tombstones: what probing has to walk past. */
  private used = 0;

  constructor(capacity = 64) {
    const size = 1 << Math.ceil(Math.log2(Math.max(capacity, 8)));
    this.ids = new Array<number>(size).fill(EMPTY);
    this.values = new Array<V | undefined>(size).fill(undefined);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Adds `id` (a positive integer not present). */
  set(id: number, value: V): void {
    if ((this.used + 1) * 2 > this.ids.length) this.rebuild();
    let i = id & this.mask;
    while (this.ids[i] > 0) i = (i + 1) & this.mask;
    if (this.ids[i] === EMPTY) this.used++;
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
    const i = this.find(id);
    if (i < 0) return undefined;
    const value = this.values[i];
    this.ids[i] = TOMBSTONE;
    this.values[i] = undefined;
    this.count--;
    return value;
  }

  /** Removes everything and returns the values (insertion order not kept). */
  drain(): V[] {
    const out: V[] = [];
    for (let i = 0; i < this.ids.length; i++) {
      if (this.ids[i] > 0) out.push(this.values[i] as V);
      this.ids[i] = EMPTY;
      this.values[i] = undefined;
    }
    this.count = 0;
    this.used = 0;
    return out;
  }

  private find(id: number): number {
    let i = id & this.mask;
    for (;;) {
      const at = this.ids[i];
      if (at === id) return i;
      if (at === EMPTY) return -1;
      i = (i + 1) & this.mask;
    }
  }

  /** New arrays without tombstones: twice the size when the entries alone fill a quarter. */
  private rebuild(): void {
    const { ids, values } = this;
    const size = (this.count + 1) * 4 > ids.length ? ids.length * 2 : ids.length;
    this.ids = new Array<number>(size).fill(EMPTY);
    this.values = new Array<V | undefined>(size).fill(undefined);
    this.mask = size - 1;
    this.count = 0;
    this.used = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i] > 0) this.set(ids[i], values[i] as V);
  }
}

const EMPTY = 0;
const TOMBSTONE = -1;
