/**
 * backoff(): the delay curve, giving up, shouldRetry, the reset on success, jitter, and
 * cancellation, in virtual time (frames are ms); then properties of the curve.
 */

import * as fc from 'fast-check';
import { defer, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { backoff, backoffDelay, type BackoffRetry } from '../../src';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** The n-th subscription gets `sources[n]`: a source whose behaviour changes per attempt. */
function perAttempt<T>(sources: Observable<T>[]): Observable<T> {
  let n = 0;
  return defer(() => sources[Math.min(n++, sources.length - 1)]);
}

describe('backoff()', () => {
  it('waits minDelay, then multiplies each delay, capped at maxDelay, and gives up after maxAttempts with the last error', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', undefined, 'down');
      const result = source.pipe(backoff({ minDelay: 10, maxDelay: 40, maxAttempts: 4, scheduler: ts }));
      // Errors at 1; retries at 1+10, 12+20, 33+40, 74+40; the 5th error passes at 115.
      expectObservable(result).toBe('115ms #', undefined, 'down');
      expectSubscriptions(source.subscriptions).toBe(['^!', '11ms ^!', '32ms ^!', '73ms ^!', '114ms ^!']);
    });
  });

  it("uses Paho's curve by default: 1 s, 2 s, 4 s (a number is shorthand for maxAttempts)", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('#', undefined, 'down');
      expectObservable(source.pipe(backoff(3))).toBe('7s #', undefined, 'down');
      expectSubscriptions(source.subscriptions).toBe(['(^!)', '1s (^!)', '3s (^!)', '7s (^!)']);
    });
  });

  it('lets values and completion through, and resubscribes after an error', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = perAttempt([cold('a#', { a: 1 }), cold('b|', { b: 2 })]);
      expectObservable(source.pipe(backoff({ minDelay: 5, scheduler: ts }))).toBe('a 5ms b|', { a: 1, b: 2 });
    });
  });

  it('passes an error that shouldRetry refuses at once, without waiting', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = perAttempt([cold('-#', undefined, 'transient'), cold('-#', undefined, 'fatal')]);
      const watched = cold('-#', undefined, 'fatal');
      const retried = source.pipe(backoff({ minDelay: 10, scheduler: ts, shouldRetry: (e) => e !== 'fatal' }));
      expectObservable(retried).toBe('12ms #', undefined, 'fatal');
      expectObservable(watched.pipe(backoff({ minDelay: 10, scheduler: ts, shouldRetry: () => false }))).toBe('-#', undefined, 'fatal');
      expectSubscriptions(watched.subscriptions).toBe('^!');
    });
  });

  it('with resetOnSuccess, a value restarts the curve at minDelay; without, the curve keeps growing', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const attempts = () => [cold('-#'), cold('-#'), cold('a#', { a: 'up' }), cold('-#'), cold('|')];
      const config = { minDelay: 10, scheduler: ts };
      // Errors at 1, 32; up at 32, error at 33; then 10 (reset), 20: retries at 11, 32, 43, 64.
      expectObservable(perAttempt(attempts()).pipe(backoff({ ...config, resetOnSuccess: true }))).toBe('32ms a 31ms |', { a: 'up' });
      // Without the reset the 3rd and 4th delays are 40 and 80: retries at 11, 32, 73, 154.
      expectObservable(perAttempt(attempts()).pipe(backoff(config))).toBe('32ms a 121ms |', { a: 'up' });
    });
  });

  it('calls onRetry with each attempt, delay and error before waiting', () => {
    const ts = testScheduler();
    const seen: Array<BackoffRetry & { at: number }> = [];
    ts.run(({ cold }) => {
      const source = cold('-#', undefined, 'e');
      source.pipe(backoff({ minDelay: 100, maxAttempts: 3, scheduler: ts, onRetry: (r) => seen.push({ ...r, at: ts.now() }) })).subscribe({ error: () => undefined });
    });
    expect(seen).toEqual([
      { attempt: 1, delay: 100, error: 'e', at: 1 },
      { attempt: 2, delay: 200, error: 'e', at: 102 },
      { attempt: 3, delay: 400, error: 'e', at: 303 },
    ]);
  });

  it('takes up to `jitter` of each delay off, with the injected random source', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('#', undefined, 'e');
      // random 0.5 × jitter 0.5: a quarter off: 100 → 75, 200 → 150.
      expectObservable(source.pipe(backoff({ minDelay: 100, jitter: 0.5, random: () => 0.5, maxAttempts: 2, scheduler: ts }))).toBe('225ms #', undefined, 'e');
      expectSubscriptions(source.subscriptions).toBe(['(^!)', '75ms (^!)', '225ms (^!)']);
    });
  });

  it('cancels the pending delay when unsubscribed', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', undefined, 'e');
      expectObservable(source.pipe(backoff({ minDelay: 10, scheduler: ts })), '^ 5ms !').toBe('');
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });

  it.each([
    [{ minDelay: -1 }, /minDelay/],
    [{ minDelay: 100, maxDelay: 50 }, /maxDelay/],
    [{ multiplier: 0.5 }, /multiplier/],
    [{ jitter: 1.5 }, /jitter/],
    [{ maxAttempts: 1.5 }, /maxAttempts/],
    [{ minDelay: Number.NaN }, /minDelay/],
  ])('refuses %j with a RangeError', (config, message) => {
    expect(() => backoff(config)).toThrow(RangeError);
    expect(() => backoff(config)).toThrow(message);
  });
});

describe('backoffDelay() properties', () => {
  const curve = fc
    .record({ minDelay: fc.integer({ min: 0, max: 10_000 }), extra: fc.integer({ min: 0, max: 1_000_000 }), multiplier: fc.double({ min: 1, max: 10, noNaN: true }) })
    .map(({ minDelay, extra, multiplier }) => ({ minDelay, maxDelay: minDelay + extra, multiplier }));

  it('without jitter: within [minDelay, maxDelay], non-decreasing, and at the cap once it reaches it', () => {
    fc.assert(
      fc.property(curve, fc.integer({ min: 1, max: 120 }), (c, attempts) => {
        let previous = -Infinity;
        let capped = false;
        for (let attempt = 1; attempt <= attempts; attempt++) {
          const d = backoffDelay(c, attempt);
          expect(d).toBeGreaterThanOrEqual(c.minDelay);
          expect(d).toBeLessThanOrEqual(c.maxDelay);
          expect(d).toBeGreaterThanOrEqual(previous);
          if (capped) expect(d).toBe(c.maxDelay);
          capped = d === c.maxDelay;
          previous = d;
        }
        expect(backoffDelay(c, 1)).toBe(Math.min(c.minDelay, c.maxDelay));
      }),
    );
  });

  it('with jitter j: within [d × (1 − j), d] of the jitter-free delay d', () => {
    fc.assert(
      fc.property(curve, fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (c, attempt, jitter, r) => {
        const d = backoffDelay(c, attempt);
        const jittered = backoffDelay({ ...c, jitter }, attempt, () => r);
        expect(jittered).toBeLessThanOrEqual(d);
        expect(jittered).toBeGreaterThanOrEqual(d * (1 - jitter) - 1e-9);
      }),
    );
  });

  it('the operator waits exactly the curve: resubscriptions are backoffDelay(attempt) apart', () => {
    // Whole multipliers keep every delay a whole number of frames.
    const wholeCurve = fc
      .record({ minDelay: fc.integer({ min: 0, max: 1000 }), extra: fc.integer({ min: 0, max: 100_000 }), multiplier: fc.integer({ min: 1, max: 4 }) })
      .map(({ minDelay, extra, multiplier }) => ({ minDelay, maxDelay: minDelay + extra, multiplier }));
    fc.assert(
      fc.property(wholeCurve, fc.integer({ min: 0, max: 12 }), (c, maxAttempts) => {
        const ts = testScheduler();
        const subscribedAt: number[] = [];
        ts.run(({ cold }) => {
          const source = defer(() => {
            subscribedAt.push(ts.now());
            return cold('#', undefined, 'e');
          });
          source.pipe(backoff({ ...c, maxAttempts, scheduler: ts })).subscribe({ error: () => undefined });
        });
        const gaps = subscribedAt.slice(1).map((t, i) => t - subscribedAt[i]);
        expect(gaps).toEqual(Array.from({ length: maxAttempts }, (_, i) => backoffDelay(c, i + 1)));
      }),
      { numRuns: 50 },
    );
  });
});
