// Operators users may reuse: re-exports only.
export { backoff, backoffDelay, type BackoffConfig, type BackoffCurve, type BackoffRetry } from './backoff';
