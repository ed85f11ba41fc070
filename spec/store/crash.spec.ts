// A real crash: a client process (crash-child.ts, `node --import tsx`) with `clean: false`
// and a fileStore is killed with SIGKILL while its flows are surely in flight (a relay
// swallows the broker's acks); a second process with the same client id and directory
// resumes. mosquitto (a child process) keeps the session; a subscriber counts.
// - Outbound: every QoS 1 message arrives at least once, every QoS 2 exactly once.
// - Inbound: a QoS 2 message reaches the app exactly once across both lives, whether the
//   crash came after our PUBREC reached the broker (it resends PUBREL) or before (it
//   resends the PUBLISH with DUP).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { firstValueFrom } from 'rxjs';
import { MqttClient } from '../../src';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto';
import { PacketType, startRelay, type Relay } from '../support/relay';

const ROOT = path.resolve(__dirname, '../..');
const CHILD = path.join(__dirname, 'crash-child.ts');

interface Child {
  process: ChildProcess;
  lines: string[];
  waitFor(predicate: (lines: string[]) => boolean, what: string, ms?: number): Promise<void>;
  kill(): Promise<void>;
}

const children = new Set<ChildProcess>();

function startChild(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines: string[] = [];
  let stderr = '';
  let partial = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const parts = text.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const w of [...waiters]) w();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    lines,
    waitFor: (predicate, what, ms = 15_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!predicate(lines)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`child: no ${what} within ${ms} ms; stdout: ${lines.join(' | ')}; stderr: ${stderr.slice(-2000)}`));
        }, ms);
        waiters.add(check);
        check();
      }),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      children.delete(child);
    },
  };
}

const until = async (condition: () => boolean, what: string, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tally(payloads: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of payloads) counts.set(p, (counts.get(p) ?? 0) + 1);
  return counts;
}

describe('a client process killed mid-flow resumes from its fileStore (mosquitto)', () => {
  let mosquitto: MosquittoHandle;
  let dir: string;
  const relays: Relay[] = [];
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    mosquitto = await startMosquitto();
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxmqtt-store-'));
  });
  afterEach(async () => {
    for (const child of [...children]) {
      child.kill('SIGKILL');
      children.delete(child);
    }
    for (const c of clients.splice(0)) await firstValueFrom(c.disconnect(), { defaultValue: undefined });
    for (const r of relays.splice(0)) await r.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await mosquitto?.close();
  });

  async function subscriber(topic: string, received: string[]): Promise<void> {
    const client = new MqttClient({ host: '127.0.0.1', port: mosquitto.port, clientId: `counter-${topic}`, keepalive: 0 });
    clients.push(client);
    client.messages$(topic, { qos: 2 }).subscribe((m) => received.push(m.text()));
    await firstValueFrom(client.connect());
    await firstValueFrom(client.subscribe(topic, { qos: 2 }));
  }

  it.each([4, 5])('outbound (MQTT %s): QoS 1 at least once, QoS 2 exactly once, the backlog too', async (version) => {
    const topic = `crash/out/${process.pid}/${version}`;
    const received: string[] = [];
    await subscriber(topic, received);
    // The broker's PUBACK and PUBCOMP never reach the first life: its window (5) fills
    // with flows at 'puback' and 'pubcomp' (PUBREL sent), the rest waits in the backlog.
    const relay = await startRelay(mosquitto.port, { dropFromBroker: [PacketType.PUBACK, PacketType.PUBCOMP] });
    relays.push(relay);
    const env = { MODE: 'publish', CLIENT_ID: `crash-out-${process.pid}-${version}`, DIR: dir, TOPIC: topic, VERSION: String(version) };
    const first = startChild({ ...env, PORT: String(relay.port), QOS1: '10', QOS2: '10' });
    await first.waitFor((l) => l.includes('published'), 'publishes');
    await until(() => relay.dropped('fromBroker', PacketType.PUBACK) + relay.dropped('fromBroker', PacketType.PUBCOMP) >= 5, 'a full window of held acks');
    await delay(100);
    await first.kill();
    const inFlight = [...new Set(received)];
    expect(inFlight.length).toBeGreaterThan(0);
    expect(inFlight.length).toBeLessThan(20); // the backlog had not gone out

    const second = startChild({ ...env, PORT: String(mosquitto.port), QOS1: '0', QOS2: '0' });
    await second.waitFor((l) => l.includes('connected true'), 'a resumed session');
    await until(() => new Set(received).size >= 20, `all 20 messages (got ${[...new Set(received)].sort().join(',')})`);
    await delay(500); // time for a duplicate to show
    await second.kill();

    const counts = tally(received);
    for (let i = 0; i < 10; i++) {
      expect({ message: `q1-${i}`, atLeastOnce: (counts.get(`q1-${i}`) ?? 0) >= 1 }).toEqual({ message: `q1-${i}`, atLeastOnce: true });
      expect({ message: `q2-${i}`, count: counts.get(`q2-${i}`) ?? 0 }).toEqual({ message: `q2-${i}`, count: 1 });
    }
  });

  for (const variant of [
    { name: 'killed between PUBREC and PUBREL (the broker had our PUBREC: it resends PUBREL)', relay: { dropFromBroker: [PacketType.PUBREL] }, held: (r: Relay) => r.dropped('fromBroker', PacketType.PUBREL) },
    { name: 'killed before our PUBREC reached the broker (it resends the PUBLISH, DUP)', relay: { dropFromClient: [PacketType.PUBREC] }, held: (r: Relay) => r.dropped('fromClient', PacketType.PUBREC) },
  ]) {
    it(`inbound QoS 2 exactly once across two lives: ${variant.name}`, async () => {
      const topic = `crash/in/${process.pid}/${variant.relay.dropFromBroker ? 'a' : 'b'}`;
      const relay = await startRelay(mosquitto.port, variant.relay);
      relays.push(relay);
      const env = { MODE: 'subscribe', CLIENT_ID: `crash-in-${process.pid}-${topic.slice(-1)}`, DIR: dir, TOPIC: topic };
      const first = startChild({ ...env, PORT: String(relay.port) });
      await first.waitFor((l) => l.includes('subscribed'), 'SUBACK');
      const publisher = new MqttClient({ host: '127.0.0.1', port: mosquitto.port, clientId: `pub-${process.pid}-${topic.slice(-1)}`, keepalive: 0 });
      clients.push(publisher);
      await firstValueFrom(publisher.connect());
      for (let i = 0; i < 5; i++) await firstValueFrom(publisher.publish(topic, `in-${i}`, { qos: 2 }));
      await first.waitFor((l) => l.filter((x) => x.startsWith('message ')).length >= 5, 'five messages');
      await until(() => variant.held(relay) >= 5, 'five held acks');
      await first.kill();

      const second = startChild({ ...env, PORT: String(mosquitto.port) });
      await second.waitFor((l) => l.includes('connected true'), 'a resumed session');
      await second.waitFor((l) => l.includes('subscribed'), 'SUBACK');
      await delay(700); // the broker's resends (PUBREL, or PUBLISH with DUP) arrive at once after CONNACK
      await second.kill();

      const delivered = [...first.lines, ...second.lines].filter((l) => l.startsWith('message ')).map((l) => l.slice('message '.length));
      expect([...tally(delivered).entries()].sort()).toEqual([0, 1, 2, 3, 4].map((i) => [`in-${i}`, 1]));
    });
  }
});
