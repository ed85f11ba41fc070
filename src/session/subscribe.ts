/**
 * SUBSCRIBE/SUBACK and UNSUBSCRIBE/UNSUBACK.
 *
 * A request made while connected is sent at once with a fresh packet id, as long as
 * fewer than CONTROL_WINDOW SUBSCRIBE/UNSUBSCRIBE wait for their acks and nothing older
 * waits; otherwise it waits in `session.controlQueue` (a FIFO, so an UNSUBSCRIBE never
 * overtakes the SUBSCRIBE before it) and goes out as acks free the window, or after the
 * next CONNACK (after the resends, before the publish backlog) when made offline. The
 * window keeps the flow table small: with 20,000 `messages$` filters opened at once,
 * every SUBSCRIBE in flight at the same time made each new one copy the whole table
 * (20 s of CPU for 20,000 filters, against 0.6 s for 10,000). A request sent on
 * a connection that closes before its ack settles with the close's error: the broker
 * may or may not have acted on it, and the client (which restores subscriptions after
 * a reconnect) decides what to do.
 *
 * Failure codes: SUBACK/UNSUBACK settle ok with every reason code (SubAck/UnsubAck);
 * the client errors its caller when any code is ≥ 0x80 ('subscribe-failed' /
 * 'unsubscribe-failed'), so a partly granted SUBSCRIBE still reports what was granted.
 * An ack for an unknown packet id is logged and ignored (a late duplicate; no flow to
 * settle). A SUBACK (or MQTT 5 UNSUBACK) whose reason codes do not match the packet's
 * filters one for one breaks [MQTT-3.9.3-1] / [MQTT-3.11.3-1]: the connection closes.
 *
 * Sharing a packet: requests that queued behind each other (window full, or made
 * offline) and carry no properties go out together, adjacent ones of the same kind in
 * one SUBSCRIBE/UNSUBSCRIBE of up to MERGED_BYTES of filters; the ack's reason codes are
 * handed back to each request in order (`ControlParts`). Nothing changes order on the
 * wire, and a request sent at once is never held back to wait for company: with
 * 10,000 `messages$` filters opened in a loop, 64 SUBSCRIBEs of one filter go out at
 * once and the rest in packets of hundreds as acks come back, instead of 10,000
 * round trips through the window. Requests with properties (MQTT 5 Subscription
 * Identifiers, user properties) go alone: properties belong to a packet.
 */
import { MqttError } from '../errors';
import type { SubAckPacket, UnsubAckPacket } from '../codec/types';
import { emptyFifo, fifoPop, fifoPush, fifoToArray } from './fifo';
import { deleteFlow, filterFlows, getFlow, setFlow, tableValues } from './id-table';
import { allocatePacketId } from './packet-ids';
import { protocolViolation } from './disconnect';
import { drainQueue } from './publish-out';
import type { QueuedControl, SubscribeFlow, UnsubscribeFlow } from './state';
import { fail, isV5, log, patchSession, send, settle, type Step } from './step';
import type { Properties, Subscription } from './types';

export function onSubscribeRequested(s: Step, requestId: number, subscriptions: Subscription[], properties?: Properties): void {
  if (subscriptions.length === 0) {
    // A SUBSCRIBE without a filter is a protocol violation [MQTT-3.8.3-3].
    fail(s, requestId, new MqttError('invalid-argument', 'SUBSCRIBE needs at least one topic filter', { rule: 'MQTT-3.8.3-3' }));
    return;
  }
  const packet = { type: 'subscribe' as const, subscriptions, ...(properties !== undefined && isV5(s) ? { properties } : {}) };
  request(s, { type: 'subscribe', requestId, packet });
}

export function onUnsubscribeRequested(s: Step, requestId: number, topicFilters: string[], properties?: Properties): void {
  if (topicFilters.length === 0) {
    fail(s, requestId, new MqttError('invalid-argument', 'UNSUBSCRIBE needs at least one topic filter', { rule: 'MQTT-3.10.3-2' }));
    return;
  }
  const packet = { type: 'unsubscribe' as const, topicFilters, ...(properties !== undefined && isV5(s) ? { properties } : {}) };
  request(s, { type: 'unsubscribe', requestId, packet });
}

/** SUBSCRIBE/UNSUBSCRIBE in flight at once on a connection (the rest queue, in order). */
export const CONTROL_WINDOW = 64;

function request(s: Step, queued: QueuedControl): void {
  const session = s.state.session;
  if (s.state.connection.type === 'connected' && session.controlQueue.size === 0 && session.controlInflight < CONTROL_WINDOW) {
    sendControl(s, [queued]);
  } else {
    patchSession(s, { controlQueue: fifoPush(session.controlQueue, queued) });
  }
}

/** Whether `next` may join a packet that `first` opened. */
function joins(first: QueuedControl, next: QueuedControl): boolean {
  return next.type === first.type && first.packet.properties === undefined && next.packet.properties === undefined;
}

/** Filter bytes (UTF-8 at most 3 bytes a UTF-16 unit, 2 of length, 1 of options) one merged packet may carry. */
export const MERGED_BYTES = 16 * 1024;

function filterCount(q: QueuedControl): number {
  return q.type === 'subscribe' ? q.packet.subscriptions.length : q.packet.topicFilters.length;
}

/** At most the bytes of `q`'s topic filters in a packet. */
function filterBytes(q: QueuedControl): number {
  let bytes = 0;
  if (q.type === 'subscribe') for (const sub of q.packet.subscriptions) bytes += 3 * sub.topicFilter.length + 3;
  else for (const filter of q.packet.topicFilters) bytes += 3 * filter.length + 2;
  return bytes;
}

/** One packet for `group` (one request, or adjacent queued ones of one kind without properties). */
function sendControl(s: Step, group: readonly QueuedControl[]): void {
  const session = s.state.session;
  const first = group[0]!;
  const id = allocatePacketId(session);
  if (id === undefined) {
    for (const q of group) fail(s, q.requestId, new MqttError('queue-full', 'All 65535 packet ids are in use'));
    return;
  }
  const parts = group.map((q) => ({ requestId: q.requestId, count: filterCount(q) }));
  let flow: SubscribeFlow | UnsubscribeFlow;
  if (first.type === 'subscribe') {
    const subscriptions = group.length === 1 ? first.packet.subscriptions : group.flatMap((q) => (q.type === 'subscribe' ? q.packet.subscriptions : []));
    flow = { type: 'subscribe', parts, packet: { ...first.packet, subscriptions, packetId: id.packetId } };
  } else {
    const topicFilters = group.length === 1 ? first.packet.topicFilters : group.flatMap((q) => (q.type === 'unsubscribe' ? q.packet.topicFilters : []));
    flow = { type: 'unsubscribe', parts, packet: { ...first.packet, topicFilters, packetId: id.packetId } };
  }
  patchSession(s, {
    flows: setFlow(session.flows, id.packetId, flow),
    nextPacketId: id.nextPacketId,
    controlInflight: session.controlInflight + 1,
  });
  send(s, flow.packet);
}

/**
 * The publish backlog after a CONNACK: only once no SUBSCRIBE/UNSUBSCRIBE waits to be
 * sent, so the ones restored or asked for offline reach the broker first (`onSubAck`
 * calls this again when the queue empties).
 */
export function drainBehindControl(s: Step): void {
  if (s.state.session.controlQueue.size === 0) drainQueue(s);
}

/** After CONNACK, and whenever an ack frees the window: send what waits, in order, while the window has room. */
export function flushControlQueue(s: Step): void {
  if (s.state.connection.type !== 'connected') return;
  let queue = s.state.session.controlQueue;
  if (queue.size === 0) return;
  let next = fifoPop(queue);
  while (next !== undefined && s.state.session.controlInflight < CONTROL_WINDOW) {
    const group = [next.value];
    let bytes = filterBytes(next.value);
    queue = next.rest;
    next = fifoPop(queue);
    while (next !== undefined && joins(group[0]!, next.value) && bytes + filterBytes(next.value) <= MERGED_BYTES) {
      bytes += filterBytes(next.value);
      group.push(next.value);
      queue = next.rest;
      next = fifoPop(queue);
    }
    // Written back before sending: sendControl patches the session scope it read.
    patchSession(s, { controlQueue: queue });
    sendControl(s, group);
  }
}

export function onSubAck(s: Step, packet: SubAckPacket | UnsubAckPacket): void {
  const expected = packet.type === 'suback' ? 'subscribe' : 'unsubscribe';
  const flow = getFlow(s.state.session.flows, packet.packetId);
  if (flow === undefined || flow.type !== expected) {
    log(s, 'warning', `${packet.type.toUpperCase()} for unknown packet id ${packet.packetId}: ignored`);
    return;
  }
  const filters = flow.type === 'subscribe' ? flow.packet.subscriptions.length : flow.packet.topicFilters.length;
  // 3.1.1's UNSUBACK has no payload; every other ack has one code a filter.
  const coded = packet.type === 'suback' || isV5(s);
  if (coded && packet.reasonCodes.length !== filters) {
    const rule = packet.type === 'suback' ? 'MQTT-3.9.3-1' : 'MQTT-3.11.3-1';
    protocolViolation(s, `${packet.type.toUpperCase()} ${packet.packetId} carries ${packet.reasonCodes.length} reason codes for ${filters} topic filters`, rule);
    return;
  }
  const session = s.state.session;
  patchSession(s, { flows: deleteFlow(session.flows, packet.packetId), controlInflight: session.controlInflight - 1 });
  const properties = packet.properties === undefined ? {} : { properties: packet.properties };
  let at = 0;
  for (const { requestId, count } of flow.parts) {
    const reasonCodes = !coded || flow.parts.length === 1 ? packet.reasonCodes : packet.reasonCodes.slice(at, at + count);
    at += count;
    settle(s, requestId, { ok: true, value: { packetId: packet.packetId, reasonCodes, ...properties } });
  }
  flushControlQueue(s);
  // A publish backlog held behind queued SUBSCRIBE/UNSUBSCRIBE may follow once they are out.
  drainBehindControl(s);
}

/** The connection closed: sent SUBSCRIBE/UNSUBSCRIBE flows end with `error`. Ids are freed. */
export function failSentControl(s: Step, error: MqttError): void {
  const flows = s.state.session.flows;
  for (const flow of tableValues(flows)) if (flow.type !== 'publish') for (const part of flow.parts) fail(s, part.requestId, error);
  const next = filterFlows(flows, (f) => f.type === 'publish');
  if (next !== flows) patchSession(s, { flows: next, controlInflight: 0 });
}

/** The user disconnected: requests not yet sent end with `error`. */
export function failQueuedControl(s: Step, error: MqttError): void {
  const queued = s.state.session.controlQueue;
  if (queued.size === 0) return;
  patchSession(s, { controlQueue: emptyFifo() });
  for (const q of fifoToArray(queued)) fail(s, q.requestId, error);
}
