/**
 * `reconnect()` against real brokers (aedes in-process at 3.1.1, mosquitto at 3.1.1 and 5.0),
 * in real time:
 *
 * - A persistent session (clean: false; in 5.0 a Session Expiry Interval, or the session
 *   would end with the connection): `reconnect()` while QoS 1 publishes are in flight and
 *   queued behind `maxInflight` resumes the session, every publish completes exactly once,
 *   and a subscriber receives every message — once each with mosquitto, whose PUBACKs
 *   reach us before it closes (acks after our DISCONNECT still count); at least once with
 *   aedes, which closes on DISCONNECT before acking what it took.
 * - The Will: not published on `reconnect()` (it sends DISCONNECT 0x00, [MQTT-3.14.4-3]),
 *   published when the socket is cut (the silent proxy closed): the contrast proves the
 *   DISCONNECT.
 */

import { firstValueFrom, toArray, type Subscription } from 'rxjs';
import type { ProtocolVersion } from '../../src';
import type { PublishAck } from '../../src/session';
import { startSilentProxy, type SilentProxy } from '../support/silent-proxy';
import { closeClients, connected, delay, makeClient, startBroker, stateOf, type Broker, type BrokerKind } from './helpers';

describe.each([
  ['aedes', 4],
  ['mosquitto', 4],
  ['mosquitto', 5],
] as Array<[BrokerKind, ProtocolVersion]>)('reconnect() against %s at level %i', (kind, version) => {
  let broker: Broker;
  const subscriptions: Subscription[] = [];
  beforeAll(async () => {
    broker = await startBroker(kind);
  });
  afterAll(() => broker?.close());
  afterEach(async () => {
    for (const s of subscriptions.splice(0)) s.unsubscribe();
    await closeClients();
  });

  it('resumes the persistent session: QoS 1 publishes in flight and queued all complete exactly once, the subscriber gets every one', async () => {
    const topic = `reconnect-method/${kind}/${version}/${process.pid}`;
    const window = 5;
    const persistent = { clean: false, maxInflight: window, ...(version === 5 ? { properties: { sessionExpiryInterval: 60 } } : {}) };
    const client = makeClient(broker.port, version, persistent);
    // A subscription of its own, so that the session has something to keep (aedes reports
    // Session Present only for a session holding subscriptions).
    const own: string[] = [];
    subscriptions.push(client.messages$(`${topic}/own`, { qos: 1 }).subscribe((m) => own.push(m.text())));
    const listener = makeClient(broker.port, version);
    const heard: string[] = [];
    subscriptions.push(listener.messages$(topic, { qos: 1 }).subscribe((m) => heard.push(m.text())));
    await connected(listener);
    await connected(client);
    await delay(150); // both SUBSCRIBEs reach the broker

    const count = 40;
    const acks = Array.from({ length: count }, () => [] as PublishAck[]);
    const done = acks.map((values, i) => firstValueFrom(client.publish(topic, `m${i}`, { qos: 1 }).pipe(toArray())).then((all) => values.push(...all)));
    // At once: `window` in flight, the rest queued behind it.
    const connack = await firstValueFrom(client.reconnect());
    expect(connack.sessionPresent).toBe(true);
    await Promise.all(done);
    expect(acks.map((values, i) => [i, values.length, values[0]?.reasonCode])).toEqual(acks.map((_, i) => [i, 1, 0]));

    const distinct = () => new Set(heard).size;
    await waitFor(() => distinct() === count, 8000, () => `${count} distinct messages, heard ${distinct()}`);
    await delay(300); // late duplicates would arrive by now
    // mosquitto handles our PUBLISHes, then the DISCONNECT behind them, so every PUBACK
    // reaches us before it closes, and acks arriving after our DISCONNECT still count:
    // nothing is resent, nothing heard twice. aedes closes on DISCONNECT before acking what
    // it took: those (at most the window in flight) are resent with DUP, at least once.
    if (kind === 'mosquitto') expect(heard.length).toBe(count);
    else expect(heard.length - count).toBeLessThanOrEqual(window);
    // The resumed session kept the client's own subscription: no SUBSCRIBE was needed for it.
    await firstValueFrom(listener.publish(`${topic}/own`, 'still subscribed', { qos: 1 }));
    await waitFor(() => own.length > 0, 5000, () => 'a message on the kept subscription');
    expect(own).toEqual(['still subscribed']);
  });

  describe('the Will', () => {
    let proxy: SilentProxy;
    beforeEach(async () => {
      proxy = await startSilentProxy(broker.port);
    });
    afterEach(() => proxy.close());

    it('is not published on reconnect(), and is published when the socket is cut', async () => {
      const willTopic = `reconnect-method/will/${kind}/${version}/${process.pid}`;
      const watcher = makeClient(broker.port, version);
      const wills: string[] = [];
      subscriptions.push(watcher.messages$(willTopic, { qos: 1 }).subscribe((m) => wills.push(m.text())));
      await connected(watcher);
      const client = makeClient(proxy.port, version, { will: { topic: willTopic, payload: 'gone', qos: 1 } });
      const states: string[] = [];
      subscriptions.push(client.connectionState$.subscribe((s) => states.push(s.type)));
      await connected(client);
      await delay(150); // the watcher's SUBSCRIBE reaches the broker

      const connack = await firstValueFrom(client.reconnect());
      expect(connack.reasonCode).toBe(0);
      await delay(500); // a Will would have arrived by now
      expect(wills).toEqual([]);
      expect(states).toEqual(['idle', 'connecting', 'connected', 'connecting', 'connected']);

      await proxy.close(); // the network goes: no DISCONNECT
      await stateOf(client, 'disconnected');
      await waitFor(() => wills.length > 0, 5000, () => 'the Will after the cut');
      expect(wills).toEqual(['gone']);
    });
  });
});

async function waitFor(condition: () => boolean, ms: number, what: () => string): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what()}`);
    await delay(20);
  }
}
