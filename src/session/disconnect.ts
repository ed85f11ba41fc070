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
 * - DISCONNECT from the broker: closeTransport with 'server-disconnected' and its code.
 * - A protocol violation by the broker: in 5.0 DISCONNECT with the reason code (0x82
 *   Protocol Error by default, §4.13), then closeTransport with 'protocol-error'.
 */
import { MqttError } from '../errors';
import type { DisconnectPacket } from '../codec/types';
import { abandonInflight, failQueued } from './publish-out';
import { OFFLINE } from './state';
import { failQueuedControl, failSentControl } from './subscribe';
import { isV5, log, send, setConnection, type Step } from './step';
import type { Properties } from './types';

export function dropConnection(s: Step, error: MqttError): void {
  if (s.state.connection.type === 'offline') return;
  setConnection(s, OFFLINE);
  failSentControl(s, error);
}

/** Drop the connection scope (settling what it held), then closeTransport with `error`: close is the last command. */
export function closeWith(s: Step, error: MqttError): void {
  if (s.state.connection.type === 'offline') return;
  dropConnection(s, error);
  s.commands.push({ type: 'closeTransport', error });
}

export function onTransportClosed(s: Step, error: MqttError | undefined): void {
  if (s.state.connection.type === 'offline') {
    log(s, 'debug', 'transportClosed while offline: nothing to do');
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
