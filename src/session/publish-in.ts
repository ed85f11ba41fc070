/**
 * Inbound PUBLISH: QoS 0 deliver; QoS 1 deliver then PUBACK; QoS 2 exactly once.
 *
 * - QoS 2 uses method B of the spec (3.1.1 §4.3.3 figure 4.3, 5.0 §4.3.3): deliver on
 *   PUBLISH, send PUBREC and hold the packet id in session scope until PUBREL. A PUBLISH
 *   with a held id is a retransmission: it is NOT delivered again, but PUBREC is sent
 *   again [MQTT-4.3.3-2] (3.1.1) / [MQTT-4.3.3-10] (5.0). PUBREL frees the id and is
 *   answered with PUBCOMP [MQTT-4.3.3-11]; a PUBREL for an id we do not hold (we already freed it, or
 *   lost it) still gets PUBCOMP, with 0x92 Packet Identifier not found in 5.0 (§3.7.2.1).
 * - manualAck: each QoS 1/2 message gets a `deliveryId`; its PUBACK/PUBREC waits for
 *   `messageAcked`. Acks leave in the order the PUBLISH packets arrived
 *   [MQTT-4.6.0-2]/[MQTT-4.6.0-3], so an early ack waits for older ones (`ackQueue`).
 *   The ack queue is connection scope: after a reconnect the broker resends unacked
 *   QoS 1 (delivered again: at least once) and unreleased QoS 2 (not delivered again;
 *   its PUBREC goes out once the original delivery is acked, which the held id records).
 * - 5.0 Receive Maximum: the broker must not have more unacknowledged QoS 1/2 PUBLISH
 *   with us than we allowed [MQTT-3.3.4-9]; one more is a violation (0x93).
 */
import type { PubRelPacket, PublishPacket } from '../codec/types';
import { protocolViolation } from './disconnect';
import { deleteFlow, getFlow, hasFlow, setFlow, tableEntries, type IdTable } from './id-table';
import type { ConnectedScope, HeldQos2, PendingAck } from './state';
import { isV5, log, patchConnected, patchSession, send, type Step } from './step';

const MAX_RECEIVE = 65535;

export function onPublish(s: Step, packet: PublishPacket, conn: ConnectedScope): void {
  if (packet.qos === 0) {
    s.commands.push({ type: 'deliverMessage', message: packet });
    return;
  }
  const packetId = packet.packetId;
  if (packetId === undefined) {
    protocolViolation(s, 'QoS > 0 PUBLISH without a packet id', 'MQTT-2.2.1-2');
    return;
  }
  const { session, config } = s.state;
  const held = packet.qos === 2 ? getFlow(session.inboundQos2, packetId) : undefined;
  if (held !== undefined) {
    onRepeatedQos2(s, packetId, held, conn);
    return;
  }
  if (isV5(s) && conn.inboundQos1Unacked + session.inboundQos2Count >= (config.connectProperties?.receiveMaximum ?? MAX_RECEIVE)) {
    protocolViolation(s, 'The broker exceeded our Receive Maximum', 'MQTT-3.3.4-9', 0x93);
    return;
  }
  const manual = config.manualAck;
  if (packet.qos === 1 && !manual && conn.ackQueue.length === 0) {
    // The hot path: acked at once, nothing older waiting — what the general path below
    // does, without counting the message unacked and then acked again.
    s.commands.push({ type: 'deliverMessage', message: packet });
    send(s, { type: 'puback', packetId, reasonCode: 0 });
    return;
  }
  const deliveryId = manual ? session.nextDeliveryId : undefined;
  if (deliveryId !== undefined) patchSession(s, { nextDeliveryId: deliveryId + 1 });
  if (packet.qos === 2) {
    const entry: HeldQos2 = { deliveryId, acked: !manual };
    const now = s.state.session;
    patchSession(s, { inboundQos2: setFlow(now.inboundQos2, packetId, entry), inboundQos2Count: now.inboundQos2Count + 1 });
  } else {
    patchConnected(s, { inboundQos1Unacked: (current(s)?.inboundQos1Unacked ?? 0) + 1 });
  }
  s.commands.push(deliveryId === undefined ? { type: 'deliverMessage', message: packet } : { type: 'deliverMessage', message: packet, deliveryId });
  enqueueAck(s, { deliveryId: deliveryId ?? 0, packetId, qos: packet.qos, acked: !manual });
}

function onRepeatedQos2(s: Step, packetId: number, held: HeldQos2, conn: ConnectedScope): void {
  log(s, 'debug', `Repeated QoS 2 PUBLISH ${packetId}: not delivered again`);
  if (conn.ackQueue.some((a) => a.packetId === packetId && a.qos === 2)) return; // its PUBREC is already due
  enqueueAck(s, { deliveryId: held.deliveryId ?? 0, packetId, qos: 2, acked: held.acked });
}

/** Adds an ack in receive order and sends whatever is now at the head and acked. */
function enqueueAck(s: Step, ack: PendingAck): void {
  const conn = current(s);
  if (conn === undefined) return;
  if (ack.acked && conn.ackQueue.length === 0) {
    sendAck(s, ack); // the hot path: nothing older is waiting
    return;
  }
  patchConnected(s, { ackQueue: [...conn.ackQueue, ack] });
  flushAcks(s);
}

function current(s: Step): ConnectedScope | undefined {
  const conn = s.state.connection;
  return conn.type === 'connected' ? conn : undefined;
}

function sendAck(s: Step, ack: PendingAck): void {
  if (ack.qos === 1) {
    const conn = current(s);
    if (conn !== undefined) patchConnected(s, { inboundQos1Unacked: Math.max(0, conn.inboundQos1Unacked - 1) });
    send(s, { type: 'puback', packetId: ack.packetId, reasonCode: 0 });
  } else {
    send(s, { type: 'pubrec', packetId: ack.packetId, reasonCode: 0 });
  }
}

function flushAcks(s: Step): void {
  const conn = current(s);
  if (conn === undefined) return;
  let n = 0;
  while (n < conn.ackQueue.length && conn.ackQueue[n].acked) n++;
  if (n === 0) return;
  patchConnected(s, { ackQueue: conn.ackQueue.slice(n) });
  for (let i = 0; i < n; i++) sendAck(s, conn.ackQueue[i]);
}

export function onMessageAcked(s: Step, deliveryId: number): void {
  if (!s.state.config.manualAck) {
    log(s, 'debug', `messageAcked(${deliveryId}) without manualAck: ignored`);
    return;
  }
  const conn = current(s);
  const index = conn === undefined ? -1 : conn.ackQueue.findIndex((a) => a.deliveryId === deliveryId && !a.acked);
  const session = s.state.session;
  // Record the ack on the held QoS 2 id too, so a retransmission after a reconnect gets PUBREC.
  let heldId: number | undefined;
  if (conn !== undefined && index >= 0) {
    const entry = conn.ackQueue[index];
    if (entry.qos === 2) heldId = entry.packetId;
  } else {
    heldId = findHeld(session.inboundQos2, deliveryId);
  }
  const heldEntry = heldId === undefined ? undefined : getFlow(session.inboundQos2, heldId);
  if (heldId !== undefined && heldEntry !== undefined) {
    patchSession(s, { inboundQos2: setFlow(session.inboundQos2, heldId, { ...heldEntry, acked: true }) });
  }
  if (conn !== undefined && index >= 0) {
    const ackQueue = conn.ackQueue.slice();
    ackQueue[index] = { ...ackQueue[index], acked: true };
    patchConnected(s, { ackQueue });
    flushAcks(s);
    return;
  }
  if (heldId === undefined) log(s, 'debug', `messageAcked(${deliveryId}): no such pending delivery (stale or already acked)`);
}

function findHeld(held: IdTable<HeldQos2>, deliveryId: number): number | undefined {
  const found = tableEntries(held).find(([, entry]) => entry.deliveryId === deliveryId && !entry.acked);
  return found === undefined ? undefined : found[0];
}

export function onPubRel(s: Step, packet: PubRelPacket): void {
  const id = packet.packetId;
  const session = s.state.session;
  if (!hasFlow(session.inboundQos2, id)) {
    log(s, 'debug', `PUBREL for packet id ${id} we do not hold: answering PUBCOMP`);
    send(s, { type: 'pubcomp', packetId: id, reasonCode: isV5(s) ? 0x92 : 0 });
    return;
  }
  patchSession(s, { inboundQos2: deleteFlow(session.inboundQos2, id), inboundQos2Count: session.inboundQos2Count - 1 });
  const conn = current(s);
  if (conn !== undefined && conn.ackQueue.some((a) => a.packetId === id && a.qos === 2)) {
    // PUBREL before our PUBREC: the broker skipped a step; do not send a PUBREC now.
    patchConnected(s, { ackQueue: conn.ackQueue.filter((a) => !(a.packetId === id && a.qos === 2)) });
    flushAcks(s);
  }
  send(s, { type: 'pubcomp', packetId: id, reasonCode: 0 });
}
