// Test helpers for the session reducer: deep-frozen states (NgRx style), event runners.
import type { ConnAckPacket, Packet, Properties } from '../../src/codec/types';
import {
  initialState,
  reduce,
  type SessionCommand,
  type SessionConfig,
  type SessionEvent,
  type SessionState,
} from '../../src/session';

export function config(overrides: Partial<SessionConfig> = {}): SessionConfig {
  return {
    protocolVersion: 5,
    clientId: 'c1',
    clean: true,
    keepalive: 60,
    connectTimeout: 5000,
    maxInflight: 20,
    maxQueued: 0,
    manualAck: false,
    ...overrides,
  };
}

/** Freezes every object reachable from `value` (typed arrays cannot be frozen and are skipped). */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v) || ArrayBuffer.isView(v)) continue;
    seen.add(v);
    Object.freeze(v);
    for (const key of Object.keys(v)) stack.push((v as Record<string, unknown>)[key]);
  }
  return value;
}

type EventBody = SessionEvent extends infer E ? (E extends SessionEvent ? Omit<E, 'now'> & { now?: number } : never) : never;

/** Runs events in order (each on a deep-frozen state); `now` defaults to the previous one. */
export function run(state: SessionState, events: EventBody[], start = 0): { state: SessionState; commands: SessionCommand[]; now: number } {
  let now = start;
  const commands: SessionCommand[] = [];
  for (const e of events) {
    now = e.now ?? now;
    const result = reduce(deepFreeze(state), { ...e, now } as SessionEvent);
    state = result.state;
    commands.push(...result.commands);
  }
  return { state, commands, now };
}

export function recv(packet: Packet, now?: number): EventBody {
  return now === undefined ? { type: 'packetReceived', packet } : { type: 'packetReceived', packet, now };
}

export function connack(sessionPresent = false, reasonCode = 0, properties?: Properties): ConnAckPacket {
  return { type: 'connack', sessionPresent, reasonCode, ...(properties === undefined ? {} : { properties }) };
}

/** A state right after a successful CONNACK at time 0. */
export function connected(cfg: Partial<SessionConfig> = {}, ack: ConnAckPacket = connack()): SessionState {
  return run(initialState(config(cfg)), [{ type: 'transportOpened' }, recv(ack)]).state;
}

export function sent(commands: SessionCommand[]): Packet[] {
  return commands.flatMap((c) => (c.type === 'sendPacket' ? [c.packet] : []));
}

export function ofType<T extends SessionCommand['type']>(commands: SessionCommand[], type: T): Extract<SessionCommand, { type: T }>[] {
  return commands.filter((c): c is Extract<SessionCommand, { type: T }> => c.type === type);
}

/** Commands without log lines (logs are diagnostics, not protocol). */
export function effects(commands: SessionCommand[]): SessionCommand[] {
  return commands.filter((c) => c.type !== 'log');
}

export const payload = (s: string): Uint8Array => new TextEncoder().encode(s);

export function pub(requestId: number, qos: 0 | 1 | 2, topic = 't', extra: { retain?: boolean; now?: number } = {}): EventBody {
  const e: EventBody = { type: 'publishRequested', requestId, message: { topic, payload: payload(`m${requestId}`), qos, retain: extra.retain ?? false } };
  return extra.now === undefined ? e : { ...e, now: extra.now };
}

export function errorCodeOf(c: SessionCommand): string | undefined {
  return c.type === 'settleRequest' && !c.result.ok ? c.result.error.code : undefined;
}
