/**
 * Ending a connection, whoever ends it.
 *
 * `dropConnection` is the one step that turns any connection state into `offline`
 * (STYLE habit 6): the connection scope (keepalive clock, CONNACK limits, manual-ack
 * order, pending CONNACK) goes; sent SUBSCRIBE/UNSUBSCRIBE settle with the reason.
 * Session scope stays: in-flight QoS 1/2 publishes and held inbound QoS 2 ids wait for
 * a resumed session [MQTT-4.4.0-1], queued publishes and offline control requests wait
 * for the next CONNACK.
 *
 * - transportClosed: the socket is already gone; drop, no command.
 * - disconnectRequested: DISCONNECT (5.0 reason code/properties) when connected, then
 *   closeTransport without error. Callers learn at once with 'client-disconnected':
 *   queued publishes and control requests are dropped; in-flight QoS 1/2 publishes are
 *   settled too but their flows stay, silent, so a later session resume completes them
 *   as the protocol requires (Paho keeps them the same way). Before CONNACK no
 *   DISCONNECT is sent (the broker has not accepted us yet); the socket just closes.
 *   closeTransport is emitted even when offline: closing is idempotent for the client.
 * - reconnectRequested: the same end as a drop, but said: DISCONNECT 0x00 (Normal
 *   disconnection) when connected, so the broker discards the Will without publishing it
 *   ([MQTT-3.14.4-3] in 3.1.1 and 5.0), then closeTransport without error; the client
 *   dials again once the socket is gone. Unlike disconnectRequested, nobody is told
 *   anything but what every drop tells (sent SUBSCRIBE/UNSUBSCRIBE, 'connection-closed'):
 *   queued publishes, offline control requests and in-flight QoS 1/2 flows keep their
 *   callers and go on at the next CONNACK exactly as after a network drop (resent when
 *   Session Present, 'session-lost' when not). Before CONNACK no DISCONNECT (as above).
 *   Until the socket is gone the connection is `offline` but `draining`: PUBACK, PUBREC
 *   and PUBCOMP the broker sent before our DISCONNECT still end their flows
 *   (publish-out.ts `onAckWhileDraining`), so a reconnect does not resend them.
 *   Offline (a socket still being dialled) closeTransport alone: the client's socket
 *   may exist before the session hears of it.
 * - DISCONNECT from the broker: closeTransport with 'server-disconnected' and its code.
 * - A protocol violation by the broker: in 5.0 DISCONNECT with the reason code (0x82
 *   Protocol Error by default, §4.13), then closeTransport with 'protocol-error'.
 */
import { MqttError } from '../errors';
import type { DisconnectPacket } from '../codec/types';
import { abandonInflight, failQueued } from './publish-resume';
import { DRAINING, OFFLINE } from './state';
import { failQueuedControl, failSentControl } from './subscribe';
import { fail, isV5, log, send, setConnection, type Step } from './step';
import type { Properties } from './types';

export function dropConnection(s: Step, error: MqttError): void {
  const conn = s.state.connection;
  if (conn.type === 'offline') return;
  setConnection(s, OFFLINE);
  failSentControl(s, error);
  // A re-authentication in progress ends with the connection [MQTT-4.12.1-2].
  const reauthRequest = conn.type === 'connected' ? conn.reauth?.requestId : undefined;
  if (reauthRequest !== undefined) fail(s, reauthRequest, error);
}

/** Drop the connection scope (settling what it held), then closeTransport with `error`: close is the last command. */
export function closeWith(s: Step, error: MqttError): void {
  if (s.state.connection.type === 'offline') return;
  dropConnection(s, error);
  s.commands.push({ type: 'closeTransport', error });
}

export function onTransportClosed(s: Step, error: MqttError | undefined): void {
  const conn = s.state.connection;
  if (conn.type === 'offline') {
    if (conn.draining) setConnection(s, OFFLINE);
    else log(s, 'debug', 'transportClosed while offline: nothing to do');
    return;
  }
  dropConnection(s, error ?? new MqttError('connection-closed', 'Connection closed'));
}

export function onDisconnectRequested(s: Step, reasonCode: number | undefined, properties: Properties | undefined): void {
  if (s.state.connection.type === 'connected') {
    const packet: DisconnectPacket = { type: 'disconnect', reasonCode: isV5(s) ? (reasonCode ?? 0) : 0 };
    if (isV5(s) && properties !== undefined) packet.properties = properties;
    send(s, packet);
  }
  const error = new MqttError('client-disconnected', 'The client disconnected');
  failQueued(s, error);
  failQueuedControl(s, error);
  abandonInflight(s, error);
  dropConnection(s, error);
  s.commands.push({ type: 'closeTransport' });
}

export function onReconnectRequested(s: Step): void {
  // 0x00 in both versions: 3.x's DISCONNECT has no reason code, and 5.0's 0x00 is the one that discards the Will.
  const connected = s.state.connection.type === 'connected';
  if (connected) send(s, { type: 'disconnect', reasonCode: 0 });
  dropConnection(s, new MqttError('connection-closed', 'The client closed the connection to reconnect'));
  // Acks the broker sent before our DISCONNECT still end their flows (not resent, not
  // delivered twice) until the socket is gone.
  if (connected) setConnection(s, DRAINING);
  s.commands.push({ type: 'closeTransport' });
}

export function onServerDisconnect(s: Step, packet: DisconnectPacket): void {
  const reason = packet.properties?.reasonString;
  const code = `0x${packet.reasonCode.toString(16).padStart(2, '0')}`;
  closeWith(
    s,
    new MqttError('server-disconnected', `The broker disconnected (reason code ${code}${reason === undefined ? '' : `: ${reason}`})`, {
      reasonCode: packet.reasonCode,
    }),
  );
}

/** The broker broke the protocol: say so in 5.0, then close [MQTT-4.13.1-1, §4.13.2]. */
export function protocolViolation(s: Step, message: string, rule: string, reasonCode = 0x82): void {
  if (s.state.connection.type === 'offline') return;
  if (isV5(s)) send(s, { type: 'disconnect', reasonCode });
  log(s, 'error', `Protocol violation by the broker: ${message} [${rule}]`);
  closeWith(s, new MqttError('protocol-error', message, { rule, reasonCode }));
}

/**
 * The broker sent bytes that are not a valid packet: in 5.0 say so with DISCONNECT 0x81
 * Malformed Packet (0x95 Packet too large when it broke our Maximum Packet Size), then
 * close with the decoder's error [MQTT-4.13.1-1]. 3.x has no way to say why.
 */
export function onMalformedPacket(s: Step, error: MqttError): void {
  if (s.state.connection.type === 'offline') return;
  if (isV5(s)) send(s, { type: 'disconnect', reasonCode: error.rule === 'maximum packet size' ? 0x95 : 0x81 });
  log(s, 'error', `Malformed packet from the broker: ${error.message}`);
  closeWith(s, error);
}
