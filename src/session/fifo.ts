/**
 * A persistent (immutable) FIFO queue for the publish backlog.
 *
 * The reducer never mutates its input state, so an array-backed queue would be copied
 * on every enqueue and dequeue: O(n) per message and O(n²) to drain a backlog. This is
 * the classic two-list (banker's) queue: `back` takes pushes in O(1), `front` gives
 * pops in O(1), and `back` is reversed into `front` only when `front` runs dry, so each
 * element is moved once (amortised O(1)). Nodes are plain objects, so the queue stays
 * serialisable data (use `fifoToArray` to store it).
 */

export type ConsList<T> = { readonly head: T; readonly tail: ConsList<T> } | null;

export interface Fifo<T> {
  readonly front: ConsList<T>;
  readonly back: ConsList<T>;
  readonly size: number;
}

export function emptyFifo<T>(): Fifo<T> {
  return { front: null, back: null, size: 0 };
}

export function fifoPush<T>(q: Fifo<T>, value: T): Fifo<T> {
  return { front: q.front, back: { head: value, tail: q.back }, size: q.size + 1 };
}

function reverse<T>(list: ConsList<T>): ConsList<T> {
  let out: ConsList<T> = null;
  for (let node = list; node !== null; node = node.tail) out = { head: node.head, tail: out };
  return out;
}

/** The oldest element and the queue without it, or undefined when empty. */
export function fifoPop<T>(q: Fifo<T>): { value: T; rest: Fifo<T> } | undefined {
  let front = q.front;
  let back = q.back;
  if (front === null) {
    front = reverse(back);
    back = null;
  }
  if (front === null) return undefined;
  return { value: front.head, rest: { front: front.tail, back, size: q.size - 1 } };
}

/** Oldest first. */
export function fifoToArray<T>(q: Fifo<T>): T[] {
  const out: T[] = [];
  for (let node = q.front; node !== null; node = node.tail) out.push(node.head);
  const back: T[] = [];
  for (let node = q.back; node !== null; node = node.tail) back.push(node.head);
  for (let i = back.length - 1; i >= 0; i--) out.push(back[i]);
  return out;
}

export function fifoFromArray<T>(items: readonly T[]): Fifo<T> {
  let front: ConsList<T> = null;
  for (let i = items.length - 1; i >= 0; i--) front = { head: items[i], tail: front };
  return { front, back: null, size: items.length };
}

/** Puts a popped element back at the front (keeps the reversal `fifoPop` already paid for). */
export function fifoUnshift<T>(q: Fifo<T>, value: T): Fifo<T> {
  return { front: { head: value, tail: q.front }, back: q.back, size: q.size + 1 };
}
