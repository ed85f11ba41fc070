/**
 * `backoff()`: RxJS's `retry`, waiting longer after each failure.
 *
 * Why an operator: the client's automatic reconnect is this policy applied to "one
 * connection, from dial to drop" (see client/reconnector.ts), and users need the same
 * policy for what the client deliberately does not retry — the first `connect()`, a
 * request to their own backend. One operator, one set of tests, one meaning of
 * `minDelay`/`maxDelay` everywhere.
 *
 * The curve is Paho's `reconnect_delay_set`: wait `minDelay` before the first retry,
 * multiply by `multiplier` before each next one, never more than `maxDelay`. Jitter
 * (off by default, so the curve is exact and tests need no random source) takes up to
 * that fraction off each delay, so clients dropped together do not all redial together.
 * Every wait is a `timer` on the given scheduler: under `TestScheduler.run` it is
 * virtual time.
 */

import { asyncScheduler, retry, throwError, timer, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';

/** The delay curve: all in milliseconds except `multiplier` and `jitter`. */
export interface BackoffCurve {
  /** The first delay (Paho's `min_delay`). Default 1000. */
  minDelay?: number;
  /** No delay is longer (Paho's `max_delay`). Default 120,000. */
  maxDelay?: number;
  /** Each delay is the previous one times this, up to `maxDelay`. Default 2; 1 gives a constant delay. */
  multiplier?: number;
  /**
   * 0..1: each delay is drawn uniformly from `[d × (1 − jitter), d]` where `d` is the curve's
   * delay (1 is "full jitter", anywhere in `[0, d]`). Default 0: exact, deterministic delays.
   */
  jitter?: number;
}

/** One retry about to wait: given to `onRetry`. */
export interface BackoffRetry {
  /** 1 for the first retry after a failure, counting up until a success resets it (with `resetOnSuccess`). */
  attempt: number;
  /** Milliseconds until the source is subscribed again. */
  delay: number;
  /** What the source errored with. */
  error: unknown;
}

export interface BackoffConfig extends BackoffCurve {
  /** Retries before giving up with the last error. Default `Infinity`; 0 never retries. */
  maxAttempts?: number;
  /** Errors for which it returns false are not retried: they pass through at once. Default: retry every error. */
  shouldRetry?: (error: unknown) => boolean;
  /**
   * When true, every value the source emits counts as a success: the next failure starts
   * the curve again at `minDelay`, attempt 1, and `maxAttempts` counts afresh. Use it for
   * long-lived sources that emit once they are "up" (a connection that emits on CONNACK
   * and errors when it drops). Default false: the curve runs across the whole
   * subscription, as `retry`'s count does.
   */
  resetOnSuccess?: boolean;
  /** Where the delays run. Default `asyncScheduler`; pass a `TestScheduler` in tests. */
  scheduler?: SchedulerLike;
  /** A source of numbers in [0, 1) for `jitter`. Default `Math.random`; inject one in tests. */
  random?: () => number;
  /** Called as each retry is scheduled (before its delay): for logging or a "retrying in …" state. */
  onRetry?: (retry: BackoffRetry) => void;
}

/**
 * Resubscribes to the source when it errors, after an exponentially growing delay.
 * Values and completion pass through; an error passes through when `shouldRetry` refuses
 * it or after `maxAttempts` retries. Unsubscribing cancels a pending delay. Throws a
 * `RangeError` at once for a bad configuration (see `backoffConfigProblem`).
 * A number is shorthand for `{ maxAttempts }`.
 *
 * ## Example
 *
 * ```ts
 * // The first connect() is not retried by the client: retry it at 1 s, 2 s, 4 s … 30 s.
 * client.connect().pipe(backoff({ maxDelay: 30_000 })).subscribe();
 * ```
 */
export function backoff<T>(configOrMaxAttempts: BackoffConfig | number = {}): MonoTypeOperatorFunction<T> {
  const config: BackoffConfig = typeof configOrMaxAttempts === 'number' ? { maxAttempts: configOrMaxAttempts } : configOrMaxAttempts;
  const problem = backoffConfigProblem(config);
  if (problem !== undefined) throw new RangeError(`backoff: ${problem}`);
  const { maxAttempts = Infinity, shouldRetry, resetOnSuccess = false, scheduler = asyncScheduler, random = Math.random, onRetry } = config;
  return retry<T>({
    count: maxAttempts,
    resetOnSuccess,
    delay: (error: unknown, attempt: number) => {
      if (shouldRetry !== undefined && !shouldRetry(error)) return throwError(() => error);
      const delay = backoffDelay(config, attempt, random);
      onRetry?.({ attempt, delay, error });
      return timer(delay, scheduler);
    },
  });
}

/**
 * The delay before retry `attempt` (1-based), in ms: `minDelay × multiplier^(attempt−1)`,
 * at most `maxDelay`, less up to `jitter` of it. Pure but for `random`.
 */
export function backoffDelay(curve: BackoffCurve, attempt: number, random: () => number = Math.random): number {
  const { minDelay = 1000, maxDelay = 120_000, multiplier = 2, jitter = 0 } = curve;
  // minDelay × multiplier^k overflows to Infinity for large k (and 0 × Infinity is NaN).
  const grown = minDelay === 0 ? 0 : minDelay * Math.pow(multiplier, attempt - 1);
  const capped = Number.isFinite(grown) ? Math.min(maxDelay, grown) : maxDelay;
  return jitter === 0 ? capped : capped - capped * jitter * random();
}

/** What is wrong with a configuration, or undefined when it is valid. */
export function backoffConfigProblem(config: BackoffConfig): string | undefined {
  const { minDelay = 1000, maxDelay = 120_000, multiplier = 2, jitter = 0, maxAttempts = Infinity } = config;
  const finite = (x: number) => typeof x === 'number' && Number.isFinite(x);
  if (!finite(minDelay) || minDelay < 0) return `minDelay must be a number of ms ≥ 0, got ${String(minDelay)}`;
  if (!finite(maxDelay) || maxDelay < minDelay) return `maxDelay must be a number of ms ≥ minDelay (${minDelay}), got ${String(maxDelay)}`;
  if (!finite(multiplier) || multiplier < 1) return `multiplier must be a number ≥ 1, got ${String(multiplier)}`;
  if (!finite(jitter) || jitter < 0 || jitter > 1) return `jitter must be a number from 0 to 1, got ${String(jitter)}`;
  if (maxAttempts !== Infinity && (!Number.isInteger(maxAttempts) || maxAttempts < 0)) {
    return `maxAttempts must be an integer ≥ 0 or Infinity, got ${String(maxAttempts)}`;
  }
  return undefined;
}
