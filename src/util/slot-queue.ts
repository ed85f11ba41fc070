/**
 * A queue emptied all at once, whose storage is kept from one use to the next.
 * Emptying a JS array with `length = 0` gives its storage back, so the next `push`
 * allocates it again: for the engine's event queue and the outbox's settles that was
 * once per `publish()` (measured on a QoS 0 publisher: 2.6% of its CPU in the length
 * setter, ~150 bytes allocated a message). `clear()` empties the slots (so nothing
 * outlives its use) and keeps them.
 */
export class SlotQueue<T> {
  private readonly items: (T | undefined)[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    this.items[this.size++] = item;
  }

  /** The `index`-th item pushed since the last `clear()`; index < length. */
  at(index: number): T {
    return this.items[index] as T;
  }

  clear(): void {
    for (let i = 0; i < this.size; i++) this.items[i] = undefined;
    this.size = 0;
  }
}
