/**
 * The session's persisted form: what a `SessionStore` keeps so that a restarted process
 * resumes its flows ([MQTT-4.1.0-1]: the Session State the client keeps — QoS 1/2
 * messages sent and not completely acknowledged, QoS 2 messages received and not
 * completely acknowledged — and, for us, QoS 1/2 publishes asked for and not sent yet).
 *
 * Theory of operation. Pure functions over plain JSON-able data, no I/O:
 * - `persistSession(scope)` → `PersistedSession`, a snapshot; `restoreSession(scope, p)`
 *   puts one back into a session scope. Round trip: `persistSession(restoreSession(x, p))`
 *   is `p` (spec/session/persist.property.spec.ts).
 * - `sessionChanges(prev, next)` (persist-diff.ts) → the `SessionChange`s between two
 *   scopes, so a store can append a small record per change instead of rewriting the
 *   snapshot; `applyChanges(p, changes)` replays them onto a snapshot.
 *
 * What is kept, and what is not:
 * - Outbound QoS 1/2 PUBLISH flows (packet id, send order, stage), without the caller:
 *   a restarted process has no `publish()` subscriber to tell. SUBSCRIBE/UNSUBSCRIBE in
 *   flight are not kept: their callers are gone, and `messages$` subscribes again.
 * - Inbound QoS 2 packet ids held until PUBREL, once acknowledged (always, without
 *   manualAck): those are the ids whose PUBREC may have left. With manualAck an unacked
 *   one is not kept, so after a restart the broker's resend is delivered again: the app
 *   never confirmed the first delivery, and the process that got it is gone.
 * - The backlog's QoS 1/2 publishes (QoS 0 may be lost by definition). Each has a `key`:
 *   its request id when saved; restored ones get negative keys (-n..-1), which no new
 *   request takes (the engine counts up from 1).
 * - Counters: the next packet id and send order (so ids do not collide and resends keep
 *   their order), whether a CONNACK ever accepted this session (`clean: 'first-only'`),
 *   and the broker's Assigned Client Identifier.
 *
 * Payloads and binary properties are base64 (`{ $base64 }` inside properties). What a
 * store reads is checked by persist-check.ts before it is trusted.
 */
import type { Properties, PublishPacket, QoS } from '../codec/types';
import { MqttError } from '../errors';
import { fromBase64, toBase64 } from '../util/base64';
import { fifoFromArray, fifoToArray } from './fifo';
import { emptyTable, setFlow, tableEntries, tableValues, type IdTable } from './id-table';
import type { HeldQos2, OutboundFlow, PublishFlow, QueuedPublish, SessionScope } from './state';
import type { OutgoingMessage } from './types';

/** A QoS 1/2 message as persisted: the payload in base64. */
export interface PersistedMessage {
  topic: string;
  /** Base64. */
  payload: string;
  qos: 1 | 2;
  retain: boolean;
  /** MQTT 5 properties; binary values as `{ $base64 }`. */
  properties?: unknown;
}

/** An outbound QoS 1/2 PUBLISH holding a packet id. */
export interface PersistedFlow {
  packetId: number;
  /** Send order: resends go in this order [MQTT-4.6.0-1]. */
  seq: number;
  /** `pubcomp`: PUBREL was sent; the resend is a PUBREL, never the PUBLISH again. */
  awaiting: 'puback' | 'pubrec' | 'pubcomp';
  message: PersistedMessage;
}

/** A QoS 1/2 publish not sent yet. */
export interface PersistedQueued {
  key: number;
  message: PersistedMessage;
}

/** A session as a store keeps it: plain JSON-able data. */
export interface PersistedSession {
  format: 1;
  nextPacketId: number;
  nextSeq: number;
  everConnected: boolean;
  assignedClientId?: string;
  /** By send order. */
  flows: PersistedFlow[];
  /** Inbound QoS 2 packet ids held until PUBREL, ascending. */
  held: number[];
  /** Oldest first. */
  queue: PersistedQueued[];
}

/** One change to a `PersistedSession`, as a store appends it. */
export type SessionChange =
  | { type: 'counters'; nextPacketId: number; nextSeq: number; everConnected: boolean; assignedClientId?: string }
  /** A flow was started (or replaced one with its id). */
  | { type: 'flowStarted'; flow: PersistedFlow }
  /** PUBREL is going out: the flow now waits for PUBCOMP. */
  | { type: 'flowReleased'; packetId: number }
  | { type: 'flowEnded'; packetId: number }
  | { type: 'held'; packetId: number }
  | { type: 'released'; packetId: number }
  | { type: 'queued'; item: PersistedQueued }
  | { type: 'dequeued'; key: number };

export const EMPTY_PERSISTED: PersistedSession = Object.freeze({
  format: 1,
  nextPacketId: 1,
  nextSeq: 0,
  everConnected: false,
  flows: [],
  held: [],
  queue: [],
}) as PersistedSession;

export function persistMessage(message: OutgoingMessage | PublishPacket): PersistedMessage {
  const out: PersistedMessage = { topic: message.topic, payload: toBase64(message.payload), qos: message.qos as 1 | 2, retain: message.retain };
  if (message.properties !== undefined) out.properties = toJson(message.properties);
  return out;
}

export function persistFlow(flow: PublishFlow): PersistedFlow {
  return { packetId: flow.packet.packetId ?? 0, seq: flow.seq, awaiting: flow.awaiting, message: persistMessage(flow.packet) };
}

/** Is this held id one a store keeps (its PUBREC may have left)? */
export function isPersistedHeld(held: HeldQos2): boolean {
  return held.acked;
}

export function persistSession(scope: SessionScope): PersistedSession {
  const flows: PersistedFlow[] = [];
  for (const flow of tableValues(scope.flows)) if (flow.type === 'publish') flows.push(persistFlow(flow));
  flows.sort((a, b) => a.seq - b.seq);
  const held: number[] = [];
  for (const [id, entry] of tableEntries(scope.inboundQos2)) if (isPersistedHeld(entry)) held.push(id);
  const queue: PersistedQueued[] = [];
  for (const item of fifoToArray(scope.queue)) {
    if (item.message.qos > 0) queue.push({ key: item.requestId, message: persistMessage(item.message) });
  }
  const out: PersistedSession = {
    format: 1,
    nextPacketId: scope.nextPacketId,
    nextSeq: scope.nextSeq,
    everConnected: scope.everConnected,
    flows,
    held,
    queue,
  };
  if (scope.assignedClientId !== undefined) out.assignedClientId = scope.assignedClientId;
  return out;
}

/**
 * `scope` with the persisted session put back: its flows (silent: no caller), held ids
 * (acked) and counters replace the scope's; its backlog goes before the scope's own
 * (publishes asked for in this life before the store was read), with keys -n..-1.
 */
export function restoreSession(scope: SessionScope, p: PersistedSession): SessionScope {
  let flows = scope.flows;
  let inflight = scope.inflight;
  for (const f of p.flows) {
    const flow: PublishFlow = { type: 'publish', seq: f.seq, requestId: undefined, packet: restorePacket(f.message, f.packetId), awaiting: f.awaiting };
    flows = setFlow<OutboundFlow>(flows, f.packetId, flow);
    inflight++;
  }
  let inboundQos2: IdTable<HeldQos2> = emptyTable();
  for (const id of p.held) inboundQos2 = setFlow(inboundQos2, id, { deliveryId: undefined, acked: true });
  const restored: QueuedPublish[] = p.queue.map((q, i) => ({ requestId: i - p.queue.length, message: restoreMessage(q.message) }));
  const queue = restored.length === 0 ? scope.queue : fifoFromArray([...restored, ...fifoToArray(scope.queue)]);
  const out: SessionScope = {
    ...scope,
    nextPacketId: p.nextPacketId,
    nextSeq: Math.max(p.nextSeq, scope.nextSeq),
    flows,
    inflight,
    queue,
    inboundQos2,
    inboundQos2Count: p.held.length,
    everConnected: p.everConnected || scope.everConnected,
  };
  if (p.assignedClientId !== undefined) out.assignedClientId = p.assignedClientId;
  return out;
}

export function restoreMessage(m: PersistedMessage): OutgoingMessage {
  const out: OutgoingMessage = { topic: m.topic, payload: fromBase64(m.payload) ?? new Uint8Array(0), qos: m.qos as QoS, retain: m.retain };
  if (m.properties !== undefined) out.properties = fromJson(m.properties) as Properties;
  return out;
}

function restorePacket(m: PersistedMessage, packetId: number): PublishPacket {
  const message = restoreMessage(m);
  return { type: 'publish', topic: message.topic, payload: message.payload, qos: message.qos, retain: message.retain, dup: false, packetId, properties: message.properties };
}

/** `p` with `changes` applied, in order (a new object; `p` is not touched). */
export function applyChanges(p: PersistedSession, changes: readonly SessionChange[]): PersistedSession {
  const flows = new Map(p.flows.map((f) => [f.packetId, f]));
  const held = new Set(p.held);
  const queue = new Map(p.queue.map((q) => [q.key, q]));
  let counters: Pick<PersistedSession, 'nextPacketId' | 'nextSeq' | 'everConnected' | 'assignedClientId'> = p;
  for (const c of changes) {
    switch (c.type) {
      case 'counters':
        counters = c;
        break;
      case 'flowStarted':
        flows.set(c.flow.packetId, c.flow);
        break;
      case 'flowReleased': {
        const flow = flows.get(c.packetId);
        if (flow !== undefined) flows.set(c.packetId, { ...flow, awaiting: 'pubcomp' });
        break;
      }
      case 'flowEnded':
        flows.delete(c.packetId);
        break;
      case 'held':
        held.add(c.packetId);
        break;
      case 'released':
        held.delete(c.packetId);
        break;
      case 'queued':
        queue.set(c.item.key, c.item);
        break;
      case 'dequeued':
        queue.delete(c.key);
        break;
      default:
        throw corrupt(`unknown change ${JSON.stringify((c as { type?: unknown }).type)}`);
    }
  }
  const out: PersistedSession = {
    format: 1,
    nextPacketId: counters.nextPacketId,
    nextSeq: counters.nextSeq,
    everConnected: counters.everConnected,
    flows: [...flows.values()].sort((a, b) => a.seq - b.seq),
    held: [...held].sort((a, b) => a - b),
    // Keys are request ids: ascending is the order they were asked for.
    queue: [...queue.values()].sort((a, b) => a.key - b.key),
  };
  if (counters.assignedClientId !== undefined) out.assignedClientId = counters.assignedClientId;
  return out;
}

export function corrupt(message: string, cause?: unknown): MqttError {
  return new MqttError('store-error', `Session store unreadable: ${message}`, cause === undefined ? {} : { cause });
}

/** A plain object (not an array, not null): what JSON objects parse to. */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---- properties as JSON: Uint8Array values as { $base64 } ----

function toJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $base64: toBase64(value) };
  if (Array.isArray(value)) return value.map(toJson);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) if (value[key] !== undefined) out[key] = toJson(value[key]);
    return out;
  }
  return value;
}

function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (isObject(value)) {
    if (typeof value.$base64 === 'string' && Object.keys(value).length === 1) return fromBase64(value.$base64) ?? new Uint8Array(0);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = fromJson(value[key]);
    return out;
  }
  return value;
}
