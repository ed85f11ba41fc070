// Stub: replaced by the real dispatcher.
import type { ReduceResult, SessionState } from './state';
import type { SessionEvent } from './types';

export function reduce(state: SessionState, _event: SessionEvent): ReduceResult {
  return { state, commands: [] };
}

export function nextDeadline(_state: SessionState): number | undefined {
  return undefined;
}
