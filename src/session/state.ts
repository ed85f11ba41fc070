/**
 * The session state: two scopes, as the spec splits them (STYLE habit 6).
 *
 * - `SessionScope` outlives a network connection: outbound QoS 1/2 flows and their
 *   packet ids, the publish backlog, inbound QoS 2 packet ids held until PUBREL
 *   ([MQTT-4.1.0-1]: the Session State the client keeps). It is plain data, so a store
 *   can persist it and a restarted process resume its flows.
 * - `Connection` is a union keyed by `type` (STYLE habit 5); only `connected` carries
 *   the connection scope (keepalive clock, the broker's CONNACK limits, the manual-ack
 *   order queue). A closed transport replaces it with `{ type: 'offline' }` in one step.
 *
 * Records keyed by packet id give O(1) lookups; the reducer copies only the record or
 * scope object an event touches, never the backlog (see fifo.ts).
 */
import { MqttError } from '../errors';
import type { ConnAckPacket, Packet, PublishPacket, QoS, SubscribePacket, UnsubscribePacket } from '../codec/types';
import { emptyFifo, type Fifo } from './fifo';
import { EMPTY_FLOWS, emptyTable, type FlowTable, type IdTable } from './id-table';
import type { OutboundAliases } from './topic-alias-out';
import type { AuthSuccess, ConnAck, OutgoingMessage, SessionCommand, SessionConfig } from './types';

/** An outbound QoS 1/2 publish holding a packet id. `requestId` is undefined once withdrawn or abandoned. */
export interface PublishFlow {
  type: 'publish';
  /** Send order, for resending in the original order [MQTT-4.6.0-1]. */
  seq: number;
  requestId: number | undefined;
  /**
   * The PUBLISH as built (dup false), with its full topic and no Topic Alias even when
   * the wire copy used one: aliases belong to the connection it went out on, and the
   * resend (dup true) goes out on another [MQTT-3.3.2-7].
   */
  packet: PublishPacket;
  /** What we wait for: PUBACK (QoS 1), PUBREC then PUBCOMP (QoS 2). */
  awaiting: 'puback' | 'pubrec' | 'pubcomp';
}

/**
 * The requests one SUBSCRIBE/UNSUBSCRIBE carries, in packet order: each owns the next
 * `count` topic filters (and their reason codes in the ack). Usually one; requests that
 * queued behind each other may share a packet (subscribe.ts).
 */
export type ControlParts = ReadonlyArray<{ requestId: number; count: number }>;

export interface SubscribeFlow {
  type: 'subscribe';
  parts: ControlParts;
  packet: SubscribePacket;
}

export interface UnsubscribeFlow {
  type: 'unsubscribe';
  parts: ControlParts;
  packet: UnsubscribePacket;
}

/** Everything that holds an outbound packet id. */
export type OutboundFlow = PublishFlow | SubscribeFlow | UnsubscribeFlow;

export interface QueuedPublish {
  requestId: number;
  message: OutgoingMessage;
}

/** A SUBSCRIBE/UNSUBSCRIBE asked for while offline: sent (with an id) once connected. */
export type QueuedControl =
  | { type: 'subscribe'; requestId: number; packet: Omit<SubscribePacket, 'packetId'> }
  | { type: 'unsubscribe'; requestId: number; packet: Omit<UnsubscribePacket, 'packetId'> };

/** An inbound QoS 2 packet id held between delivery and PUBREL ([MQTT-4.3.3-2] 3.1.1 / [MQTT-4.3.3-10] 5.0, method B). */
export interface HeldQos2 {
  /** Set when manualAck is on: the delivery id the user acks. */
  deliveryId: number | undefined;
  /** The user acked it (always true without manualAck): a duplicate PUBLISH gets PUBREC at once. */
  acked: boolean;
}

export interface SessionScope {
  /** The next packet id to try, 1..65535. */
  nextPacketId: number;
  flows: FlowTable;
  /** Number of PublishFlow entries in `flows`. */
  inflight: number;
  nextSeq: number;
  queue: Fifo<QueuedPublish>;
  /** SUBSCRIBE/UNSUBSCRIBE not sent yet: asked for offline, or beyond the control window. */
  controlQueue: Fifo<QueuedControl>;
  /** Number of SubscribeFlow/UnsubscribeFlow entries in `flows` (at most CONTROL_WINDOW). */
  controlInflight: number;
  inboundQos2: IdTable<HeldQos2>;
  inboundQos2Count: number;
  nextDeliveryId: number;
  /** A CONNACK has accepted a connection of this session (for clean: 'first-only'). */
  everConnected: boolean;
  /** The broker's Assigned Client Identifier (5.0), used by later CONNECTs of this session. */
  assignedClientId?: string;
  /** Enhanced-authentication steps handed to the app so far: the next step's id (auth.ts). */
  authSteps: number;
}

/**
 * Where an enhanced-authentication exchange stands (auth.ts). `requestId`: the
 * `reauthenticate()` request it answers (a re-authentication), undefined during CONNECT.
 */
export type AuthExchange =
  /** We sent CONNECT or AUTH: the broker's turn (AUTH 0x18, CONNACK, or AUTH 0x00). */
  | { type: 'awaitingBroker'; requestId: number | undefined }
  /**
   * The app's turn: step `stepId`, a challenge to answer or (with `verify`) the broker's
   * success to check. For a CONNACK being verified, `connack` is it and `held` the packets
   * that followed it, replayed once the app approves; `success` is a re-authentication's AUTH 0x00.
   */
  | {
      type: 'awaitingApp';
      stepId: number;
      kind: 'challenge' | 'success';
      requestId: number | undefined;
      connack?: ConnAckPacket;
      held?: readonly Packet[];
      success?: AuthSuccess;
    };

/** An inbound QoS 1/2 PUBLISH whose PUBACK/PUBREC waits for its turn [MQTT-4.6.0-2]/[MQTT-4.6.0-3]. */
export interface PendingAck {
  deliveryId: number;
  packetId: number;
  qos: 1 | 2;
  acked: boolean;
}

export interface ConnectedScope {
  type: 'connected';
  connack: ConnAck;
  /** Effective keepalive, ms (the broker's Server Keep Alive wins [MQTT-3.2.2-21]); 0 = off. */
  keepaliveMs: number;
  lastSentAt: number;
  lastReceivedAt: number;
  /** When the outstanding PINGREQ was sent; undefined when none is outstanding. */
  pingSentAt: number | undefined;
  /** The broker's Receive Maximum (65535 when absent, 5.0 §3.2.2.3.3). */
  receiveMaximum: number;
  maximumPacketSize: number | undefined;
  /** The broker's Topic Alias Maximum: the aliases WE may send; 0 = none. */
  topicAliasMaximum: number;
  /**
   * Our Topic Alias mappings on this connection (topic-alias-out.ts); undefined when we
   * send none (option off, 3.x, or a broker maximum of 0).
   */
  outAliases: OutboundAliases | undefined;
  /** False while the socket's buffer is full: publishes queue instead of piling into it. */
  writable: boolean;
  /** Inbound topic aliases the broker set on this connection [MQTT-3.3.2-7]: alias → topic. */
  inboundAliases: Readonly<Record<number, string>>;
  maximumQoS: QoS;
  retainAvailable: boolean;
  /** manualAck: inbound acks in receive order. Empty when manualAck is off. */
  ackQueue: readonly PendingAck[];
  /** Inbound QoS 1 PUBLISH not yet PUBACKed (for our Receive Maximum). */
  inboundQos1Unacked: number;
  /** A re-authentication in progress [MQTT-4.12.1-1]; undefined when none. */
  reauth: AuthExchange | undefined;
}

export type Connection =
  /**
   * `draining`: after our DISCONNECT for a reconnect, until the socket is gone. What the
   * broker sent before it still arrives; its PUBACK/PUBREC/PUBCOMP still end their flows.
   */
  | { type: 'offline'; draining?: true }
  /** `clean`: the Clean Start flag the CONNECT carried (to check Session Present against it). */
  /** `auth`: the enhanced-authentication exchange of this CONNECT (with `config.auth`). */
  | { type: 'awaitingConnack'; openedAt: number; deadline: number | undefined; clean: boolean; auth?: AuthExchange }
  | ConnectedScope;

export interface SessionState {
  config: SessionConfig;
  session: SessionScope;
  connection: Connection;
}

export const OFFLINE: Connection = { type: 'offline' };
export const DRAINING: Connection = { type: 'offline', draining: true };

export function initialSessionScope(): SessionScope {
  return {
    nextPacketId: 1,
    flows: EMPTY_FLOWS,
    inflight: 0,
    nextSeq: 0,
    queue: emptyFifo(),
    controlQueue: emptyFifo(),
    controlInflight: 0,
    inboundQos2: emptyTable<HeldQos2>(),
    inboundQos2Count: 0,
    nextDeliveryId: 1,
    everConnected: false,
    authSteps: 0,
  };
}

export function initialState(config: SessionConfig): SessionState {
  return { config, session: initialSessionScope(), connection: OFFLINE };
}

/**
 * Refuses a configuration the protocol forbids, before anything is sent. The client
 * calls it once at the API edge; the reducer trusts it afterwards.
 */
export function validateSessionConfig(config: SessionConfig): MqttError | undefined {
  const bad = (message: string, rule?: string): MqttError =>
    new MqttError('invalid-argument', message, rule === undefined ? {} : { rule });
  if (config.clientId === '') {
    // 3.1 requires 1..23 characters; 3.1.1 allows an empty id only with Clean Session
    // [MQTT-3.1.3-7]; 5.0 allows it and the broker assigns one [MQTT-3.1.3-6].
    if (config.protocolVersion === 3) return bad('MQTT 3.1 requires a non-empty client id');
    if (config.protocolVersion === 4 && config.clean !== true) {
      return bad('MQTT 3.1.1 allows an empty client id only with clean: true', 'MQTT-3.1.3-7');
    }
  }
  if (!isUint(config.keepalive) || config.keepalive > 65535) {
    return bad('keepalive must be an integer number of seconds, 0..65535', 'MQTT-3.1.2.10');
  }
  if (!(config.connectTimeout >= 0)) return bad('connectTimeout must be ≥ 0 ms');
  if (!isUint(config.maxInflight)) return bad('maxInflight must be a non-negative integer');
  if (!isUint(config.maxQueued)) return bad('maxQueued must be a non-negative integer');
  if (config.password !== undefined && config.username === undefined && config.protocolVersion !== 5) {
    // 3.x: the password flag requires the user name flag [MQTT-3.1.2-22].
    return bad('MQTT 3.x sends a password only with a username', 'MQTT-3.1.2-22');
  }
  const aliases = config.outboundTopicAliases;
  if (aliases !== undefined && (!isUint(aliases) || aliases > 65535)) {
    return bad('topicAliases maximum must be an integer from 0 to 65535', 'MQTT-3.2.2.3.8');
  }
  if (config.protocolVersion !== 5 && config.connectProperties !== undefined) {
    return bad('connectProperties need MQTT 5');
  }
  const auth = config.auth;
  if (auth !== undefined) {
    if (config.protocolVersion !== 5) return bad('Enhanced authentication (auth) needs MQTT 5', 'MQTT-4.12');
    if (typeof auth.method !== 'string' || auth.method === '') return bad('auth.method must be a non-empty string', 'MQTT-3.1.2.11.9');
  }
  const props = config.connectProperties;
  if (props?.authenticationMethod !== undefined || props?.authenticationData !== undefined) {
    // The method needs someone to answer the broker's AUTH: that is the auth option's job.
    return bad('Set enhanced authentication with the auth option, not authenticationMethod/authenticationData in properties', 'MQTT-3.1.2.11.9');
  }
  const rm = config.connectProperties?.receiveMaximum;
  if (rm !== undefined && (!isUint(rm) || rm < 1 || rm > 65535)) {
    return bad('receiveMaximum must be 1..65535', 'MQTT-3.2.2.3.3');
  }
  return undefined;
}

function isUint(n: number): boolean {
  return Number.isInteger(n) && n >= 0;
}

/** What the reducer hands back. */
export interface ReduceResult {
  state: SessionState;
  commands: SessionCommand[];
}
