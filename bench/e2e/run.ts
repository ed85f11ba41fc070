/**
 * End-to-end benchmark: rxmqtt against MQTT.js (and Paho Python and the mosquitto C
 * clients where installed, and a raw Node socket as the floor), every client in its own
 * process, all against one mosquitto started for this run on a free 127.0.0.1 port.
 *
 *   npx tsx bench/e2e/run.ts            full run (about 15 minutes on 2 cores)
 *   npx tsx bench/e2e/run.ts --quick    smoke run (under a minute; no claim about speed)
 *   … --only=throughput,latency,fanin,memory
 *   … --libs=rxmqtt,mqttjs --sizes=64 --qos=1 --reps=5 --count=100000   narrow a run for an A/B
 *     (names: rxmqtt, mqttjs, paho, c, raw; raw is the socket floor, publishing to itself in throughput)
 *
 * Prints one Markdown table per scenario and saves every raw run to
 * bench/results/e2e[-quick]-<date>.json. See bench/e2e/README.md for the method.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { environment, saveResults } from '../lib/report';
import { startBroker, type Broker } from './broker';
import { config, type Config } from './config';
import { buildWorkers, libraries, removeBuild } from './party';
import type { Context } from './pair';
import type { QoS } from './protocol';
import { fanIn, latency, memory, throughput, type FanInRun, type LatencyRun, type MemoryRun, type ThroughputRun } from './scenarios';
import { failures, fanInTable, latencyTable, memoryTable, throughputTables } from './tables';

const ROOT = join(__dirname, '..', '..');
const QUICK = process.argv.includes('--quick');
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const wants = (name: string): boolean => !ONLY || ONLY.includes(name);
const listArg = (name: string): string[] | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3).split(',');

/**
 * Peak RSS of a `node` that does nothing but load `module` (nothing at all without one):
 * the floor under every Node client's number, and what loading RxJS (its CommonJS build,
 * which Node always picks: all of it) or MQTT.js costs before any byte is sent.
 */
function nodeBaselineKb(module?: string): number {
  const load = module ? `require(${JSON.stringify(module)});` : '';
  return Number(execFileSync(process.execPath, ['--expose-gc', '-e', `${load}console.log(process.resourceUsage().maxRSS)`], { cwd: ROOT }).toString());
}

function nodeBaselines(): { label: string; kb: number }[] {
  return [{ label: 'an empty `node`', kb: nodeBaselineKb() }, { label: '`node` + `rxjs`', kb: nodeBaselineKb('rxjs') }, { label: '`node` + `mqtt`', kb: nodeBaselineKb('mqtt') }];
}

/** The config with --sizes, --qos and --reps applied. */
function narrowed(cfg: Config): Config {
  const sizes = listArg('sizes')?.map(Number);
  const qos = listArg('qos')?.map((q) => Number(q) as QoS);
  const reps = listArg('reps')?.map(Number)[0];
  const n = listArg('count')?.map(Number)[0];
  const count = n ? { 0: n, 1: n, 2: n } : cfg.count;
  return { ...cfg, sizes: sizes ?? cfg.sizes, qos: qos ?? cfg.qos, reps: reps ?? cfg.reps, count };
}

async function main(): Promise<void> {
  const started = Date.now();
  // Other work on the machine skews every number: the load average is recorded and printed.
  const loadavgAtStart = loadavg();
  const cfg = narrowed(config(QUICK));
  const log = (line: string): void => console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  const outdir = await buildWorkers();
  process.once('exit', () => removeBuild(outdir)); // also when something throws past `finally`
  let broker: Broker | undefined;
  try {
    broker = await startBroker();
    log(`mosquitto ${broker.version} pid ${broker.pid} on 127.0.0.1:${broker.port}`);
    const found = libraries(outdir, (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean));
    const only = listArg('libs');
    const libs = only ? found.libraries.filter((l) => only.includes(l.name)) : found.libraries;
    const notes = found.notes;
    for (const note of notes) log(note);
    const ctx: Context = { cfg, host: '127.0.0.1', port: broker.port, brokerPid: broker.pid, runId: `${process.pid}`, log };

    const tp: ThroughputRun[] = wants('throughput') ? await throughput(ctx, libs) : [];
    const lat: LatencyRun[] = wants('latency') ? await latency(ctx, libs) : [];
    const fan: FanInRun[] = wants('fanin') ? await fanIn(ctx, libs) : [];
    const mem: MemoryRun[] = wants('memory') ? await memory(ctx, libs) : [];

    const seconds = (Date.now() - started) / 1000;
    const env = { ...environment(), loadavgAtStart, loadavgAtEnd: loadavg(), mosquitto: broker.version, peers: libs.map((l) => l.label), notes, quick: QUICK, seconds };
    const file = saveResults(QUICK ? 'e2e-quick' : 'e2e', { env, config: cfg, throughput: tp, latency: lat, fanIn: fan, memory: mem });
    const sections = [
      `## End-to-end benchmark${QUICK ? ' (--quick: smoke run, numbers mean nothing)' : ''}`,
      `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, mosquitto ${broker.version}; ` +
        `${cfg.reps} repetitions${fan.length ? ` (fan-in ${cfg.fanInReps})` : ''}, median (min–max); ${seconds.toFixed(0)} s; ` +
        `load average ${loadavgAtStart.map((l) => l.toFixed(1)).join(' ')} at start, ${loadavg().map((l) => l.toFixed(1)).join(' ')} at end.`,
      ...notes.map((n) => `Note: ${n}.`),
      tp.length ? throughputTables(tp, libs, cfg.sizes, cfg.qos) : '',
      lat.length ? latencyTable(lat, libs) : '',
      tp.length || mem.length ? memoryTable(tp, fan, mem, libs, nodeBaselines()) : '',
      fan.length ? fanInTable(fan, cfg.fanIn.filters) : '',
      failures([...tp, ...lat, ...fan, ...mem]),
      `Raw results: ${file}`,
    ];
    console.log(sections.filter(Boolean).join('\n\n'));
    const errors = broker.logs().trim();
    if (errors) log(`mosquitto said:\n${errors}`);
  } finally {
    await broker?.close();
    removeBuild(outdir);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
