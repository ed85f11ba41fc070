/**
 * Timing primitives. A benchmark body is a function doing one batch of work and
 * returning a number (fed to a sink, so the JIT cannot drop the work). We calibrate
 * how many batches fill a target duration once, during warm-up, then time that same
 * count in every repetition, so repetitions compare like with like.
 */
import { performance } from 'node:perf_hooks';

export type Body = () => number;

let sink = 0;
/** Read the sink so nothing can be proven dead. */
export function consumeSink(): number {
  return sink;
}

/** Runs `body` `iterations` times; returns elapsed seconds. */
export function timeIterations(body: Body, iterations: number): number {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) sink = (sink + body()) | 0;
  return (performance.now() - start) / 1000;
}

/**
 * Warms `body` up for about `warmupMs`, then returns how many iterations take about
 * `targetMs` (at least 1).
 */
export function calibrate(body: Body, targetMs: number, warmupMs: number): number {
  let iterations = 1;
  let elapsedMs = 0;
  const warmupEnd = performance.now() + warmupMs;
  // Grow until one run is long enough to time reliably, and the warm-up is over.
  for (;;) {
    elapsedMs = timeIterations(body, iterations) * 1000;
    if (elapsedMs >= targetMs / 4 && performance.now() >= warmupEnd) break;
    if (elapsedMs < targetMs / 4) iterations *= 2;
  }
  return Math.max(1, Math.round((iterations * targetMs) / Math.max(elapsedMs, 1e-3)));
}
