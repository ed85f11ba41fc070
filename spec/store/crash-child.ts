/**
 * The process spec/store/crash.spec.ts kills: an MqttClient with `clean: false` and a
 * `fileStore`, run from source with `node --import tsx`. It reports on stdout, one line
 * each, and never exits by itself (the spec kills it with SIGKILL).
 *
 * Environment: MODE (`publish` | `subscribe`), PORT, CLIENT_ID, DIR, TOPIC, VERSION (4 or
 * 5; 5 asks the broker to keep the session for an hour after the connection), and for
 * `publish` QOS1 and QOS2 (how many of each to publish; 0 in the second life).
 * Lines: `connected <sessionPresent>`, `published` (every publish() asked for),
 * `subscribed`, `message <payload>`, `error <code> <message>`.
 */
import { MqttClient, fileStore } from '../../src';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`crash-child: ${name} is not set`);
  return value;
};
const say = (line: string): void => void process.stdout.write(line + '\n');

const mode = env('MODE');
const topic = env('TOPIC');
const client = new MqttClient({
  host: '127.0.0.1',
  port: Number(env('PORT')),
  clientId: env('CLIENT_ID'),
  protocolVersion: process.env.VERSION === '5' ? 5 : 4,
  ...(process.env.VERSION === '5' ? { properties: { sessionExpiryInterval: 3600 } } : {}),
  clean: false,
  keepalive: 0,
  maxInflight: 5,
  store: fileStore(env('DIR')),
});

client.connect().subscribe({
  next: (connack) => {
    say(`connected ${connack.sessionPresent}`);
    if (mode === 'publish') {
      const qos1 = Number(process.env.QOS1 ?? 0);
      const qos2 = Number(process.env.QOS2 ?? 0);
      for (let i = 0; i < Math.max(qos1, qos2); i++) {
        // The callers are irrelevant: the process dies before most flows end.
        if (i < qos1) client.publish(topic, `q1-${i}`, { qos: 1 }).subscribe({ error: () => undefined });
        if (i < qos2) client.publish(topic, `q2-${i}`, { qos: 2 }).subscribe({ error: () => undefined });
      }
      say('published');
    } else {
      client.messages$().subscribe((m) => say(`message ${m.text()}`));
      client.subscribe(topic, { qos: 2 }).subscribe({ next: () => say('subscribed'), error: (e: { code?: string; message: string }) => say(`error ${e.code} ${e.message}`) });
    }
  },
  error: (e: { code?: string; message: string }) => say(`error ${e.code} ${e.message}`),
});

// Stay alive until killed.
setInterval(() => undefined, 60_000);
