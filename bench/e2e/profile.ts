/**
 * CPU profiles of the rxmqtt workers, for the engineers optimising the client:
 *
 *   npx tsx bench/e2e/profile.ts [--quick] [--size=64] [--qos=0,1]
 *
 * Runs an rxmqtt publisher → rxmqtt subscriber pair at QoS 0 and QoS 1 (64 B unless
 * `--size=` says) with
 * `node --cpu-prof`, on the same esbuild bundle and plain `node` as `run.ts` (a
 * TypeScript loader in the process would be a fifth of its profile), and prints the top
 * 15 functions by self time of each process, idle time left out, each placed in our
 * .ts sources through the bundle's source map. The profile spans the whole process,
 * start-up included, so the runs are long (200k / 50k messages) to make the message path
 * dominate. The .cpuprofile files stay in bench/results/profiles/ (open them in Chrome
 * DevTools).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable } from '../lib/report';
import { startBroker } from './broker';
import { config } from './config';
import { runPair, type Context } from './pair';
import { buildWorkers, removeBuild } from './party';
import { Worker } from './processes';
import type { Job, QoS } from './protocol';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, 'bench', 'results', 'profiles');
const TOP = 15;

/** Where a frame of a bundled file was in its sources (`src/client/engine.ts:171`), when its source map says. */
type Locate = (url: string, line: number, column: number) => string | undefined;

/** Reads each bundle's source map once (the `.map` esbuild writes beside it). */
function sourceMapLocator(): Locate {
  const maps = new Map<string, SourceMap | undefined>();
  return (url, line, column) => {
    if (!url.startsWith('file://') || !url.endsWith('.cjs')) return undefined;
    let map = maps.get(url);
    if (!maps.has(url)) {
      const file = fileURLToPath(url);
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
      } catch {
        map = undefined;
      }
      maps.set(url, map);
    }
    const entry = map?.findEntry(line, column) as { originalSource?: string; originalLine?: number } | undefined;
    if (entry?.originalSource === undefined || entry.originalLine === undefined) return undefined;
    const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : join(dirnameOf(url), entry.originalSource);
    return `${relative(ROOT, source)}:${entry.originalLine + 1}`;
  };
}

function dirnameOf(url: string): string {
  return join(fileURLToPath(url), '..');
}

/** Self time per function (name + file + line), in ms, heaviest first. */
export function topSelf(profile: Profile, top = TOP, locate: Locate = () => undefined): { fn: string; where: string; ms: number; share: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { fn: string; where: string; ms: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') return;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    total += ms;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const file = url.startsWith('file://') ? relative(ROOT, fileURLToPath(url)) : url;
    const where = locate(url, lineNumber, columnNumber) ?? (file ? `${file}:${lineNumber + 1}` : '');
    const key = `${functionName}@${where}`;
    const entry = self.get(key) ?? { fn: functionName || '(anonymous)', where, ms: 0 };
    entry.ms += ms;
    self.set(key, entry);
  });
  return [...self.values()].sort((a, b) => b.ms - a.ms).slice(0, top).map((e) => ({ ...e, share: e.ms / total }));
}

function rxWorker(bundle: string, dir: string, job: Job): Worker {
  return new Worker(`rxmqtt ${job.role}`, process.execPath, [
    '--expose-gc', '--cpu-prof', `--cpu-prof-dir=${dir}`, join(bundle, 'worker-rxmqtt.cjs'), JSON.stringify(job),
  ]);
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const flag = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const size = Number(flag('size') ?? 64);
  const levels = (flag('qos') ?? '0,1').split(',').map(Number) as QoS[];
  const cfg = config(quick);
  const counts: Record<QoS, number> = quick ? { 0: 5000, 1: 2000, 2: 1000 } : { 0: 200_000, 1: 50_000, 2: 25_000 };
  const broker = await startBroker();
  const bundle = await buildWorkers();
  const locate = sourceMapLocator();
  try {
    const ctx: Context = { cfg, host: '127.0.0.1', port: broker.port, brokerPid: broker.pid, runId: `prof${process.pid}`, log: console.error };
    for (const qos of levels) {
      const count = counts[qos];
      const topic = `bench/prof/${process.pid}/${qos}`;
      const dirs = { publisher: join(OUT, `qos${qos}-publisher`), subscriber: join(OUT, `qos${qos}-subscriber`) };
      for (const dir of Object.values(dirs)) {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
      }
      const { sender, receiver } = await runPair(ctx,
        () => rxWorker(bundle, dirs.subscriber, { role: 'subscribe', host: ctx.host, port: ctx.port, clientId: `prof-sub-${qos}`, filter: topic, qos, expected: count }),
        () => rxWorker(bundle, dirs.publisher, { role: 'publish', host: ctx.host, port: ctx.port, clientId: `prof-pub-${qos}`, topic, count, size, qos, window: cfg.window }));
      console.log(`\n## rxmqtt QoS ${qos}, ${size} B, ${count} messages: ${receiver.count} received; ` +
        `publisher ${((sender.cpuUserUs + sender.cpuSystemUs) / count).toFixed(1)} µs/msg, subscriber ${((receiver.cpuUserUs + receiver.cpuSystemUs) / count).toFixed(1)} µs/msg (profiled)`);
      for (const [role, dir] of Object.entries(dirs)) {
        // One profile a process; the largest, should a thread ever write its own.
        const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
        const file = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
        const rows = topSelf(JSON.parse(readFileSync(file, 'utf8')) as Profile, TOP, locate)
          .map((e, i) => [String(i + 1), e.fn, e.where, e.ms.toFixed(1), `${(e.share * 100).toFixed(1)}%`]);
        console.log(`\n### ${role} — ${relative(ROOT, file)}\n\n${markdownTable(['#', 'Function', 'Where', 'Self ms', '% of busy'], rows)}`);
      }
    }
  } finally {
    removeBuild(bundle);
    await broker.close();
  }
}

if (require.main === module) main().catch((error: unknown) => { console.error(error); process.exitCode = 1; });
