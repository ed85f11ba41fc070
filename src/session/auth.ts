/**
 * MQTT 5 enhanced authentication (§4.12, AUTH §3.15): challenge/response during CONNECT,
 * and re-authentication on an accepted connection.
 *
 * Theory of operation. With `config.auth`, every CONNECT carries the Authentication
 * Method (and the data the client fetched for this connection, on `transportOpened`).
 * An exchange is always somebody's turn (`AuthExchange`, state.ts):
 * - `awaitingBroker`: we sent CONNECT, AUTH 0x18 or AUTH 0x19; the broker answers with
 *   AUTH 0x18 (Continue authentication), or ends it: CONNACK during CONNECT, AUTH 0x00
 *   (Success) for a re-authentication, or a refusal (CONNACK ≥ 0x80, DISCONNECT).
 * - `awaitingApp`: the reducer handed the app a step (`authStep` command, with a fresh
 *   `stepId`) and waits for `authAnswered`/`authRefused` with that id. The app's answer
 *   may take any time: the reducer never waits on it, other traffic goes on (during a
 *   re-authentication the connection keeps working [§4.12.1]), and an answer to a step
 *   that is no longer current (the connection ended, the broker moved on) is ignored.
 *   A challenge is answered with AUTH 0x18 [MQTT-4.12.0-3]; a success (CONNACK or AUTH
 *   0x00) is handed to the app only with `verify`, and counts once it approves: a
 *   verified CONNACK holds back the packets behind it until then, so nothing is
 *   delivered on a connection the app has not accepted.
 *
 * The broker breaks the protocol (DISCONNECT 0x82, 'protocol-error') when it sends AUTH
 * although our CONNECT named no method [MQTT-4.12.0-6] (or names a method in CONNACK),
 * when an AUTH or successful CONNACK lacks our method or names another [MQTT-4.12.0-5],
 * when it sends AUTH 0x19 (only a Client sends it, §3.15.2.1) or AUTH 0x00 before CONNACK,
 * when it starts a re-authentication itself (§4.12.1: only the Client does), and when it
 * sends AUTH while the app still owes an answer. When the app fails (its responder
 * errors, or `verify` refuses) the client ends the connection [MQTT-4.12.1-2] with
 * DISCONNECT 0x83 Implementation specific error (a challenge it could not answer) or 0x80
 * Unspecified error (a success it does not trust: why is not the broker's business) —
 * 0x87 and 0x8C are Server-only codes in DISCONNECT — and 'auth-failed'. The connect
 * timeout covers the whole CONNECT exchange, the app's turns included.
 */
import type { AuthPacket, ConnAckPacket, Packet, Properties } from '../codec/types';
import { MqttError } from '../errors';
import { closeWith, protocolViolation } from './disconnect';
import type { AuthExchange } from './state';
import { fail, isV5, log, patchConnected, patchSession, send, setConnection, settle, type Step } from './step';
import type { AuthStep, AuthSuccess } from './types';

/** The CONNECT properties enhanced authentication adds [MQTT-3.1.2.11.9/10]. */
export function connectAuthProperties(method: string, data: Uint8Array | undefined): Properties {
  return data === undefined ? { authenticationMethod: method } : { authenticationMethod: method, authenticationData: data };
}

/** The exchange in progress on this connection, if any. */
function exchangeOf(s: Step): AuthExchange | undefined {
  const conn = s.state.connection;
  if (conn.type === 'awaitingConnack') return conn.auth;
  if (conn.type === 'connected') return conn.reauth;
  return undefined;
}

function setExchange(s: Step, exchange: AuthExchange | undefined): void {
  const conn = s.state.connection;
  if (conn.type === 'awaitingConnack') {
    const { auth: _old, ...rest } = conn;
    setConnection(s, exchange === undefined ? rest : { ...rest, auth: exchange });
  }
  else if (conn.type === 'connected') patchConnected(s, { reauth: exchange });
}

/**
 * The method checks every AUTH and successful CONNACK must pass; true when the packet
 * broke one (the connection is then closed).
 */
function brokeMethodRule(s: Step, what: string, properties: Properties | undefined): boolean {
  const ours = s.state.config.auth?.method;
  const theirs = properties?.authenticationMethod;
  if (ours === undefined) {
    if (what === 'AUTH' || theirs !== undefined) {
      protocolViolation(s, `${what} with an Authentication Method, but our CONNECT named none`, 'MQTT-4.12.0-6');
      return true;
    }
    return false;
  }
  if (theirs !== ours) {
    const found = theirs === undefined ? 'no Authentication Method' : `Authentication Method "${theirs}"`;
    protocolViolation(s, `${what} with ${found}, where our CONNECT named "${ours}"`, 'MQTT-4.12.0-5');
    return true;
  }
  return false;
}

/** Hands the app its turn: a fresh step id, so a late answer to an older step is ignored. */
function askApp(s: Step, kind: AuthStep['kind'], reasonCode: number, properties: Properties | undefined, requestId: number | undefined, extra: Partial<AuthExchange> = {}): void {
  const stepId = s.state.session.authSteps + 1;
  patchSession(s, { authSteps: stepId });
  setExchange(s, { type: 'awaitingApp', stepId, kind, requestId, ...extra } as AuthExchange);
  const props = properties ?? {};
  const step: AuthStep = { kind, reasonCode, properties: props, reauthentication: requestId !== undefined };
  if (props.authenticationData !== undefined) step.data = props.authenticationData;
  s.commands.push({ type: 'authStep', stepId, step });
}

/** AUTH from the broker, in any connection state but offline (3.x cannot decode one: it is malformed there). */
export function onAuth(s: Step, packet: AuthPacket): void {
  if (!isV5(s)) {
    protocolViolation(s, 'AUTH in MQTT 3.x', 'MQTT-2.1.2 AUTH is MQTT 5 only');
    return;
  }
  if (brokeMethodRule(s, 'AUTH', packet.properties)) return;
  const exchange = exchangeOf(s);
  const connecting = s.state.connection.type === 'awaitingConnack';
  if (packet.reasonCode === 0x19) {
    protocolViolation(s, 'AUTH 0x19 (Re-authenticate) from the broker: only a Client sends it', 'MQTT-3.15.2.1');
    return;
  }
  if (exchange === undefined) {
    // After CONNACK only the Client starts a re-authentication [§4.12.1].
    protocolViolation(s, 'AUTH with no re-authentication in progress: only the Client starts one', 'MQTT-4.12.1-1');
    return;
  }
  if (exchange.type === 'awaitingApp') {
    protocolViolation(s, 'AUTH before the client answered the previous step', 'MQTT-4.12.0-3');
    return;
  }
  if (packet.reasonCode === 0x18) {
    askApp(s, 'challenge', 0x18, packet.properties, exchange.requestId);
    return;
  }
  // 0x00 Success: ends a re-authentication; a CONNECT exchange ends with CONNACK instead.
  if (connecting) {
    protocolViolation(s, 'AUTH 0x00 (Success) before CONNACK: a CONNECT exchange ends with CONNACK', 'MQTT-4.12.0-2');
    return;
  }
  const success: AuthSuccess = { reasonCode: 0 };
  if (packet.properties?.authenticationData !== undefined) success.data = packet.properties.authenticationData;
  if (packet.properties !== undefined) success.properties = packet.properties;
  if (s.state.config.auth?.verify === true) askApp(s, 'success', 0x00, packet.properties, exchange.requestId, { success });
  else finishReauth(s, exchange.requestId, success);
}

function finishReauth(s: Step, requestId: number | undefined, success: AuthSuccess): void {
  patchConnected(s, { reauth: undefined });
  if (requestId !== undefined) settle(s, requestId, { ok: true, value: success });
}

/**
 * A successful CONNACK's part in enhanced authentication. Returns 'accept' when the
 * connection may go on now, 'wait' when the app verifies it first, 'closed' when it broke
 * a rule.
 */
export function onConnAckAuth(s: Step, packet: ConnAckPacket): 'accept' | 'wait' | 'closed' {
  if (brokeMethodRule(s, 'CONNACK', packet.properties)) return 'closed';
  if (s.state.config.auth?.verify !== true) return 'accept';
  askApp(s, 'success', 0x00, packet.properties, undefined, { connack: packet, held: [] });
  return 'wait';
}

/**
 * While the app verifies a CONNACK, what the broker sends after it waits (true: held).
 * Replayed in order once the app approves.
 */
export function holdWhileVerifying(s: Step, packet: Packet): boolean {
  const conn = s.state.connection;
  if (conn.type !== 'awaitingConnack' || conn.auth?.type !== 'awaitingApp' || conn.auth.connack === undefined) return false;
  setConnection(s, { ...conn, auth: { ...conn.auth, held: [...(conn.auth.held ?? []), packet] } });
  return true;
}

/**
 * The app answered step `stepId`. Returns the CONNACK it approved (and the packets held
 * behind it) for the reducer to accept and replay; undefined otherwise.
 */
export function onAuthAnswered(s: Step, stepId: number, data: Uint8Array | undefined): { connack: ConnAckPacket; held: readonly Packet[] } | undefined {
  const exchange = exchangeOf(s);
  if (exchange?.type !== 'awaitingApp' || exchange.stepId !== stepId) return undefined; // stale: the exchange moved on or ended
  const method = s.state.config.auth?.method;
  if (exchange.kind === 'challenge' && method !== undefined) {
    setExchange(s, { type: 'awaitingBroker', requestId: exchange.requestId });
    // The Client answers a challenge with AUTH 0x18 and the same method [MQTT-4.12.0-3, MQTT-4.12.0-5].
    send(s, { type: 'auth', reasonCode: 0x18, properties: connectAuthProperties(method, data) });
    return undefined;
  }
  if (exchange.connack !== undefined) return { connack: exchange.connack, held: exchange.held ?? [] };
  finishReauth(s, exchange.requestId, exchange.success ?? { reasonCode: 0 });
  return undefined;
}

/** The app failed step `stepId`: end the connection, saying why in 5.0 [MQTT-4.12.1-2]. */
export function onAuthRefused(s: Step, stepId: number, error: MqttError): void {
  const exchange = exchangeOf(s);
  if (exchange?.type !== 'awaitingApp' || exchange.stepId !== stepId) return;
  const reasonCode = exchange.kind === 'challenge' ? 0x83 : 0x80;
  const failure = new MqttError('auth-failed', error.message, { reasonCode, ...(error.cause === undefined ? {} : { cause: error.cause }) });
  send(s, { type: 'disconnect', reasonCode });
  closeWith(s, failure); // a re-authentication's request fails with it (dropConnection)
}

/**
 * A CONNACK after CONNACK is a protocol error [MQTT-3.2.0-2], with one tolerated case:
 * mosquitto 2.0 answers a refused re-authentication with CONNACK 0x87 (Not authorized)
 * where §4.12.1 expects DISCONNECT. During a re-authentication, a CONNACK with a failure
 * code is read as that refusal: 'connection-refused' with its code, for the request and
 * the connection alike (no DISCONNECT: the broker is closing). True when handled so.
 */
export function onConnAckDuringReauth(s: Step, packet: ConnAckPacket): boolean {
  const conn = s.state.connection;
  if (conn.type !== 'connected' || conn.reauth === undefined || packet.reasonCode < 0x80) return false;
  const code = `0x${packet.reasonCode.toString(16)}`;
  log(s, 'warning', `CONNACK ${code} during re-authentication: read as the broker's refusal (mosquitto 2.0 sends it instead of DISCONNECT)`);
  closeWith(s, new MqttError('connection-refused', `The broker refused the re-authentication (CONNACK reason code ${code})`, { reasonCode: packet.reasonCode }));
  return true;
}

/** `reauthenticate()`: AUTH 0x19 with our method [MQTT-4.12.1-1], only on an accepted connection. */
export function onReauthenticateRequested(s: Step, requestId: number, data: Uint8Array | undefined): void {
  const method = s.state.config.auth?.method;
  const conn = s.state.connection;
  if (!isV5(s) || method === undefined) {
    fail(s, requestId, new MqttError('invalid-argument', 'Re-authentication needs MQTT 5 and the auth option', { rule: 'MQTT-4.12.0-7' }));
    return;
  }
  if (conn.type !== 'connected') {
    fail(s, requestId, new MqttError('connection-closed', 'Not connected: re-authentication needs an accepted connection (after CONNACK)', { rule: 'MQTT-4.12.1-1' }));
    return;
  }
  if (conn.reauth !== undefined) {
    fail(s, requestId, new MqttError('invalid-argument', 'A re-authentication is already in progress'));
    return;
  }
  patchConnected(s, { reauth: { type: 'awaitingBroker', requestId } });
  send(s, { type: 'auth', reasonCode: 0x19, properties: connectAuthProperties(method, data) });
}
