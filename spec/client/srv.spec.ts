/**
 * The `srv` option end to end: a loopback DNS server (spec/support/dns-server.ts) that
 * Node's default resolver is pointed at (`dns.setServers`), real brokers (aedes
 * in-process, mosquitto as a child process, plain and TLS), the client's own transports.
 * The `transport` option wraps Node's transport only to record which target each dial took.
 */

import * as dns from 'node:dns';
import { firstValueFrom, timeout } from 'rxjs';
import { MqttClient, MqttError, type MqttClientOptions } from '../../src';
import type { ClientEvent } from '../../src/client';
import { nodeTransport, type NodeTransportOptions } from '../../src/transport/node';
import { startAedes, type AedesHandle } from '../support/aedes';
import { makeCerts, type TestCerts } from '../support/certs';
import { startDnsServer, type DnsServer, type SrvAnswer } from '../support/dns-server';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { nextValues, stateOf } from './helpers';

describe('client with the srv option (DNS SRV discovery)', () => {
  let server: DnsServer;
  let servers: string[];
  let aedes: AedesHandle;
  let mosquitto: MosquittoHandle;
  let closedPort: number;
  let domainCounter = 0;
  let domain: string;
  let tried: string[];
  const clients = new Set<MqttClient>();

  const srvName = (secure = false) => `${secure ? '_secure-mqtt' : '_mqtt'}._tcp.${domain}`;
  const publishSrv = (records: SrvAnswer[], secure = false) => server.set(srvName(secure), { srv: records });
  const target = (port: number, priority = 10, host = 'localhost'): SrvAnswer => ({ priority, weight: 0, port, target: host });
  const lookups = (secure = false) => server.queries.filter((q) => q.name === srvName(secure) && q.type === 'SRV').length;

  /** A client on `srv: domain` whose dials are recorded in `tried`. */
  function srvClient(options: MqttClientOptions = {}): MqttClient {
    const client = new MqttClient({
      srv: domain,
      clientId: `srv-spec-${process.pid}-${domainCounter}-${clients.size}`,
      connectTimeout: 3000,
      transport: (o: NodeTransportOptions) => {
        tried.push(`${o.host}:${o.port}`);
        return nodeTransport(o);
      },
      ...options,
    });
    clients.add(client);
    return client;
  }
  const connected = (client: MqttClient) => firstValueFrom(client.connect().pipe(timeout(10_000)));
  const failure = (client: MqttClient) => firstValueFrom(client.connect()).then(() => new Error('connected'), (error: unknown) => error);

  async function roundTrip(client: MqttClient, topic: string): Promise<void> {
    const received = nextValues(client.messages$(topic, { qos: 1 }), 1, `message on ${topic}`);
    await new Promise((r) => setTimeout(r, 100));
    const ack = await firstValueFrom(client.publish(topic, 'found by SRV', { qos: 1 }));
    expect(ack.packetId).toEqual(expect.any(Number));
    const [message] = await received;
    expect([message.topic, message.qos, message.text()]).toEqual([topic, 1, 'found by SRV']);
  }

  beforeAll(async () => {
    server = await startDnsServer();
    servers = dns.getServers();
    dns.setServers([server.address]);
    [aedes, mosquitto, closedPort] = await Promise.all([startAedes(), startMosquitto(), freePort()]);
  });
  afterAll(async () => {
    dns.setServers(servers);
    await Promise.all([server?.close(), aedes?.close(), mosquitto?.close()]);
  });
  beforeEach(() => {
    tried = [];
    domain = `site${++domainCounter}.rxmqtt.test`;
  });
  afterEach(async () => {
    const all = [...clients];
    clients.clear();
    await Promise.all(all.map((c) => firstValueFrom(c.disconnect(), { defaultValue: undefined })));
  });

  it.each([
    ['aedes', 4],
    ['mosquitto', 4],
    ['mosquitto', 5],
  ] as const)('finds %s through _mqtt._tcp with the default resolver and round-trips QoS 1 (level %i)', async (broker, version) => {
    const port = broker === 'aedes' ? aedes.port : mosquitto.port;
    publishSrv([target(port)]);
    // The default: the real dns module, no `transport` option either.
    const client = new MqttClient({ srv: domain, protocolVersion: version, clientId: `srv-plain-${broker}-${version}`, connectTimeout: 3000 });
    clients.add(client);
    expect((await connected(client)).reasonCode).toBe(0);
    expect(lookups()).toBe(1);
    await roundTrip(client, `srv/${broker}/${version}`);
  });

  it('tries the targets by priority: a refused first target, then the next, and says so in events$', async () => {
    publishSrv([target(aedes.port, 20), target(closedPort, 10, '127.0.0.1')]);
    const client = srvClient();
    const logs: string[] = [];
    client.events$.subscribe((e: ClientEvent) => e.type === 'log' && logs.push(`${e.level}: ${e.message}`));
    await connected(client);
    expect(tried).toEqual([`127.0.0.1:${closedPort}`, `localhost:${aedes.port}`]);
    expect(logs).toContainEqual(expect.stringMatching(new RegExp(`^warning: SRV ${srvName()}: 127\\.0\\.0\\.1:${closedPort} failed \\(.*ECONNREFUSED.*\\), trying the next target$`)));
    await roundTrip(client, 'srv/priority');
  });

  it('every target failing: connect() errors once, naming the domain and each target; the state says it too', async () => {
    const otherClosed = await freePort();
    publishSrv([target(closedPort, 1, '127.0.0.1'), target(otherClosed, 2)]);
    const client = srvClient();
    const error = await failure(client);
    expect(error).toBeInstanceOf(MqttError);
    expect(error).toMatchObject({ code: 'connection-closed' });
    expect((error as Error).message).toMatch(
      new RegExp(`^No broker of ${domain} could be reached \\(SRV ${srvName()}, 2 targets\\): 1\\. 127\\.0\\.0\\.1:${closedPort}: .*ECONNREFUSED.*; 2\\. localhost:${otherClosed}: .*ECONNREFUSED`),
    );
    expect(await stateOf(client, 'disconnected')).toMatchObject({ error });
    expect(tried).toEqual([`127.0.0.1:${closedPort}`, `localhost:${otherClosed}`]);
  });

  it('looks the broker up again on each automatic reconnect: a changed answer is followed', async () => {
    const second = await startAedes();
    try {
      const first = await startAedes();
      publishSrv([target(first.port)]);
      const client = srvClient({ reconnect: { minDelay: 100, maxDelay: 200 } });
      await connected(client);
      expect(tried).toEqual([`localhost:${first.port}`]);
      // DNS now names the second broker; the first goes away and drops the client.
      publishSrv([target(second.port)]);
      const reconnecting = stateOf(client, 'reconnecting');
      await first.close();
      await reconnecting;
      await stateOf(client, 'connected');
      expect(tried).toEqual([`localhost:${first.port}`, `localhost:${second.port}`]);
      expect(lookups()).toBe(2);
      await roundTrip(client, 'srv/moved');
    } finally {
      await second.close();
    }
  });

  it('reconnect() looks the broker up again too', async () => {
    publishSrv([target(aedes.port)]);
    const client = srvClient();
    await connected(client);
    publishSrv([target(mosquitto.port)]);
    await firstValueFrom(client.reconnect().pipe(timeout(10_000)));
    expect(tried).toEqual([`localhost:${aedes.port}`, `localhost:${mosquitto.port}`]);
    expect(lookups()).toBe(2);
    await roundTrip(client, 'srv/reconnect');
  });

  it('a lone "." target: connect() fails with "not available" and nothing is dialled', async () => {
    publishSrv([{ priority: 0, weight: 0, port: 0, target: '.' }]);
    const error = await failure(srvClient());
    expect(error).toMatchObject({ code: 'connection-closed', message: expect.stringMatching(/service is not available/) });
    expect(tried).toEqual([]);
  });

  it('NXDOMAIN: connect() fails at once with connection-closed naming the lookup', async () => {
    const started = Date.now();
    const error = await failure(srvClient());
    expect(error).toMatchObject({ code: 'connection-closed', message: `DNS SRV lookup of ${srvName()} failed: no such domain (NXDOMAIN, ENOTFOUND)` });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(tried).toEqual([]);
  });

  it('a DNS server that never answers: connect-timeout after connectTimeout, never a hang', async () => {
    server.set(srvName(), 'silent');
    const client = srvClient({ connectTimeout: 500 });
    const started = Date.now();
    const error = await failure(client);
    expect(error).toMatchObject({ code: 'connect-timeout', message: expect.stringContaining(`DNS SRV lookup of ${srvName()}`) });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(tried).toEqual([]);
  });

  it('disconnect() during the lookup: closed at once, and the lookup is aborted', async () => {
    let signal: AbortSignal | undefined;
    const resolve = (_name: string, options: { signal: AbortSignal }) => ((signal = options.signal), new Promise<never>(() => {}));
    const client = srvClient({ srv: { domain, resolve }, connectTimeout: 0 });
    const error = failure(client);
    await new Promise((r) => setTimeout(r, 50));
    expect(signal?.aborted).toBe(false);
    await firstValueFrom(client.disconnect().pipe(timeout(1000)), { defaultValue: undefined });
    expect(await stateOf(client, 'closed', 1000)).toEqual({ type: 'closed' });
    await expect(error).resolves.toMatchObject({ code: 'connection-closed' });
    expect(signal?.aborted).toBe(true);
    expect(tried).toEqual([]);
  });

  describe('over TLS', () => {
    let certs: TestCerts;
    let secure: MosquittoHandle;
    beforeAll(async () => {
      certs = await makeCerts();
      secure = await startMosquitto({ tls: { certPath: certs.serverCertPath, keyPath: certs.serverKeyPath } });
    });
    afterAll(() => secure?.close());

    it('with the tls option, looks up _secure-mqtt._tcp and verifies the broker against the target name', async () => {
      publishSrv([target(secure.port)], true);
      // The plain name points elsewhere: it must not be asked.
      publishSrv([target(closedPort)]);
      const client = srvClient({ tls: { ca: certs.ca } });
      await connected(client);
      expect(lookups(true)).toBe(1);
      expect(lookups(false)).toBe(0);
      expect(tried).toEqual([`localhost:${secure.port}`]);
      await roundTrip(client, 'srv/tls');
    });

    it('a target whose certificate no trusted CA signed is a failure of that target: the next one is tried', async () => {
      const untrusted = await startMosquitto({ tls: { certPath: certs.untrustedServerCertPath, keyPath: certs.untrustedServerKeyPath } });
      try {
        publishSrv([target(untrusted.port, 1), target(secure.port, 2)], true);
        const client = srvClient({ tls: { ca: certs.ca } });
        const logs: string[] = [];
        client.events$.subscribe((e: ClientEvent) => e.type === 'log' && logs.push(e.message));
        await connected(client);
        expect(tried).toEqual([`localhost:${untrusted.port}`, `localhost:${secure.port}`]);
        expect(logs).toContainEqual(expect.stringMatching(new RegExp(`localhost:${untrusted.port} failed \\(TLS error with localhost:${untrusted.port}`)));
      } finally {
        await untrusted.close();
      }
    });
  });
});
