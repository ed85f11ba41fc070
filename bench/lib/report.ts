/** Output helpers shared by benchmarks: number formatting, Markdown tables, JSON results. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

/** 1234567 → "1.23 M"; keeps three significant digits. */
export function formatRate(n: number): string {
  const units: [number, string][] = [[1e9, ' G'], [1e6, ' M'], [1e3, ' k']];
  for (const [scale, suffix] of units) if (n >= scale) return `${(n / scale).toPrecision(3)}${suffix}`;
  return n.toPrecision(3);
}

export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** Where the machine and runtime are recorded with each result file. */
export function environment(): Record<string, unknown> {
  return { node: process.version, platform: `${process.platform}-${process.arch}`, cpu: cpus()[0]?.model, cores: cpus().length };
}

/** Directory `bench/results` (gitignored), wherever the script is run from. */
function resultsDir(): string {
  // tsx runs bench scripts as CommonJS (no "type": "module"), so __dirname is bench/lib.
  return typeof __dirname === 'string' ? join(__dirname, '..', 'results') : join(process.cwd(), 'bench', 'results');
}

/** Saves `data` to bench/results/<name>-<YYYY-MM-DD>.json and returns the path. */
export function saveResults(name: string, data: unknown): string {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().slice(0, 10)}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}
