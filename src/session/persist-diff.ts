/**
 * `sessionChanges(prev, next)`: what changed in the persisted part of the session scope
 * between two states, as `SessionChange` records (persist.ts) a store appends.
 *
 * Cost. The engine calls it once per run with the scope it last saved and the current
 * one. Scopes are immutable and share structure (id-table.ts, fifo.ts), so unchanged
 * parts are skipped by reference: the tables are walked root → mid → leaf only where a
 * reference differs (a leaf holds about window ÷ 256 ids), and the backlog's common
 * moves — one push at the back, pops at the front (an unshift after them) — are found by
 * walking only the nodes that moved. Anything else (a withdrawal from the middle, the
 * reversal `fifoPop` does once per `size` pops, the backlog failed at once) falls back
 * to comparing keys, O(backlog), which amortises to O(1) per message.
 */
import type { ConsList, Fifo } from './fifo';
import { fifoToArray } from './fifo';
import type { IdLeaf, IdTable } from './id-table';
import { isPersistedHeld, persistFlow, persistMessage, type SessionChange } from './persist';
import type { HeldQos2, OutboundFlow, QueuedPublish, SessionScope } from './state';

export function sessionChanges(prev: SessionScope, next: SessionScope): SessionChange[] {
  const out: SessionChange[] = [];
  if (prev === next) return out;
  if (
    prev.nextPacketId !== next.nextPacketId ||
    prev.nextSeq !== next.nextSeq ||
    prev.everConnected !== next.everConnected ||
    prev.assignedClientId !== next.assignedClientId
  ) {
    const counters: SessionChange = { type: 'counters', nextPacketId: next.nextPacketId, nextSeq: next.nextSeq, everConnected: next.everConnected };
    if (next.assignedClientId !== undefined) counters.assignedClientId = next.assignedClientId;
    out.push(counters);
  }
  if (prev.flows !== next.flows) {
    tableChanges(prev.flows, next.flows, (id, before, after) => flowChange(out, id, before, after));
  }
  if (prev.inboundQos2 !== next.inboundQos2) {
    tableChanges(prev.inboundQos2, next.inboundQos2, (id, before, after) => heldChange(out, id, before, after));
  }
  if (prev.queue !== next.queue) queueChanges(out, prev.queue, next.queue);
  return out;
}

function flowChange(out: SessionChange[], packetId: number, before: OutboundFlow | undefined, after: OutboundFlow | undefined): void {
  const b = before?.type === 'publish' ? before : undefined;
  const a = after?.type === 'publish' ? after : undefined;
  if (a === undefined) {
    if (b !== undefined) out.push({ type: 'flowEnded', packetId });
  } else if (b === undefined || b.packet !== a.packet || b.seq !== a.seq) {
    out.push({ type: 'flowStarted', flow: persistFlow(a) });
  } else if (b.awaiting !== a.awaiting) {
    // Only ever forward: PUBREC moves a QoS 2 flow to 'pubcomp'.
    out.push(a.awaiting === 'pubcomp' ? { type: 'flowReleased', packetId } : { type: 'flowStarted', flow: persistFlow(a) });
  }
  // requestId alone (withdrawn, abandoned) is not persisted: nothing to write.
}

function heldChange(out: SessionChange[], packetId: number, before: HeldQos2 | undefined, after: HeldQos2 | undefined): void {
  const b = before !== undefined && isPersistedHeld(before);
  const a = after !== undefined && isPersistedHeld(after);
  if (a && !b) out.push({ type: 'held', packetId });
  else if (b && !a) out.push({ type: 'released', packetId });
}

/** Calls `change` for each id whose value differs (by reference) between the tables. */
function tableChanges<T>(prev: IdTable<T>, next: IdTable<T>, change: (id: number, before: T | undefined, after: T | undefined) => void): void {
  for (let r = 0; r < 16; r++) {
    const pm = prev.root[r];
    const nm = next.root[r];
    if (pm === nm) continue;
    for (let l = 0; l < 16; l++) {
      const pl = pm?.[l];
      const nl = nm?.[l];
      if (pl !== nl) leafChanges(pl, nl, change);
    }
  }
}

function leafChanges<T>(prev: IdLeaf<T> | undefined, next: IdLeaf<T> | undefined, change: (id: number, before: T | undefined, after: T | undefined) => void): void {
  if (next !== undefined) {
    for (let i = 0; i < next.ids.length; i++) {
      const id = next.ids[i];
      const j = prev === undefined ? -1 : prev.ids.indexOf(id);
      const before = j < 0 ? undefined : prev!.values[j];
      if (before !== next.values[i]) change(id, before, next.values[i]);
    }
  }
  if (prev !== undefined) {
    for (let j = 0; j < prev.ids.length; j++) {
      if (next === undefined || next.ids.indexOf(prev.ids[j]) < 0) change(prev.ids[j], prev.values[j], undefined);
    }
  }
}

function queued(out: SessionChange[], item: QueuedPublish): void {
  if (item.message.qos > 0) out.push({ type: 'queued', item: { key: item.requestId, message: persistMessage(item.message) } });
}

function dequeued(out: SessionChange[], item: QueuedPublish): void {
  if (item.message.qos > 0) out.push({ type: 'dequeued', key: item.requestId });
}

function queueChanges(out: SessionChange[], prev: Fifo<QueuedPublish>, next: Fifo<QueuedPublish>): void {
  if (next.front === prev.front) {
    // Pushes only: `next.back` is new nodes on top of `prev.back`.
    const pushed: QueuedPublish[] = [];
    let node: ConsList<QueuedPublish> = next.back;
    while (node !== null && node !== prev.back) {
      pushed.push(node.head);
      node = node.tail;
    }
    if (node === prev.back) {
      for (let i = pushed.length - 1; i >= 0; i--) queued(out, pushed[i]);
      return;
    }
  } else if (next.back === prev.back && next.size < prev.size) {
    // Pops at the front: `next.front` is a tail of `prev.front`, or one popped item put back on one.
    const popped: QueuedPublish[] = [];
    let node: ConsList<QueuedPublish> = prev.front;
    const k = prev.size - next.size;
    while (node !== null && popped.length < k) {
      popped.push(node.head);
      node = node.tail;
    }
    const nf = next.front;
    if (popped.length === k && (nf === node || (nf !== null && node !== null && nf.tail === node.tail && nf.head === node.head))) {
      for (const item of popped) dequeued(out, item);
      return;
    }
  }
  // Anything else: compare by key.
  const before = fifoToArray(prev);
  const after = fifoToArray(next);
  const afterKeys = new Set(after.map((q) => q.requestId));
  const beforeKeys = new Set(before.map((q) => q.requestId));
  for (const item of before) if (!afterKeys.has(item.requestId)) dequeued(out, item);
  for (const item of after) if (!beforeKeys.has(item.requestId)) queued(out, item);
}
