/**
 * Codec benchmark: rxmqtt's codec against mqtt-packet (MQTT.js's codec), same
 * process, same run. `npm run bench:codec` (about a minute) or `-- --quick` (seconds).
 *
 * - encode: each library encodes the row's batch of packets, one call per packet (ours
 *   from the model, mqtt-packet from the equivalent object, built beforehand). Ours is
 *   `Encoder.encode` on one long-lived Encoder, as the client uses it (views cut from a
 *   64 KiB slab); theirs is `mqttPacket.generate` (a Buffer from Node's pool);
 * - decode: both decode the identical byte stream (our encoding of the batch, repeated
 *   to about 1 MiB), delivered in 64 KiB chunks as a socket would, each into a fresh
 *   decoder per pass; before timing, both must emit every packet of the stream.
 * Each measurement is calibrated during warm-up, then repeated with the order of the
 * two libraries alternating; we report the median and the min–max of the repetitions.
 */
import mqttPacket from 'mqtt-packet';
import { Encoder, encodePacket, FrameDecoder } from '../../src/codec';
import { toMqttPacket } from '../../spec/codec/property/mqtt-packet-mapping';
import { calibrate, consumeSink, timeIterations } from '../lib/measure';
import type { Body } from '../lib/measure';
import { environment, formatRate, markdownTable, saveResults } from '../lib/report';
import { summarize } from '../lib/stats';
import type { Summary } from '../lib/stats';
import { ROWS } from './fixtures';
import type { Row } from './fixtures';

const QUICK = process.argv.includes('--quick');
const REPS = QUICK ? 3 : 7;
const TARGET_MS = QUICK ? 20 : 150;
const WARMUP_MS = QUICK ? 20 : 300;
const STREAM_BYTES = 1 << 20;
const CHUNK = 64 * 1024;

interface Case {
  op: 'encode' | 'decode';
  packets: number; // per iteration
  bytes: number; // per iteration
  ours: Body;
  theirs: Body;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function cases(row: Row): Case[] {
  const v = row.version;
  const opts = { protocolVersion: v };
  const objects = row.packets.map((p) => toMqttPacket(p, v) as unknown as mqttPacket.Packet);
  const frames = row.packets.map((p) => encodePacket(p, v));
  const batchBytes = frames.reduce((n, f) => n + f.length, 0);

  // One long-lived Encoder, as the client keeps one per connection.
  const encoder = new Encoder();
  const encode: Case = {
    op: 'encode', packets: row.packets.length, bytes: batchBytes,
    ours: () => { let n = 0; for (const p of row.packets) n += encoder.encode(p, v).length; return n; },
    theirs: () => { let n = 0; for (const o of objects) n += mqttPacket.generate(o, opts).length; return n; },
  };

  const repeats = Math.max(1, Math.round(STREAM_BYTES / batchBytes));
  const stream = concat(Array.from({ length: repeats }, () => concat(frames)));
  const ourChunks: Uint8Array[] = [];
  const theirChunks: Buffer[] = [];
  for (let at = 0; at < stream.length; at += CHUNK) {
    const end = Math.min(at + CHUNK, stream.length);
    ourChunks.push(stream.subarray(at, end));
    theirChunks.push(Buffer.from(stream.buffer, stream.byteOffset + at, end - at));
  }
  const expected = repeats * row.packets.length;
  const decode: Case = {
    op: 'decode', packets: expected, bytes: stream.length,
    ours: () => {
      const decoder = new FrameDecoder({ protocolVersion: v });
      let n = 0;
      for (const c of ourChunks) {
        const r = decoder.push(c);
        if (r.error) throw r.error;
        n += r.packets.length;
      }
      return n;
    },
    theirs: () => {
      const parser = mqttPacket.parser(opts);
      let n = 0;
      parser.on('packet', () => { n++; });
      parser.on('error', (e: Error) => { throw e; });
      for (const c of theirChunks) parser.parse(c);
      return n;
    },
  };
  for (const [who, body] of [['rxmqtt', decode.ours], ['mqtt-packet', decode.theirs]] as const) {
    const got = body();
    if (got !== expected) throw new Error(`${row.name}: ${who} decoded ${got} of ${expected} packets`);
  }
  return [encode, decode];
}

interface Result {
  row: string;
  op: string;
  packetsPerIteration: number;
  bytesPerIteration: number;
  rxmqtt: Summary; // packets/s
  mqttPacket: Summary; // packets/s
  ratio: number; // median rxmqtt / median mqtt-packet
}

function measure(row: Row, c: Case): Result {
  const itOurs = calibrate(c.ours, TARGET_MS, WARMUP_MS);
  const itTheirs = calibrate(c.theirs, TARGET_MS, WARMUP_MS);
  const ours: number[] = [];
  const theirs: number[] = [];
  const runOurs = () => ours.push((c.packets * itOurs) / timeIterations(c.ours, itOurs));
  const runTheirs = () => theirs.push((c.packets * itTheirs) / timeIterations(c.theirs, itTheirs));
  for (let r = 0; r < REPS; r++) {
    if (r % 2 === 0) { runOurs(); runTheirs(); } else { runTheirs(); runOurs(); }
  }
  const a = summarize(ours);
  const b = summarize(theirs);
  return {
    row: row.name, op: c.op, packetsPerIteration: c.packets, bytesPerIteration: c.bytes,
    rxmqtt: a, mqttPacket: b, ratio: a.median / b.median,
  };
}

function mbps(r: Result, pps: number): string {
  return ((pps * r.bytesPerIteration) / r.packetsPerIteration / 1e6).toFixed(1);
}

function main(): void {
  const started = Date.now();
  const results: Result[] = [];
  for (const row of ROWS) {
    for (const c of cases(row)) {
      const r = measure(row, c);
      results.push(r);
      process.stderr.write(`  ${row.name} ${c.op}: ${r.ratio.toFixed(2)}×\n`);
    }
  }
  const table = markdownTable(
    ['Row', 'Op', 'rxmqtt pkt/s (min–max)', 'rxmqtt MB/s', 'mqtt-packet pkt/s (min–max)', 'mqtt-packet MB/s', 'ratio'],
    results.map((r) => [
      r.row, r.op,
      `${formatRate(r.rxmqtt.median)} (${formatRate(r.rxmqtt.min)}–${formatRate(r.rxmqtt.max)})`,
      mbps(r, r.rxmqtt.median),
      `${formatRate(r.mqttPacket.median)} (${formatRate(r.mqttPacket.min)}–${formatRate(r.mqttPacket.max)})`,
      mbps(r, r.mqttPacket.median),
      `${r.ratio.toFixed(2)}×`,
    ]),
  );
  console.log(`\nCodec benchmark${QUICK ? ' (--quick)' : ''}: ${REPS} repetitions, median (min–max); ratio = rxmqtt / mqtt-packet`);
  console.log('encode: rxmqtt Encoder.encode (one Encoder, slab views) vs mqtt-packet generate; decode: rxmqtt FrameDecoder.push vs mqtt-packet parser.parse, 64 KiB chunks\n');
  console.log(table);
  const file = saveResults('codec', {
    date: new Date().toISOString(), quick: QUICK, repetitions: REPS, targetMs: TARGET_MS, chunkBytes: CHUNK,
    api: { encode: 'rxmqtt Encoder.encode vs mqtt-packet generate', decode: 'rxmqtt FrameDecoder.push vs mqtt-packet parser.parse' },
    environment: environment(), seconds: (Date.now() - started) / 1000, results, sink: consumeSink(),
  });
  console.log(`\nSaved ${file} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

main();
