/**
 * One reduce call's scratch pad. `reduce` builds a `Step` from the input state, the
 * flow handlers replace `step.state` with new objects (never mutating the old ones)
 * and append commands, and `reduce` returns `{ state, commands }` (`reduceInto` appends
 * the commands to a sink the caller owns). The step itself is local to one call, so the
 * reducer stays pure from the outside.
 */
import type { Packet } from '../codec/types';
import type { MqttError } from '../errors';
import type { ConnectedScope, Connection, SessionScope, SessionState } from './state';
import type { LogLevel, SessionCommand, SettleResult } from './types';

/** Where a reduce call appends its commands: an array, or the engine's reused queue. */
export interface CommandSink {
  push(command: SessionCommand): void;
}

export interface Step {
  state: SessionState;
  readonly commands: CommandSink;
  readonly now: number;
}

export function patchSession(s: Step, patch: Partial<SessionScope>): void {
  s.state = { ...s.state, session: { ...s.state.session, ...patch } };
}

export function setConnection(s: Step, connection: Connection): void {
  s.state = { ...s.state, connection };
}

export function patchConnected(s: Step, patch: Partial<Omit<ConnectedScope, 'type'>>): void {
  const conn = s.state.connection;
  if (conn.type !== 'connected') return;
  s.state = { ...s.state, connection: { ...conn, ...patch } };
}

/** Queues a packet for the wire and restarts the keepalive "nothing sent" clock [MQTT-3.1.2-23]. */
export function send(s: Step, packet: Packet): void {
  s.commands.push({ type: 'sendPacket', packet });
  const conn = s.state.connection;
  if (conn.type === 'connected' && conn.lastSentAt !== s.now) patchConnected(s, { lastSentAt: s.now });
}

export function settle(s: Step, requestId: number, result: SettleResult): void {
  s.commands.push({ type: 'settleRequest', requestId, result });
}

export function fail(s: Step, requestId: number, error: MqttError): void {
  settle(s, requestId, { ok: false, error });
}

export function log(s: Step, level: LogLevel, message: string): void {
  s.commands.push({ type: 'log', level, message });
}

export function isV5(s: Step): boolean {
  return s.state.config.protocolVersion === 5;
}
