/**
 * Sizes of the end-to-end benchmark. Full mode takes about 15 minutes on a 2-core
 * machine; `--quick` is a smoke run (under a minute) that checks every path works and
 * says nothing about speed.
 */
import type { QoS } from './protocol';

export interface Config {
  quick: boolean;
  /** Repetitions of the throughput and latency scenarios (library order rotates each time). */
  reps: number;
  fanInReps: number;
  sizes: number[];
  qos: QoS[];
  /** Messages per throughput run, by QoS. */
  count: Record<QoS, number>;
  /** Publishes in flight (rxmqtt maxInflight and mergeMap concurrency; Paho's and mosquitto_pub's default). */
  window: number;
  latency: { warmup: number; count: number; size: number; qos: QoS[] };
  fanIn: { filters: number; count: number; loopCount: number };
  memory: { count: number; rounds: number };
  /** A run's parties are killed and the run reported failed after this long. */
  runTimeoutMs: number;
}

export function config(quick: boolean): Config {
  return quick
    ? {
      quick, reps: 1, fanInReps: 1, sizes: [64], qos: [0, 1, 2], count: { 0: 2000, 1: 1000, 2: 500 }, window: 20,
      latency: { warmup: 50, count: 300, size: 64, qos: [0, 1] },
      fanIn: { filters: 1000, count: 2000, loopCount: 200 },
      memory: { count: 1000, rounds: 2 },
      runTimeoutMs: 20_000,
    }
    : {
      // Counts give each measured window 2–3 s: with 30k/10k (under a second) start-up
      // costs inside the window (first GCs, the first drain of the socket) doubled the CPU
      // per message of both Node libraries in some runs. 3 repetitions × 6 cells × 4
      // libraries then take about 15 minutes on 2 cores.
      quick, reps: 3, fanInReps: 2, sizes: [64, 1024], qos: [0, 1, 2], count: { 0: 100_000, 1: 40_000, 2: 20_000 }, window: 20,
      // 10,000 round trips before the 5,000 timed ones, as the throughput runs warm up:
      // after only 500, V8 was still compiling both libraries' paths during the timed
      // window, and the p99 of both was ~2 ms (p99 of the raw socket floor: ~0.3 ms).
      latency: { warmup: 10_000, count: 5000, size: 64, qos: [0, 1] },
      fanIn: { filters: 10_000, count: 20_000, loopCount: 300 },
      memory: { count: 10_000, rounds: 5 },
      runTimeoutMs: 90_000,
    };
}
