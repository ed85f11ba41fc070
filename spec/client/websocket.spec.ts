/**
 * The client over WebSocket to mosquitto (a `protocol websockets` listener beside the
 * plain MQTT one): ws and TCP clients talk to each other at every QoS, a burst goes
 * through the backpressure path, and wss is verified against the test CA.
 */

import { count, filter, firstValueFrom, lastValueFrom, map, mergeMap, range, take, toArray } from 'rxjs';
import { makeCerts, type TestCerts } from '../support/certs';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { closeClients, connected, delay, makeClient, nextValues, stateOf, versions } from './helpers';

describe('client over WebSocket (mosquitto)', () => {
  let certs: TestCerts;
  let broker: MosquittoHandle;
  let secure: MosquittoHandle;

  beforeAll(async () => {
    certs = await makeCerts();
    broker = await startMosquitto({ websockets: {} });
    secure = await startMosquitto({ websockets: { tls: { certPath: certs.serverCertPath, keyPath: certs.serverKeyPath } } });
  });
  afterAll(async () => {
    await Promise.all([broker?.close(), secure?.close()]);
  });
  afterEach(() => closeClients());

  describe.each(versions)('MQTT level %i', (version) => {
    const wsClient = () => makeClient(broker.wsPort!, version, { url: `ws://127.0.0.1:${broker.wsPort}` });

    it('connects over ws:// (the socket event names the ws port) and disconnects', async () => {
      const client = wsClient();
      const opened = firstValueFrom(client.events$.pipe(filter((e) => e.type === 'socketOpened')));
      expect((await connected(client)).reasonCode).toBe(0);
      expect(await opened).toMatchObject({ type: 'socketOpened', remotePort: broker.wsPort });
      await firstValueFrom(client.disconnect(), { defaultValue: undefined });
      expect((await stateOf(client, 'closed')).type).toBe('closed');
    });

    it.each([0, 1, 2] as const)('QoS %i: a ws client and a TCP client publish to each other', async (qos) => {
      const ws = wsClient();
      const tcp = makeClient(broker.port, version);
      await connected(ws);
      await connected(tcp);
      const topic = `ws/${version}/${qos}`;
      const atTcp = nextValues(tcp.messages$(`${topic}/to-tcp`, { qos }), 1, 'message at the TCP client');
      const atWs = nextValues(ws.messages$(`${topic}/to-ws`, { qos }), 1, 'message at the ws client');
      await delay(100);
      await firstValueFrom(ws.publish(`${topic}/to-tcp`, `from ws at ${qos}`, { qos }));
      await firstValueFrom(tcp.publish(`${topic}/to-ws`, `from tcp at ${qos}`, { qos }));
      const [toTcp] = await atTcp;
      const [toWs] = await atWs;
      expect([toTcp.text(), toTcp.qos]).toEqual([`from ws at ${qos}`, qos]);
      expect([toWs.text(), toWs.qos]).toEqual([`from tcp at ${qos}`, qos]);
    });

    it('a burst of 20,000 QoS 0 publishes through mergeMap over ws fills the socket; all arrive, in order', async () => {
      const pub = wsClient();
      const sub = makeClient(broker.port, version);
      await connected(pub);
      await connected(sub);
      const n = 20_000;
      const topic = `ws-burst/${version}`;
      let blocked = 0;
      let drained = 0;
      pub.events$.subscribe((e) => {
        if (e.type === 'backpressure') blocked++;
        if (e.type === 'drained') drained++;
      });
      const received = lastValueFrom(sub.messages$(topic, { qos: 0 }).pipe(take(n), map((m) => m.payload[0] * 256 + m.payload[1]), toArray()));
      await delay(100);
      const payload = (i: number): Uint8Array => {
        const p = new Uint8Array(64);
        p[0] = i >> 8;
        p[1] = i % 256;
        return p;
      };
      const sent = await lastValueFrom(range(0, n).pipe(mergeMap((i) => pub.publish(topic, payload(i)), 20), count()));
      expect(sent).toBe(n);
      expect(blocked).toBeGreaterThan(0); // the socket did fill, so the drain path ran
      expect(drained).toBeGreaterThan(0);
      const order = await received;
      expect(order).toHaveLength(n);
      expect(order.every((v, i) => v === i)).toBe(true);
    }, 60_000);
  });

  it.each(versions)('publishes and receives over wss:// verified with the test CA (level %i)', async (version) => {
    const client = makeClient(secure.wsPort!, version, { url: `wss://127.0.0.1:${secure.wsPort}/mqtt`, tls: { ca: certs.ca } });
    await connected(client);
    const received = nextValues(client.messages$('wss/t', { qos: 1 }), 1, 'message over wss');
    await delay(100);
    await firstValueFrom(client.publish('wss/t', 'secret', { qos: 1 }));
    expect((await received)[0].text()).toBe('secret');
  });

  it('refuses the wss broker with tls-error when its CA is not trusted', async () => {
    const client = makeClient(secure.wsPort!, 4, { url: `wss://127.0.0.1:${secure.wsPort}` });
    const error = await firstValueFrom(client.connect()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'tls-error' });
    expect((error as Error).message).toMatch(/unable to verify the first certificate/);
    expect((await firstValueFrom(client.connectionState$)).type).toBe('disconnected');
  });

  it('reports a refused connection as connection-closed', async () => {
    const port = await freePort();
    const client = makeClient(port, 4, { url: `ws://127.0.0.1:${port}` });
    const error = await firstValueFrom(client.connect()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'connection-closed' });
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });
});
