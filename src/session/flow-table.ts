/**
 * Outbound flows by packet id: an immutable table in send order.
 *
 * Why not a `Record<number, Flow>`: ids are spread over 1..65535 and freed by `delete`,
 * which drops V8 objects into dictionary mode; copying one then costs far more than the
 * packet (measured: a third of a QoS 1 publisher's CPU). Two packed arrays, ids and
 * flows, copy in one memcpy each, and `indexOf` over a few dozen small integers is
 * cheaper than a hash lookup. The table holds at most the in-flight window (20 by
 * default) plus pending SUBSCRIBE/UNSUBSCRIBEs, so every operation is O(window) with a
 * tiny constant. It is plain data, so a store can persist it as it is.
 */
import type { OutboundFlow } from './state';

export interface FlowTable {
  /** Packet ids, parallel to `flows`. */
  readonly ids: readonly number[];
  readonly flows: readonly OutboundFlow[];
}

export const EMPTY_FLOWS: FlowTable = { ids: [], flows: [] };

export function getFlow(table: FlowTable, packetId: number): OutboundFlow | undefined {
  const i = table.ids.indexOf(packetId);
  return i < 0 ? undefined : table.flows[i];
}

export function hasFlow(table: FlowTable, packetId: number): boolean {
  return table.ids.indexOf(packetId) >= 0;
}

/** Replaces the flow with this id in place, or appends it (send order). */
export function setFlow(table: FlowTable, packetId: number, flow: OutboundFlow): FlowTable {
  const i = table.ids.indexOf(packetId);
  const flows = table.flows.slice();
  if (i >= 0) {
    flows[i] = flow;
    return { ids: table.ids, flows };
  }
  const ids = table.ids.slice();
  ids.push(packetId);
  flows.push(flow);
  return { ids, flows };
}

export function deleteFlow(table: FlowTable, packetId: number): FlowTable {
  const i = table.ids.indexOf(packetId);
  if (i < 0) return table;
  const ids = table.ids.slice();
  const flows = table.flows.slice();
  ids.splice(i, 1);
  flows.splice(i, 1);
  return { ids, flows };
}

/** Keeps the flows `keep` says yes to (the table itself when it keeps all). */
export function filterFlows(table: FlowTable, keep: (flow: OutboundFlow) => boolean): FlowTable {
  const ids: number[] = [];
  const flows: OutboundFlow[] = [];
  for (let i = 0; i < table.flows.length; i++) {
    if (!keep(table.flows[i])) continue;
    ids.push(table.ids[i]);
    flows.push(table.flows[i]);
  }
  return flows.length === table.flows.length ? table : { ids, flows };
}

/** Applies `change` to every flow (the table itself when nothing changed). */
export function mapFlows(table: FlowTable, change: (flow: OutboundFlow) => OutboundFlow): FlowTable {
  let flows: OutboundFlow[] | undefined;
  for (let i = 0; i < table.flows.length; i++) {
    const next = change(table.flows[i]);
    if (next === table.flows[i]) continue;
    flows ??= table.flows.slice();
    flows[i] = next;
  }
  return flows === undefined ? table : { ids: table.ids, flows };
}
