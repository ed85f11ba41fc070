/**
 * Outbound PUBLISH: QoS 0 fire-and-forget, QoS 1 (PUBLISH → PUBACK) and QoS 2
 * (PUBLISH → PUBREC → PUBREL → PUBCOMP), an in-flight window and a backlog behind it.
 *
 * - Window: at most min(maxInflight, the broker's Receive Maximum) QoS 1/2 publishes
 *   hold a packet id at once ([MQTT-3.3.4-7]: the send quota). QoS 0 takes no slot.
 * - Backlog: a publish waits in `session.queue` while offline, while the window is full,
 *   while the socket is full (`transportBlocked` until `transportDrained`: then the queue,
 *   not the socket, holds what the broker cannot take yet), or while older publishes
 *   wait (so order is kept, QoS 0 included). `maxQueued` > 0
 *   bounds it; overflow settles that request with 'queue-full'.
 * - A flow frees its id on PUBACK, on PUBCOMP, or on a PUBREC with a failure code
 *   (≥ 0x80 ends the QoS 2 flow, 5.0 §4.3.3 and §4.9); each frees a window slot, so
 *   the backlog drains right there.
 * - Resend on a resumed session: every unacknowledged PUBLISH (DUP=1 [MQTT-3.3.1-1]) and
 *   PUBREL in the original send order [MQTT-4.4.0-1]/[MQTT-4.6.0-1], before the backlog
 *   (publish-resume.ts, with what happens to in-flight publishes across connections).
 * - Topic aliases (MQTT 5, option `topicAliases`): the PUBLISH put on the wire may carry
 *   an alias (topic-alias-out.ts) chosen when it is actually sent, so a publish queued
 *   offline gets one from the connection it goes out on; the flow keeps the PUBLISH
 *   without it.
 * - Acks for an id we do not know are logged and ignored: the flow already ended (a
 *   late duplicate) and there is nothing to settle. A PUBREC for an unknown id still
 *   gets a PUBREL (0x92 Packet Identifier not found in 5.0, §3.6.2.1) so the broker can
 *   release its state.
 */
import { MqttError } from '../errors';
import type { PubAckPacket, PubCompPacket, PubRecPacket, PublishPacket } from '../codec/types';
import { fifoFromArray, fifoPop, fifoPush, fifoToArray, fifoUnshift } from './fifo';
import { deleteFlow, getFlow, setFlow, tableValues } from './id-table';
import { allocatePacketId, MAX_PACKET_ID } from './packet-ids';
import type { OutboundFlow, PublishFlow } from './state';
import { fail, isV5, log, patchConnected, patchSession, send, settle, type Step } from './step';
import { withTopicAlias } from './topic-alias-out';
import type { OutgoingMessage, PublishAck, SettleResult } from './types';

/** A QoS 0 publish's one result, shared (frozen: every subscriber gets the same object). */
const QOS0_SENT: SettleResult = Object.freeze({ ok: true, value: Object.freeze({ qos: 0, reasonCode: 0 }) });

/** How many QoS 1/2 publishes may be in flight now. */
export function windowSize(s: Step): number {
  const own = s.state.config.maxInflight === 0 ? MAX_PACKET_ID : s.state.config.maxInflight;
  const conn = s.state.connection;
  return conn.type === 'connected' ? Math.min(own, conn.receiveMaximum) : own;
}

export function onPublishRequested(s: Step, requestId: number, message: OutgoingMessage): void {
  const { session, config, connection } = s.state;
  // Hot path: connected, nothing waiting, room in the window → straight to the wire.
  if (
    connection.type === 'connected' &&
    connection.writable &&
    session.queue.size === 0 &&
    (message.qos === 0 || session.inflight < windowSize(s)) &&
    sendNew(s, requestId, message)
  ) {
    return;
  }
  if (config.maxQueued > 0 && session.queue.size >= config.maxQueued) {
    fail(s, requestId, new MqttError('queue-full', `Publish queue is full (maxQueued ${config.maxQueued})`));
    return;
  }
  patchSession(s, { queue: fifoPush(session.queue, { requestId, message }) });
}

/**
 * Puts one publish on the wire (connected only). Returns false when no packet id is
 * free, so the caller keeps it queued.
 */
function sendNew(s: Step, requestId: number, message: OutgoingMessage): boolean {
  const conn = s.state.connection;
  if (conn.type !== 'connected') return false;
  // A client MUST NOT exceed the broker's Maximum QoS [MQTT-3.2.2-11] nor retain when
  // Retain Available is 0 [MQTT-3.2.2-14]; refuse locally before anything is sent.
  if (message.qos > conn.maximumQoS) {
    fail(s, requestId, new MqttError('invalid-argument', `The broker's Maximum QoS is ${conn.maximumQoS}`, { rule: 'MQTT-3.2.2-11' }));
    return true;
  }
  if (message.retain && !conn.retainAvailable) {
    fail(s, requestId, new MqttError('invalid-argument', 'The broker does not support retained messages', { rule: 'MQTT-3.2.2-14' }));
    return true;
  }
  if (message.qos === 0) {
    const packet = newPublish(message, undefined);
    send(s, conn.outAliases === undefined ? packet : withTopicAlias(s, packet, false));
    settle(s, requestId, QOS0_SENT);
    return true;
  }
  const session = s.state.session;
  const id = allocatePacketId(session);
  if (id === undefined) return false;
  const packet = newPublish(message, id.packetId);
  const flow: PublishFlow = {
    type: 'publish',
    seq: session.nextSeq,
    requestId,
    packet,
    awaiting: message.qos === 1 ? 'puback' : 'pubrec',
  };
  patchSession(s, {
    flows: setFlow(session.flows, id.packetId, flow),
    inflight: session.inflight + 1,
    nextSeq: session.nextSeq + 1,
    nextPacketId: id.nextPacketId,
  });
  // The flow keeps `packet` (full topic, no alias) for a resend on a later connection.
  send(s, conn.outAliases === undefined ? packet : withTopicAlias(s, packet, false));
  return true;
}

/** The PUBLISH for `message`, first sent (dup false): one object, one shape, per message. */
function newPublish(message: OutgoingMessage, packetId: number | undefined): PublishPacket {
  const packet: PublishPacket = {
    type: 'publish',
    topic: message.topic,
    payload: message.payload,
    qos: message.qos,
    retain: message.retain,
    dup: false,
    packetId,
    properties: message.properties,
  };
  return packet;
}

/**
 * Sends from the backlog while connected, writable and the window has room (QoS 0 needs
 * none). The queue is threaded through the loop and written back once: a drain after
 * the socket unblocks sends dozens of publishes, and copying the session scope twice
 * per publish showed up as the blocked publisher's largest cost. `sendNew` never reads
 * `session.queue`, so the stale copy it patches alongside is overwritten at the end.
 */
export function drainQueue(s: Step): void {
  const start = s.state.session.queue;
  let queue = start;
  while (queue.size > 0) {
    const conn = s.state.connection;
    if (conn.type !== 'connected' || !conn.writable) break;
    const popped = fifoPop(queue);
    if (popped === undefined) break;
    const { value, rest } = popped;
    // Put back what cannot go now, keeping the reversal fifoPop paid for.
    if (value.message.qos > 0 && s.state.session.inflight >= windowSize(s)) {
      queue = fifoUnshift(rest, value);
      break;
    }
    if (!sendNew(s, value.requestId, value.message)) {
      queue = fifoUnshift(rest, value);
      break;
    }
    queue = rest;
  }
  if (queue !== start) patchSession(s, { queue });
}

export function onPublishWithdrawn(s: Step, requestId: number): void {
  const session = s.state.session;
  if (session.queue.size > 0) {
    const items = fifoToArray(session.queue);
    const kept = items.filter((q) => q.requestId !== requestId);
    if (kept.length !== items.length) {
      // Not sent yet: it never happened; nothing to settle (the caller left).
      patchSession(s, { queue: fifoFromArray(kept) });
      return;
    }
  }
  for (const flow of tableValues(session.flows)) {
    if (flow.type === 'publish' && flow.requestId === requestId) {
      // Already on the wire: the protocol flow must finish [MQTT-4.3.2/4.3.3]; only the
      // caller is gone, so finish it without settling.
      patchSession(s, { flows: setFlow(session.flows, flow.packet.packetId ?? 0, { ...flow, requestId: undefined }) });
      return;
    }
  }
  log(s, 'debug', `publishWithdrawn: request ${requestId} is not pending`);
}

function publishFlow(s: Step, packetId: number, awaiting: PublishFlow['awaiting']): PublishFlow | undefined {
  const flow: OutboundFlow | undefined = getFlow(s.state.session.flows, packetId);
  return flow !== undefined && flow.type === 'publish' && flow.awaiting === awaiting ? flow : undefined;
}

function endFlow(s: Step, packetId: number): void {
  const session = s.state.session;
  patchSession(s, { flows: deleteFlow(session.flows, packetId), inflight: session.inflight - 1 });
}

function settleFlow(s: Step, flow: PublishFlow, reasonCode: number, ack: { properties?: PublishAck['properties'] }): void {
  const packetId = flow.packet.packetId;
  if (flow.requestId === undefined) return;
  if (reasonCode >= 0x80) {
    const reason = ack.properties?.reasonString;
    fail(
      s,
      flow.requestId,
      new MqttError(
        'publish-failed',
        `Publish ${packetId} failed: reason code 0x${reasonCode.toString(16)}${reason === undefined ? '' : ` (${reason})`}`,
        { reasonCode, ...(packetId === undefined ? {} : { packetId }) },
      ),
    );
    return;
  }
  const value: PublishAck = { qos: flow.packet.qos, reasonCode };
  if (packetId !== undefined) value.packetId = packetId;
  if (ack.properties !== undefined) value.properties = ack.properties;
  settle(s, flow.requestId, { ok: true, value });
}

export function onPubAck(s: Step, packet: PubAckPacket): void {
  const flow = publishFlow(s, packet.packetId, 'puback');
  if (flow === undefined) {
    log(s, 'warning', `PUBACK for unknown packet id ${packet.packetId}: ignored`);
    return;
  }
  endFlow(s, packet.packetId);
  settleFlow(s, flow, packet.reasonCode, packet);
  drainQueue(s);
}

export function onPubRec(s: Step, packet: PubRecPacket): void {
  const id = packet.packetId;
  const flow = publishFlow(s, id, 'pubrec');
  if (flow === undefined) {
    if (publishFlow(s, id, 'pubcomp') !== undefined) {
      // A repeated PUBREC: our PUBREL may be lost; sending it again is harmless.
      send(s, { type: 'pubrel', packetId: id, reasonCode: 0 });
      return;
    }
    log(s, 'warning', `PUBREC for unknown packet id ${id}: answering PUBREL`);
    send(s, { type: 'pubrel', packetId: id, reasonCode: isV5(s) ? 0x92 : 0 });
    return;
  }
  if (packet.reasonCode >= 0x80) {
    // A failing PUBREC ends the QoS 2 flow; no PUBREL follows (5.0 §4.3.3, §4.9).
    endFlow(s, id);
    settleFlow(s, flow, packet.reasonCode, packet);
    drainQueue(s);
    return;
  }
  const session = s.state.session;
  patchSession(s, { flows: setFlow(session.flows, id, { ...flow, awaiting: 'pubcomp' }) });
  // PUBREL answers PUBREC ([MQTT-4.3.3-1] in 3.1.1, 5.0 §4.3.3).
  send(s, { type: 'pubrel', packetId: id, reasonCode: 0 });
}

export function onPubComp(s: Step, packet: PubCompPacket): void {
  const flow = publishFlow(s, packet.packetId, 'pubcomp');
  if (flow === undefined) {
    log(s, 'warning', `PUBCOMP for unknown packet id ${packet.packetId}: ignored`);
    return;
  }
  endFlow(s, packet.packetId);
  settleFlow(s, flow, packet.reasonCode, packet);
  drainQueue(s);
}

/**
 * An ack on a connection we are closing after our DISCONNECT (reconnect): the broker had
 * the PUBLISH (or PUBREL), so its flow ends — or, for a PUBREC, waits for PUBCOMP — and
 * the next connection does not resend it. Nothing is sent: after DISCONNECT nothing more
 * goes out on that connection [MQTT-3.14.4-1]; a PUBREC's PUBREL leaves when the session
 * resumes [MQTT-4.4.0-1].
 */
export function onAckWhileDraining(s: Step, packet: PubAckPacket | PubRecPacket | PubCompPacket): void {
  const id = packet.packetId;
  const flow = publishFlow(s, id, packet.type);
  if (flow === undefined) {
    log(s, 'debug', `${packet.type} for packet id ${id} while closing: no flow waits for it`);
    return;
  }
  if (packet.type === 'pubrec' && packet.reasonCode < 0x80) {
    patchSession(s, { flows: setFlow(s.state.session.flows, id, { ...flow, awaiting: 'pubcomp' }) });
    return;
  }
  endFlow(s, id);
  settleFlow(s, flow, packet.reasonCode, packet);
}

/** The socket's buffer filled or drained: publishes wait in the queue meanwhile. */
export function onWritableChanged(s: Step, writable: boolean): void {
  const conn = s.state.connection;
  if (conn.type !== 'connected' || conn.writable === writable) return;
  patchConnected(s, { writable });
  if (writable) drainQueue(s);
}
