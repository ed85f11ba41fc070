/**
 * The `store` option's cost on the publish path: one client publishing N QoS 1 (and
 * QoS 2) messages as fast as the window allows (all `publish()` calls at once,
 * `maxInflight` 20) to mosquitto on loopback, timed from the first call to the last ack.
 * Without a store, with `fileStore` (append-only log, compaction), and with
 * `fileStore({ fsync: true })`. Median of 3 runs each. Not part of `npm run bench`.
 *
 * Usage: npx tsx bench/store/publish-rate.ts [messages=5000]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { firstValueFrom, lastValueFrom, merge } from 'rxjs';
import { fileStore, MqttClient, type SessionStore } from '../../src';
import { startBroker } from '../e2e/broker';

async function once(port: number, n: number, qos: 1 | 2, store: SessionStore | undefined): Promise<number> {
  const client = new MqttClient({ host: '127.0.0.1', port, clientId: `rate-${qos}-${Math.random()}`, clean: store ? false : true, keepalive: 0, maxInflight: 20, ...(store ? { store } : {}) });
  await firstValueFrom(client.connect());
  const payload = new Uint8Array(64).fill(7);
  const start = performance.now();
  await lastValueFrom(merge(...Array.from({ length: n }, (_, i) => client.publish(`rate/${i % 10}`, payload, { qos }))));
  const ms = performance.now() - start;
  await firstValueFrom(client.disconnect(), { defaultValue: undefined });
  return (n / ms) * 1000;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 5000);
  const broker = await startBroker();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxmqtt-rate-'));
  try {
    const stores: Array<[string, () => SessionStore | undefined]> = [
      ['no store', () => undefined],
      ['fileStore', () => fileStore(dir)],
      ['fileStore fsync', () => fileStore(dir, { fsync: true })],
    ];
    for (const qos of [1, 2] as const) {
      for (const [name, make] of stores) {
        await once(broker.port, 500, qos, make()); // warm-up
        const rates: number[] = [];
        for (let i = 0; i < 3; i++) rates.push(await once(broker.port, n, qos, make()));
        rates.sort((a, b) => a - b);
        console.log(`QoS ${qos}  ${name.padEnd(16)} ${Math.round(rates[1]).toString().padStart(7)} msg/s  (runs: ${rates.map((r) => Math.round(r)).join(', ')})`);
      }
    }
  } finally {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
