/**
 * Markdown tables of the end-to-end benchmark: medians with min–max over repetitions,
 * ratios against MQTT.js, and each target from the issue marked met or not met. A
 * target is judged on medians; failed runs are listed, never silently dropped.
 */
import { formatRate, markdownTable } from '../lib/report';
import { summarize, type Summary } from '../lib/stats';
import type { Library, LibraryName } from './party';
import type { FanInRow, FanInRun, LatencyRun, MemoryRun, ThroughputRun } from './scenarios';

function stat(values: readonly (number | undefined)[]): Summary | undefined {
  const defined = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return defined.length ? summarize(defined) : undefined;
}

type Fmt = (n: number) => string;
const rateFmt: Fmt = (n) => formatRate(n);
const us: Fmt = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const mb: Fmt = (kb) => `${(kb / 1024).toFixed(1)}`;
const callFmt = (n: number): string => (n >= 10 ? n.toFixed(1) : n.toFixed(3));
const heapMb = (bytes: number | undefined): string => (bytes === undefined ? '—' : (bytes / 2 ** 20).toFixed(2));

function cell(s: Summary | undefined, fmt: Fmt): string {
  if (!s) return '—';
  return s.samples.length === 1 ? fmt(s.median) : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

function ratio(a: Summary | undefined, b: Summary | undefined): number | undefined {
  return a && b && b.median > 0 ? a.median / b.median : undefined;
}

const r2 = (x: number | undefined): string => (x === undefined ? '—' : `${x.toFixed(2)}×`);
const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'n/a' : ok ? '**met**' : '**not met**');

export function throughputTables(runs: readonly ThroughputRun[], libs: readonly Library[], sizes: number[], qoss: number[]): string {
  const pick = (lib: LibraryName, size: number, qos: number): ThroughputRun[] =>
    runs.filter((r) => r.library === lib && r.size === size && r.qos === qos && !r.error);
  const has = (name: LibraryName): boolean => libs.some((l) => l.name === name);
  const cols = libs.map((l) => l.label);
  const tp: string[][] = [];
  const pubCpu: string[][] = [];
  const subCpu: string[][] = [];
  const broker: string[][] = [];
  const user: string[][] = [];
  const calls: string[][] = [];
  // User time alone: the clients' own code. System time depends on how often the kernel
  // wakes each process (a faster peer gets fewer messages per read), so it is left out
  // here. The C clients' /proc numbers are not split, so they have no column.
  const split = libs.filter((l) => l.name !== 'c');
  for (const size of sizes) for (const qos of qoss) {
    const of = (f: (r: ThroughputRun) => number | undefined) => (lib: Library) => stat(pick(lib.name, size, qos).map(f));
    const rates = libs.map(of((r) => r.rate));
    const by = (name: LibraryName, list: (Summary | undefined)[]) => list[libs.findIndex((l) => l.name === name)];
    const vsC = has('c') ? ratio(by('rxmqtt', rates), by('c', rates)) : undefined;
    const losses = libs.flatMap((lib) => pick(lib.name, size, qos).filter((r) => (r.received ?? 0) < r.expected)
      .map((r) => `${lib.label} #${r.rep + 1}: ${r.expected - (r.received ?? 0)} lost`));
    tp.push([`${size} B`, String(qos), ...rates.map((s) => cell(s, rateFmt)), r2(ratio(by('rxmqtt', rates), by('mqttjs', rates))), r2(vsC),
      verdict(vsC === undefined ? undefined : vsC >= 1), losses.length ? losses.join('; ') : 'none']);
    for (const [rows, f] of [[pubCpu, (r: ThroughputRun) => r.pubCpuUsPerMsg], [subCpu, (r: ThroughputRun) => r.subCpuUsPerMsg]] as const) {
      const cpu = libs.map(of(f));
      const rel = ratio(by('rxmqtt', cpu), by('mqttjs', cpu));
      rows.push([`${size} B`, String(qos), ...cpu.map((s) => cell(s, us)), r2(rel), verdict(rel === undefined ? undefined : rel <= 0.5)]);
    }
    broker.push([`${size} B`, String(qos), ...libs.map(of((r) => r.brokerCpuUsPerMsg)).map((s) => cell(s, us))]);
    const minus = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a - b);
    user.push([`${size} B`, String(qos),
      ...split.map(of((r) => minus(r.pubCpuUsPerMsg, r.pubSysUsPerMsg))).map((s) => cell(s, us)),
      ...split.map(of((r) => minus(r.subCpuUsPerMsg, r.subSysUsPerMsg))).map((s) => cell(s, us))]);
    const pair = (reads: (r: ThroughputRun) => number | undefined, writes: (r: ThroughputRun) => number | undefined) => (lib: Library): string => {
      const [r, w] = [of(reads)(lib), of(writes)(lib)];
      return r === undefined || w === undefined ? '—' : `${callFmt(r.median)} / ${callFmt(w.median)}`;
    };
    calls.push([`${size} B`, String(qos), ...split.map(pair((r) => r.pubReadsPerMsg, (r) => r.pubWritesPerMsg)),
      ...split.map(pair((r) => r.subReadsPerMsg, (r) => r.subWritesPerMsg))]);
  }
  return [
    '### Publish throughput (msg/s delivered to the subscriber; target: rxmqtt ≥ the C clients)',
    markdownTable(['Payload', 'QoS', ...cols, 'rxmqtt/MQTT.js', 'rxmqtt/C', 'Target ≥ C', 'Loss'], tp),
    '### CPU per message, publisher process (µs, user+sys; target: rxmqtt ≤ ½ MQTT.js)',
    markdownTable(['Payload', 'QoS', ...cols, 'rxmqtt/MQTT.js', 'Target ≤ 0.5×'], pubCpu),
    '### CPU per message, subscriber process (µs, user+sys; target: rxmqtt ≤ ½ MQTT.js)',
    markdownTable(['Payload', 'QoS', ...cols, 'rxmqtt/MQTT.js', 'Target ≤ 0.5×'], subCpu),
    '### User time per message (µs): the clients\' own code, without the kernel\'s share',
    markdownTable(['Payload', 'QoS', ...split.map((l) => `publisher ${l.label}`), ...split.map((l) => `subscriber ${l.label}`)], user),
    '### System calls per message, read / write (medians; each read is a wake-up): where the system time goes',
    markdownTable(['Payload', 'QoS', ...split.map((l) => `publisher ${l.label}`), ...split.map((l) => `subscriber ${l.label}`)], calls),
    '### Broker (mosquitto) CPU per message, by the client pair it served (µs)',
    markdownTable(['Payload', 'QoS', ...cols], broker),
  ].join('\n\n');
}

/** rxmqtt against MQTT.js, and the raw-socket floor's column when it ran (no ratio or target for it). */
export function latencyTable(runs: readonly LatencyRun[], libs: readonly Library[]): string {
  const floor = runs.some((r) => r.library === 'raw') ? libs.find((l) => l.name === 'raw') : undefined;
  const rows: string[][] = [];
  for (const qos of [...new Set(runs.map((r) => r.qos))]) {
    const get = (lib: LibraryName, p: 'p50' | 'p90' | 'p99') => stat(runs.filter((r) => r.library === lib && r.qos === qos && !r.error).map((r) => r[p]));
    for (const p of ['p50', 'p90', 'p99'] as const) {
      const rx = get('rxmqtt', p);
      const js = get('mqttjs', p);
      const bound = qos === 0 ? 300 : 400;
      const target = p === 'p50' ? '≤ MQTT.js' : p === 'p99' ? `≤ ${bound} µs` : '';
      const met = p === 'p50' ? (rx && js ? rx.median <= js.median : undefined) : p === 'p99' ? (rx ? rx.median <= bound : undefined) : undefined;
      rows.push([String(qos), p, cell(rx, us), cell(js, us), ...(floor ? [cell(get('raw', p), us)] : []), r2(ratio(rx, js)), target, target ? verdict(met) : '']);
    }
  }
  return ['### Round-trip latency (µs, ping-pong through the broker, 64 B)',
    markdownTable(['QoS', 'Percentile', 'rxmqtt', 'MQTT.js', ...(floor ? [floor.label] : []), 'rxmqtt/MQTT.js', 'Target', 'Met'], rows)].join('\n\n');
}

export function memoryTable(tp: readonly ThroughputRun[], fan: readonly FanInRun[], mem: readonly MemoryRun[], libs: readonly Library[], baselines: readonly { label: string; kb: number }[]): string {
  const rows: string[][] = [];
  for (const lib of libs) {
    const mine = tp.filter((r) => r.library === lib.name && !r.error);
    const pub = stat(mine.map((r) => r.pubRssKb));
    const sub = stat(mine.map((r) => r.subRssKb));
    const fanRss = lib.name === 'rxmqtt' || lib.name === 'mqttjs'
      ? stat(fan.filter((r) => !r.error && (lib.name === 'rxmqtt' ? r.row === 'rxmqtt' : r.row === 'mqttjs-loop')).map((r) => r.rssKb)) : undefined;
    const peak = Math.max(pub?.max ?? 0, sub?.max ?? 0, fanRss?.max ?? 0);
    const m = mem.find((r) => r.library === lib.name && !r.error);
    const heaps = m?.pub ? [m.pub.heapStart, ...(m.pub.heapRounds ?? [])].map(heapMb).join(' → ') : '—';
    const subHeap = m?.sub ? `${heapMb(m.sub.heapStart)} → ${heapMb(m.sub.heapEnd)}` : '—';
    const memRss = m?.pub && m.sub ? `${mb(m.pub.maxRssKb)} / ${mb(m.sub.maxRssKb)}` : '—';
    rows.push([lib.label, pub ? `${mb(pub.min)}–${mb(pub.max)}` : '—', sub ? `${mb(sub.min)}–${mb(sub.max)}` : '—', fanRss ? mb(fanRss.max) : '—',
      memRss, heaps, subHeap, lib.name === 'rxmqtt' ? verdict(peak > 0 ? peak <= 50 * 1024 : undefined) : '']);
  }
  const heapNote = mem.length
    ? `; heap = heapUsed after global.gc(): publisher at start, then after each round of the long run (${mem[0]?.messages ?? 0} QoS 1 messages in all), subscriber at start → end`
    : ' (the long memory run did not run: its columns are empty)';
  return [`### Memory (MB). Peak RSS = maxRSS of each client process (processes that only load, here: ${baselines.map((b) => `${b.label} ${mb(b.kb)}`).join(', ')} MB)${heapNote}`,
    markdownTable(['Library', 'Peak RSS publisher (throughput runs)', 'Peak RSS subscriber', 'Peak RSS fan-in receiver', 'Long run peak RSS pub / sub', 'Long run publisher heap', 'Long run subscriber heap', 'Target peak RSS ≤ 50 MB'], rows)].join('\n\n');
}

export function fanInTable(runs: readonly FanInRun[], filters: number): string {
  const n = filters.toLocaleString('en-US');
  const FAN_LABEL: Record<FanInRow, string> = {
    'rxmqtt': `rxmqtt: ${n} messages$ (64 SUBSCRIBEs in flight, queued ones sharing packets)`,
    'mqttjs-loop': `MQTT.js: 'message' + loop over ${n} filters (split match)`,
    'mqttjs-map': `MQTT.js: 'message' + Map lookup by filter (shape-specific)`,
  };
  const get = (row: FanInRow, f: (r: FanInRun) => number | undefined) => stat(runs.filter((r) => r.row === row && !r.error).map(f));
  const base = get('mqttjs-loop', (r) => r.rate);
  const rows = (['rxmqtt', 'mqttjs-loop', 'mqttjs-map'] as const).map((row) => {
    const rate = get(row, (r) => r.rate);
    const rel = ratio(rate, base);
    const bad = runs.filter((r) => r.row === row && !r.error && ((r.received ?? 0) !== r.expected || (r.misrouted ?? 0) > 0))
      .map((r) => `#${r.rep + 1}: ${r.received}/${r.expected}, misrouted ${r.misrouted ?? 0}`);
    return [FAN_LABEL[row], cell(rate, rateFmt), r2(rel), cell(get(row, (r) => r.cpuUsPerMsg), us), cell(get(row, (r) => r.subscribeMs), (x) => x.toFixed(0)),
      bad.length ? bad.join('; ') : 'all delivered once',
      row === 'rxmqtt' ? `≥ 10× MQTT.js (loop): ${verdict(rel === undefined ? undefined : rel >= 10)}` : ''];
  });
  return [`### Fan-in (${n} filters, QoS 0, 64 B, MQTT.js publisher; rate of the delivery phase only, after all SUBACKs)`,
    markdownTable(['Receiver', 'Delivered msg/s', 'vs MQTT.js loop', 'Receiver CPU µs/msg', 'Subscribe phase ms', 'Check', 'Target'], rows)].join('\n\n');
}

export function failures(all: readonly { error?: string }[]): string {
  const failed = all.filter((r) => r.error);
  if (!failed.length) return '';
  return ['### Failed runs', ...failed.map((r) => `- ${JSON.stringify({ ...r, error: undefined })}: ${r.error}`)].join('\n');
}
