/**
 * CONNECT and CONNACK.
 *
 * transportOpened → sendPacket CONNECT and wait for CONNACK, with a deadline of
 * `connectTimeout` ('connect-timeout' when it passes). The first packet from the
 * broker must be CONNACK [MQTT-3.2.0-1] (checked by the dispatcher).
 *
 * Clean Session / Clean Start: `clean: true` always, `false` never, `'first-only'`
 * until a CONNACK has accepted a connection of this session state (Paho's
 * MQTT_CLEAN_START_FIRST_ONLY; the same for 3.x's Clean Session). Counting only
 * accepted connections means a refused first attempt still starts clean next time.
 *
 * CONNACK with reason code ≠ 0 refuses the connection ('connection-refused' carrying the
 * code; the codec maps 3.x return codes to 0x84..0x88). On success the connection scope
 * is built from the CONNACK: Server Keep Alive overrides ours [MQTT-3.2.2-21], Receive
 * Maximum bounds the in-flight window [MQTT-3.3.4-7], Maximum QoS and Retain Available
 * gate publishes [MQTT-3.2.2-11]/[MQTT-3.2.2-14], Maximum Packet Size is kept for the
 * client/codec and for topic aliases, and the Topic Alias Maximum bounds a fresh, empty
 * table of our outbound aliases (topic-alias-out.ts). An Assigned Client Identifier is
 * kept in session scope and used by later CONNECTs, so the session can be resumed
 * (5.0 §3.2.2.3.7).
 *
 * Then, in this order: `connected`; the session's resends when Session Present
 * [MQTT-4.4.0-1], or 'session-lost' for every in-flight publish and a clear of the held
 * inbound QoS 2 ids when not; offline SUBSCRIBE/UNSUBSCRIBE. The publish backlog waits
 * for `connackHandled` — the client's word that it has restored its subscriptions — and
 * for the SUBSCRIBE/UNSUBSCRIBE queue to empty, so what a client published offline to
 * its own filters reaches it after a reconnect that lost the session.
 * A broker that reports Session Present after a clean start broke
 * [MQTT-3.2.2-1] (3.1.1) / [MQTT-3.2.2-2] (5.0).
 */
import { MqttError } from '../errors';
import type { ConnAckPacket, ConnectPacket, QoS } from '../codec/types';
import { connectAuthProperties, onConnAckAuth } from './auth';
import { closeWith, protocolViolation } from './disconnect';
import { failInflight, resendInflight } from './publish-resume';
import { emptyTable } from './id-table';
import type { ConnectedScope, HeldQos2, SessionState } from './state';
import { isV5, log, patchSession, send, setConnection, type Step } from './step';
import { drainBehindControl, flushControlQueue } from './subscribe';
import { emptyOutboundAliases, type OutboundAliases } from './topic-alias-out';
import type { ConnAck, SessionConfig } from './types';

export function cleanFlag(state: SessionState): boolean {
  const { clean } = state.config;
  return clean === true || (clean === 'first-only' && !state.session.everConnected);
}

export function buildConnect(state: SessionState, authData?: Uint8Array): ConnectPacket {
  const { config, session } = state;
  const packet: ConnectPacket = {
    type: 'connect',
    protocolVersion: config.protocolVersion,
    clean: cleanFlag(state),
    keepalive: config.keepalive,
    clientId: session.assignedClientId ?? config.clientId,
  };
  if (config.bridge === true) packet.bridge = true;
  if (config.username !== undefined) packet.username = config.username;
  if (config.password !== undefined) packet.password = config.password;
  if (config.will !== undefined) packet.will = config.will;
  if (config.protocolVersion === 5 && config.connectProperties !== undefined) packet.properties = config.connectProperties;
  if (config.protocolVersion === 5 && config.auth !== undefined) {
    packet.properties = { ...packet.properties, ...connectAuthProperties(config.auth.method, authData) };
  }
  return packet;
}

export function onTransportOpened(s: Step, authData?: Uint8Array): void {
  if (s.state.connection.type !== 'offline') {
    log(s, 'error', `transportOpened while ${s.state.connection.type}: ignored (report transportClosed first)`);
    return;
  }
  const { connectTimeout } = s.state.config;
  const packet = buildConnect(s.state, authData);
  setConnection(s, {
    type: 'awaitingConnack',
    openedAt: s.now,
    // The whole CONNECT exchange, enhanced authentication included, must end by then.
    deadline: connectTimeout > 0 ? s.now + connectTimeout : undefined,
    clean: packet.clean,
    ...(s.state.config.auth !== undefined && isV5(s) ? { auth: { type: 'awaitingBroker' as const, requestId: undefined } } : {}),
  });
  send(s, packet);
}

export function onConnectTimeoutTick(s: Step, deadline: number | undefined): void {
  if (deadline === undefined || s.now < deadline) return;
  closeWith(s, new MqttError('connect-timeout', `No CONNACK within ${s.state.config.connectTimeout} ms`));
}

export function onConnAck(s: Step, packet: ConnAckPacket): void {
  const conn = s.state.connection;
  if (conn.type !== 'awaitingConnack') return; // the dispatcher only routes CONNACK here while awaiting it
  if (packet.reasonCode !== 0) {
    const reason = packet.properties?.reasonString;
    closeWith(
      s,
      new MqttError(
        'connection-refused',
        `The broker refused the connection (reason code 0x${packet.reasonCode.toString(16)}${reason === undefined ? '' : `: ${reason}`})`,
        { reasonCode: packet.reasonCode },
      ),
    );
    return;
  }
  if (conn.clean && packet.sessionPresent) {
    const rule = s.state.config.protocolVersion === 5 ? 'MQTT-3.2.2-2' : 'MQTT-3.2.2-1';
    protocolViolation(s, 'Session Present after a clean start', rule);
    return;
  }
  if (isV5(s) && onConnAckAuth(s, packet) !== 'accept') return; // closed, or the app verifies it first (auth.ts)
  acceptConnAck(s, packet, conn.openedAt);
}

/** The CONNACK counts: build the connection scope, then resend, restore, flush. */
export function acceptConnAck(s: Step, packet: ConnAckPacket, openedAt: number): void {
  const props = packet.properties ?? {};
  const { config } = s.state;
  const keepaliveS = props.serverKeepAlive ?? config.keepalive;
  const connack: ConnAck = { sessionPresent: packet.sessionPresent, reasonCode: packet.reasonCode };
  if (packet.properties !== undefined) connack.properties = packet.properties;
  const connected: ConnectedScope = {
    type: 'connected',
    connack,
    keepaliveMs: keepaliveS * 1000,
    lastSentAt: openedAt, // CONNECT went out when the transport opened
    lastReceivedAt: s.now,
    pingSentAt: undefined,
    receiveMaximum: props.receiveMaximum ?? 65535,
    maximumPacketSize: props.maximumPacketSize,
    topicAliasMaximum: props.topicAliasMaximum ?? 0,
    outAliases: outboundAliases(config, props.topicAliasMaximum ?? 0),
    maximumQoS: (props.maximumQoS ?? 2) as QoS,
    retainAvailable: props.retainAvailable !== 0,
    ackQueue: [],
    inboundQos1Unacked: 0,
    inboundAliases: {},
    writable: true,
    reauth: undefined,
  };
  setConnection(s, connected);
  if (config.outboundTopicAliases !== undefined && config.outboundTopicAliases > 0) {
    const n = connected.outAliases?.maximum ?? 0;
    log(s, 'debug', n > 0 ? `topic aliases: up to ${n} on this connection` : 'topic aliases: not used on this connection (MQTT 3.x, or the broker allows none)');
  }
  const assigned = props.assignedClientIdentifier;
  patchSession(s, { everConnected: true, ...(assigned === undefined ? {} : { assignedClientId: assigned }) });
  s.commands.push({ type: 'connected', connack });
  if (packet.sessionPresent) {
    resendInflight(s);
  } else {
    failInflight(s, (packetId) => new MqttError('session-lost', 'Session lost: the broker has no session for this client', { packetId }));
    if (s.state.session.inboundQos2Count > 0) patchSession(s, { inboundQos2: emptyTable<HeldQos2>(), inboundQos2Count: 0 });
  }
  flushControlQueue(s);
}

/**
 * A fresh, empty alias table for this connection [MQTT-3.3.2-7], at most the broker's
 * Topic Alias Maximum [MQTT-3.3.2-9]; none in 3.x, when the broker allows none, or when
 * the option is off.
 */
function outboundAliases(config: SessionConfig, brokerMaximum: number): OutboundAliases | undefined {
  const maximum = config.protocolVersion === 5 ? Math.min(config.outboundTopicAliases ?? 0, brokerMaximum) : 0;
  return maximum > 0 ? emptyOutboundAliases(maximum) : undefined;
}

/** The client restored its subscriptions: the publish backlog goes out behind them. */
export function onConnAckHandled(s: Step): void {
  if (s.state.connection.type === 'connected') drainBehindControl(s);
}
