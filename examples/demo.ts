/**
 * The rxmqtt demo: a broker, a publisher and two subscribers, all as streams.
 *
 *   npm run demo                          # an embedded broker (aedes, in this process)
 *   npm run demo -- --url mqtt://host:1883  # a broker of your own
 *
 * What it shows: connectionState$ as a union, messages$ with overlapping filters (each
 * observer gets what matches its own filter), publish() as an Observable that completes
 * on PUBACK/PUBCOMP so concatMap gives flow control, a retained message for late
 * subscribers, and a clean disconnect.
 */

import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { concatMap, firstValueFrom, from, lastValueFrom, map, take, tap, toArray } from 'rxjs';
import { MqttClient, type ConnectionState } from '../src';

const urlArg = process.argv.indexOf('--url');
const givenUrl = urlArg > 0 ? process.argv[urlArg + 1] : process.env.MQTT_URL;

async function startEmbeddedBroker(): Promise<{ url: string; close(): Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
      }),
  };
}

const describe = (name: string) => (s: ConnectionState) =>
  console.log(`  [${name}] ${s.type}${s.type === 'connected' ? ` (session present: ${s.connack.sessionPresent})` : ''}${s.type === 'disconnected' && s.error ? `: ${s.error.message}` : ''}`);

async function main(): Promise<void> {
  const embedded = givenUrl ? undefined : await startEmbeddedBroker();
  const url = givenUrl ?? embedded!.url;
  console.log(`rxmqtt demo — broker ${url}${embedded ? ' (embedded aedes)' : ''}\n`);

  const dashboard = new MqttClient({ url, clientId: 'demo-dashboard' });
  const kitchenOnly = new MqttClient({ url, clientId: 'demo-kitchen' });
  const sensor = new MqttClient({ url, clientId: 'demo-sensor', will: { topic: 'demo/status/sensor', payload: 'offline (will)', retain: true } });
  dashboard.connectionState$.subscribe(describe('dashboard'));
  sensor.connectionState$.subscribe(describe('sensor'));

  await Promise.all([dashboard, kitchenOnly, sensor].map((c) => firstValueFrom(c.connect())));

  // Two observers, overlapping filters: each sees exactly what matches its own filter.
  const everything = dashboard.messages$('demo/temperature/+', { qos: 1 }).pipe(take(6), toArray());
  const kitchen = kitchenOnly.messages$('demo/temperature/kitchen', { qos: 2 }).pipe(
    tap((m) => console.log(`  [kitchen] ${m.topic} = ${m.text()} °C (QoS ${m.qos})`)),
    take(2),
    toArray(),
  );
  const seenAll = lastValueFrom(everything);
  const seenKitchen = lastValueFrom(kitchen);
  await new Promise((r) => setTimeout(r, 100)); // let the SUBSCRIBEs reach the broker

  console.log('\npublishing six readings, one at a time (concatMap waits for each PUBACK/PUBCOMP):');
  const readings = [
    ['kitchen', 21.5, 1],
    ['garage', 12.0, 0],
    ['attic', 27.25, 2],
    ['kitchen', 22.0, 2],
    ['garage', 11.5, 1],
    ['attic', 26.5, 0],
  ] as const;
  const acks = await lastValueFrom(
    from(readings).pipe(
      concatMap(([room, value, qos]) =>
        sensor.publish(`demo/temperature/${room}`, String(value), { qos }).pipe(map((ack) => ({ room, qos, ack }))),
      ),
      tap(({ room, qos, ack }) => console.log(`  [sensor] ${room}: QoS ${qos} done${ack.packetId ? ` (packet id ${ack.packetId})` : ''}`)),
      toArray(),
    ),
  );

  const all = await seenAll;
  await seenKitchen;
  console.log(`\n[dashboard] received ${all.length} readings: ${all.map((m) => `${m.topic.split('/')[2]}=${m.text()}`).join(', ')}`);

  // A retained status reaches a subscriber that arrives later.
  await firstValueFrom(sensor.publish('demo/status/sensor', 'online', { qos: 1, retain: true }));
  const late = new MqttClient({ url, clientId: 'demo-late' });
  await firstValueFrom(late.connect());
  const status = await firstValueFrom(late.messages$('demo/status/+'));
  console.log(`[late subscriber] retained ${status.topic} = ${status.text()} (retain: ${status.retain})`);

  console.log('\ndisconnecting');
  await Promise.all([dashboard, kitchenOnly, sensor, late].map((c) => lastValueFrom(c.disconnect(), { defaultValue: undefined })));
  await embedded?.close();
  console.log(`\ndone: ${acks.length} publishes acknowledged, ${all.length} received by the dashboard.`);
}

main().catch((err: unknown) => {
  console.error('demo failed:', err);
  process.exit(1);
});
