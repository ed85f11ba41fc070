/**
 * SUBSCRIBE/SUBACK and UNSUBSCRIBE/UNSUBACK.
 *
 * A request made while connected is sent at once with a fresh packet id; one made
 * while offline (or before CONNACK) waits in `session.controlQueue` and is sent after
 * the next CONNACK, after the resends and before the publish backlog. A request sent on
 * a connection that closes before its ack settles with the close's error: the broker
 * may or may not have acted on it, and the client (which restores subscriptions after
 * a reconnect) decides what to do.
 *
 * Failure codes: SUBACK/UNSUBACK settle ok with every reason code (SubAck/UnsubAck);
 * the client errors its caller when any code is ≥ 0x80 ('subscribe-failed' /
 * 'unsubscribe-failed'), so a partly granted SUBSCRIBE still reports what was granted.
 * An ack for an unknown packet id is logged and ignored (a late duplicate; no flow to
 * settle).
 */
import { MqttError } from '../errors';
import type { SubAckPacket, UnsubAckPacket } from '../codec/types';
import { deleteFlow, filterFlows, getFlow, setFlow } from './id-table';
import { allocatePacketId } from './packet-ids';
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

function request(s: Step, queued: QueuedControl): void {
  if (s.state.connection.type === 'connected') sendControl(s, queued);
  else patchSession(s, { controlQueue: [...s.state.session.controlQueue, queued] });
}

function sendControl(s: Step, queued: QueuedControl): void {
  const session = s.state.session;
  const id = allocatePacketId(session);
  if (id === undefined) {
    fail(s, queued.requestId, new MqttError('queue-full', 'All 65535 packet ids are in use'));
    return;
  }
  const flow: SubscribeFlow | UnsubscribeFlow =
    queued.type === 'subscribe'
      ? { type: 'subscribe', requestId: queued.requestId, packet: { ...queued.packet, packetId: id.packetId } }
      : { type: 'unsubscribe', requestId: queued.requestId, packet: { ...queued.packet, packetId: id.packetId } };
  patchSession(s, { flows: setFlow(session.flows, id.packetId, flow), nextPacketId: id.nextPacketId });
  send(s, flow.packet);
}

/** After CONNACK: send what was asked for while offline, in order. */
export function flushControlQueue(s: Step): void {
  const queued = s.state.session.controlQueue;
  if (queued.length === 0) return;
  patchSession(s, { controlQueue: [] });
  for (const q of queued) sendControl(s, q);
}

export function onSubAck(s: Step, packet: SubAckPacket | UnsubAckPacket): void {
  const expected = packet.type === 'suback' ? 'subscribe' : 'unsubscribe';
  const flow = getFlow(s.state.session.flows, packet.packetId);
  if (flow === undefined || flow.type !== expected) {
    log(s, 'warning', `${packet.type.toUpperCase()} for unknown packet id ${packet.packetId}: ignored`);
    return;
  }
  patchSession(s, { flows: deleteFlow(s.state.session.flows, packet.packetId) });
  const value = { packetId: packet.packetId, reasonCodes: packet.reasonCodes, ...(packet.properties === undefined ? {} : { properties: packet.properties }) };
  settle(s, flow.requestId, { ok: true, value });
}

/** The connection closed: sent SUBSCRIBE/UNSUBSCRIBE flows end with `error`. Ids are freed. */
export function failSentControl(s: Step, error: MqttError): void {
  const flows = s.state.session.flows;
  for (const flow of flows.flows) if (flow.type !== 'publish') fail(s, flow.requestId, error);
  const next = filterFlows(flows, (f) => f.type === 'publish');
  if (next !== flows) patchSession(s, { flows: next });
}

/** The user disconnected: requests not yet sent end with `error`. */
export function failQueuedControl(s: Step, error: MqttError): void {
  const queued = s.state.session.controlQueue;
  if (queued.length === 0) return;
  patchSession(s, { controlQueue: [] });
  for (const q of queued) fail(s, q.requestId, error);
}
