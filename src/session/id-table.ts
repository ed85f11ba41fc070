/**
 * Values by packet id (1..65535): an immutable table. It holds the outbound flows
 * (`session.flows`) and the inbound QoS 2 ids held until PUBREL.
 *
 * Layout: a two-level radix table on the id's low bits — 16 mids by `id & 15`, 16 leaves
 * each by `(id >> 4) & 15` — and in each leaf the ids that share those 8 low bits, as
 * two packed arrays. An update copies one root (16 slots), one mid (16) and one leaf:
 * consecutive ids (as packet ids are handed out) land in different leaves, so a leaf
 * holds about window ÷ 256 entries. The cost of an update no longer grows with the
 * window: the flat packed arrays this replaces were copied whole per packet, which at
 * `maxInflight` 1,000 made a QoS 1 publish 4–5× dearer than at 20.
 *
 * Why not a `Record<number, T>`: V8 keeps an object whose integer keys come and go in
 * dictionary mode, and each immutable copy then costs far more than the packet (measured
 * once: a third of a QoS 1 publisher's CPU). Plain data throughout: a store can persist
 * a table as it is. Iteration (`tableEntries`) is by ascending id; callers that need send
 * order sort by their own sequence number.
 */
import type { OutboundFlow } from './state';

/** The ids sharing their low 8 bits, parallel to their values. */
export interface IdLeaf<T> {
  readonly ids: readonly number[];
  readonly values: readonly T[];
}

export interface IdTable<T> {
  /** 16 slots by `id & 15`, each 16 leaves by `(id >> 4) & 15` (empty slots undefined). */
  readonly root: ReadonlyArray<ReadonlyArray<IdLeaf<T> | undefined> | undefined>;
  readonly size: number;
}

export type FlowTable = IdTable<OutboundFlow>;

const SLOTS = 16;

export const EMPTY_FLOWS: FlowTable = { root: [], size: 0 };

export function emptyTable<T>(): IdTable<T> {
  return { root: [], size: 0 };
}

function leafOf<T>(table: IdTable<T>, id: number): IdLeaf<T> | undefined {
  const mid = table.root[id & 15];
  return mid === undefined ? undefined : mid[(id >> 4) & 15];
}

export function getFlow<T>(table: IdTable<T>, packetId: number): T | undefined {
  const leaf = leafOf(table, packetId);
  if (leaf === undefined) return undefined;
  const i = leaf.ids.indexOf(packetId);
  return i < 0 ? undefined : leaf.values[i];
}

export function hasFlow<T>(table: IdTable<T>, packetId: number): boolean {
  const leaf = leafOf(table, packetId);
  return leaf !== undefined && leaf.ids.indexOf(packetId) >= 0;
}

/** The table with `leaf` (or no leaf) in `packetId`'s place and `size` entries. */
function withLeaf<T>(table: IdTable<T>, packetId: number, leaf: IdLeaf<T> | undefined, size: number): IdTable<T> {
  if (size === 0) return emptyTable<T>();
  const r = packetId & 15;
  const old = table.root[r];
  const mid = old === undefined ? new Array<IdLeaf<T> | undefined>(SLOTS).fill(undefined) : old.slice();
  mid[(packetId >> 4) & 15] = leaf;
  const root = table.root.length === SLOTS ? table.root.slice() : padded(table.root);
  root[r] = mid;
  return { root, size };
}

function padded<T>(root: IdTable<T>['root']): Array<ReadonlyArray<IdLeaf<T> | undefined> | undefined> {
  const out = new Array<ReadonlyArray<IdLeaf<T> | undefined> | undefined>(SLOTS).fill(undefined);
  for (let i = 0; i < root.length; i++) out[i] = root[i];
  return out;
}

/** Replaces the value with this id, or adds it. */
export function setFlow<T>(table: IdTable<T>, packetId: number, flow: T): IdTable<T> {
  const leaf = leafOf(table, packetId);
  if (leaf === undefined) return withLeaf(table, packetId, { ids: [packetId], values: [flow] }, table.size + 1);
  const i = leaf.ids.indexOf(packetId);
  const values = leaf.values.slice();
  if (i >= 0) {
    values[i] = flow;
    return withLeaf(table, packetId, { ids: leaf.ids, values }, table.size);
  }
  values.push(flow);
  return withLeaf(table, packetId, { ids: [...leaf.ids, packetId], values }, table.size + 1);
}

export function deleteFlow<T>(table: IdTable<T>, packetId: number): IdTable<T> {
  const leaf = leafOf(table, packetId);
  const i = leaf === undefined ? -1 : leaf.ids.indexOf(packetId);
  if (leaf === undefined || i < 0) return table;
  if (leaf.ids.length === 1) return withLeaf(table, packetId, undefined, table.size - 1);
  const ids = leaf.ids.slice();
  const values = leaf.values.slice();
  ids.splice(i, 1);
  values.splice(i, 1);
  return withLeaf(table, packetId, { ids, values }, table.size - 1);
}

/** Every id and value, by ascending id. */
export function tableEntries<T>(table: IdTable<T>): Array<[number, T]> {
  const out: Array<[number, T]> = [];
  for (const mid of table.root) {
    if (mid === undefined) continue;
    for (const leaf of mid) {
      if (leaf === undefined) continue;
      for (let i = 0; i < leaf.ids.length; i++) out.push([leaf.ids[i], leaf.values[i]]);
    }
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** Every value, by ascending id. */
export function tableValues<T>(table: IdTable<T>): T[] {
  return tableEntries(table).map(([, value]) => value);
}

/** Keeps the values `keep` says yes to (the table itself when it keeps all). */
export function filterFlows<T>(table: IdTable<T>, keep: (flow: T) => boolean): IdTable<T> {
  let out = table;
  for (const [id, value] of tableEntries(table)) if (!keep(value)) out = deleteFlow(out, id);
  return out;
}

/** Applies `change` to every value (the table itself when nothing changed). */
export function mapFlows<T>(table: IdTable<T>, change: (flow: T) => T): IdTable<T> {
  let out = table;
  for (const [id, value] of tableEntries(table)) {
    const next = change(value);
    if (next !== value) out = setFlow(out, id, next);
  }
  return out;
}
