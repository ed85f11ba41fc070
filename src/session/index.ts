// The session reducer's public surface: re-exports only.
export * from './types';
export {
  initialState,
  validateSessionConfig,
  type SessionState,
  type SessionScope,
  type Connection,
  type ConnectedScope,
  type OutboundFlow,
  type PublishFlow,
  type ReduceResult,
} from './state';
export { reduce, reduceInto, nextDeadline } from './reduce';
export type { CommandSink } from './step';
export type { OutboundAliases, AliasEntry } from './topic-alias-out';
