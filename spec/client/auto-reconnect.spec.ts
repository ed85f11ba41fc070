/**
 * The `reconnect` option against real brokers, in real time: nobody calls connect() again.
 *
 * - Through a proxy that goes silent (a dead network, no FIN): the client notices by
 *   keepalive, redials (attempts time out while the proxy is silent), and once the network
 *   is back it reconnects by itself, restores its subscription (clean start: the broker
 *   forgot it), and sends the QoS 1 message published during the outage exactly once.
 * - A message the client publishes during the outage to a filter it observes itself comes
 *   back to it: the restored SUBSCRIBE leaves before the queued PUBLISH (mosquitto handles
 *   packets in order; with the backlog sent first it never arrived — aedes did not show it).
 * - aedes stopped and started again on the same port: redials are refused until it is
 *   back, then the client reconnects and resubscribes by itself.
 */

import { firstValueFrom, type Subscription } from 'rxjs';
import type { ProtocolVersion } from '../../src';
import type { ConnectionState } from '../../src/client';
import { startAedes, type AedesHandle } from '../support/aedes';
import { startSilentProxy, type SilentProxy } from '../support/silent-proxy';
import { closeClients, connected, delay, makeClient, nextValues, startBroker, stateOf, type Broker, type BrokerKind } from './helpers';

/** Every state the client enters, as `type` or `reconnecting #attempt code`. */
function record(states: string[]): (s: ConnectionState) => void {
  return (s) => states.push(s.type === 'reconnecting' ? `reconnecting #${s.attempt} ${s.error.code}` : s.type);
}

describe.each([
  ['mosquitto', 4],
  ['mosquitto', 5],
  ['aedes', 4],
] as Array<[BrokerKind, ProtocolVersion]>)('automatic reconnect through a silenced network, %s at level %i', (kind, version) => {
  let broker: Broker;
  let proxy: SilentProxy;
  const subscriptions: Subscription[] = [];
  beforeAll(async () => {
    broker = await startBroker(kind);
  });
  afterAll(() => broker?.close());
  beforeEach(async () => {
    proxy = await startSilentProxy(broker.port);
  });
  afterEach(async () => {
    for (const s of subscriptions.splice(0)) s.unsubscribe();
    await closeClients();
    await proxy.close();
  });

  it('reconnects by itself, resubscribes, and delivers a QoS 1 message published during the outage exactly once', async () => {
    const topic = `auto/${kind}/${version}/${process.pid}`;
    // keepalive 1 s: the dead network is noticed in about 1.5 s; a silent redial times out after 1 s.
    const client = makeClient(proxy.port, version, { keepalive: 1, connectTimeout: 1000, reconnect: { minDelay: 200, maxDelay: 400 } });
    const states: string[] = [];
    subscriptions.push(client.connectionState$.subscribe(record(states)));
    const inbound: string[] = [];
    subscriptions.push(client.messages$(`${topic}/in`, { qos: 1 }).subscribe((m) => inbound.push(m.text())));
    const listener = makeClient(broker.port, version);
    const outbound: string[] = [];
    subscriptions.push(listener.messages$(`${topic}/out`, { qos: 1 }).subscribe((m) => outbound.push(m.text())));
    await connected(client);
    await connected(listener);
    await delay(150); // both SUBSCRIBEs reach the broker

    proxy.silence();
    await stateOf(client, 'reconnecting', 5000);
    const sent = firstValueFrom(client.publish(`${topic}/out`, 'published during the outage', { qos: 1 }));
    // Let one redial fail against the silent network before it comes back.
    await waitFor(() => states.includes('reconnecting #2 connect-timeout'), 8000, () => `a failed redial; states: ${states.join(', ')}`);
    proxy.resume();

    const connack = await connected(client);
    expect(connack.sessionPresent).toBe(false); // clean start: the broker forgot the subscription
    expect((await sent).reasonCode).toBe(0);
    await delay(300); // a duplicate would arrive by now
    expect(outbound).toEqual(['published during the outage']);

    const echo = nextValues(client.messages$(`${topic}/in`, { qos: 1 }), 1, 'a message on the restored subscription');
    await firstValueFrom(listener.publish(`${topic}/in`, 'after the outage', { qos: 1 }));
    expect((await echo)[0].text()).toBe('after the outage');
    expect(inbound).toEqual(['after the outage']);
    expect(states.slice(0, 4)).toEqual(['idle', 'connecting', 'connected', 'reconnecting #1 keepalive-timeout']);
    expect(states[states.length - 1]).toBe('connected');
  });
  it('what the client published during the outage to its own filter comes back to it (the restored SUBSCRIBE goes first)', async () => {
    const topic = `own/${kind}/${version}/${process.pid}`;
    const client = makeClient(proxy.port, version, { keepalive: 1, connectTimeout: 1000, reconnect: { minDelay: 200, maxDelay: 400 } });
    const mine = nextValues(client.messages$(topic, { qos: 1 }), 1, 'the message published during the outage', 15_000);
    await connected(client);
    await delay(150);

    proxy.silence();
    await stateOf(client, 'reconnecting', 5000);
    const published = firstValueFrom(client.publish(topic, 'sent during the outage', { qos: 1 }));
    proxy.resume();

    const connack = await connected(client);
    expect(connack.sessionPresent).toBe(false); // clean start: the broker forgot the subscription
    expect((await published).reasonCode).toBe(0);
    expect((await mine)[0].text()).toBe('sent during the outage');
  });
});

describe('automatic reconnect across a broker restart (aedes, same port)', () => {
  let aedes: AedesHandle | undefined;
  afterEach(async () => {
    await closeClients();
    await aedes?.close();
  });

  it('redials while the broker is down and resubscribes once it is back', async () => {
    aedes = await startAedes();
    const { port } = aedes;
    const client = makeClient(port, 4, { reconnect: { minDelay: 100, maxDelay: 200 } });
    const states: string[] = [];
    const watching = client.connectionState$.subscribe(record(states));
    const received = nextValues(client.messages$('restart/t', { qos: 1 }), 1, 'a message after the restart', 15_000);
    await connected(client);
    await delay(100);

    await aedes.close();
    await waitFor(() => states.includes('reconnecting #3 connection-closed'), 8000, () => `refused redials; states: ${states.join(', ')}`);
    aedes = await startAedes({ port });

    await stateOf(client, 'connected');
    await delay(200); // the restored SUBSCRIBE reaches the new broker
    const other = makeClient(port, 4);
    await connected(other);
    await firstValueFrom(other.publish('restart/t', 'hello again', { qos: 1 }));
    expect((await received)[0].text()).toBe('hello again');
    watching.unsubscribe();
    expect(states.slice(0, 4)).toEqual(['idle', 'connecting', 'connected', 'reconnecting #1 connection-closed']);
  });
});

async function waitFor(condition: () => boolean, ms: number, what: () => string): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what()}`);
    await delay(20);
  }
}
