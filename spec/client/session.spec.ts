/**
 * Sessions and failures against real brokers: the will on an abrupt close, a persistent
 * session receiving what was queued while offline, subscribe refusal, a broker that goes
 * silent (keepalive), refused connections.
 */

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import type { ProtocolVersion } from '../../src';
import { startSilentProxy, type SilentProxy } from '../support/silent-proxy';
import { brokerKinds, brokerVersions, closeClients, connected, delay, makeClient, nextValues, startBroker, stateOf, type Broker } from './helpers';

/** mosquitto started as root drops to its own user: its config files must be world-readable. */
function readableTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

describe.each(brokerKinds)('sessions against %s', (kind) => {
  let broker: Broker;
  let proxy: SilentProxy | undefined;
  beforeAll(async () => {
    // mosquitto refuses subscriptions to forbidden/# through its ACL; aedes through its hook.
    const aclFile = path.join(readableTempDir('rxmqtt-acl-'), 'acl');
    fs.writeFileSync(aclFile, 'topic readwrite #\ntopic deny forbidden/#\n', { mode: 0o644 });
    broker = await startBroker(kind, { extraConfig: [`acl_file ${aclFile}`] });
    if (broker.aedes) {
      broker.aedes.broker.authorizeSubscribe = (_client, sub, done) =>
        done(null, sub.topic.startsWith('forbidden/') ? null : sub); // null: SUBACK 0x80
    }
  });
  afterAll(() => broker?.close());
  afterEach(async () => {
    await closeClients();
    await proxy?.close();
    proxy = undefined;
  });

  describe.each(brokerVersions[kind])('MQTT protocol level %i', (version: ProtocolVersion) => {
    it('sends the will when the connection drops abruptly, and not on a clean disconnect', async () => {
      proxy = await startSilentProxy(broker.port);
      const watcher = makeClient(broker.port, version);
      await connected(watcher);
      const wills = nextValues(watcher.messages$(`will/${version}/+`, { qos: 1 }), 1, 'will message');
      await delay(100);
      const polite = makeClient(broker.port, version, { will: { topic: `will/${version}/polite`, payload: 'gone', qos: 1 } });
      await connected(polite);
      await lastValueFrom(polite.disconnect(), { defaultValue: undefined });
      const rude = makeClient(proxy.port, version, { will: { topic: `will/${version}/rude`, payload: 'gone', qos: 1 } });
      await connected(rude);
      await proxy.close(); // destroys the proxied sockets: the broker sees an abrupt close
      const [will] = await wills;
      expect(will.topic).toBe(`will/${version}/rude`);
      expect(will.text()).toBe('gone');
    });

    it('resumes a persistent session and receives what was published while offline', async () => {
      const clientId = `persistent-${kind}-${version}-${process.pid}`;
      const options = { clientId, clean: false, ...(version === 5 ? { properties: { sessionExpiryInterval: 300 } } : {}) };
      const first = makeClient(broker.port, version, options);
      expect((await connected(first)).sessionPresent).toBe(false);
      await firstValueFrom(first.subscribe(['offline/t', 1]));
      await lastValueFrom(first.disconnect(), { defaultValue: undefined });

      const pub = makeClient(broker.port, version);
      await connected(pub);
      for (const n of [1, 2, 3]) await firstValueFrom(pub.publish('offline/t', `m${n}`, { qos: 1 }));

      const again = makeClient(broker.port, version, options);
      const queued = nextValues(again.messages$('offline/t', { qos: 1 }), 3, 'queued messages');
      const connack = await connected(again);
      expect(connack.sessionPresent).toBe(true);
      expect((await queued).map((m) => m.text())).toEqual(['m1', 'm2', 'm3']);
    });

    // mosquitto 2.0 grants every subscription and applies its ACL on delivery, so the
    // refusal is shown against aedes here, and for 5.0 reason codes in the marble specs.
    const refusingBroker = kind === 'aedes' ? it : undefined;
    refusingBroker?.('errors messages$ and subscribe() with subscribe-failed when the broker refuses', async () => {
      const client = makeClient(broker.port, version);
      await connected(client);
      await expect(firstValueFrom(client.subscribe([['ok/t', 1], ['forbidden/t', 1]]))).rejects.toMatchObject({
        code: 'subscribe-failed',
        reasonCode: expect.any(Number),
      });
      await expect(firstValueFrom(client.messages$('forbidden/x'))).rejects.toMatchObject({ code: 'subscribe-failed' });
      // The connection survives a refused subscription.
      expect((await firstValueFrom(client.publish('ok/t', 'still here', { qos: 1 }))).reasonCode).toBe(0);
    });

    it('closes a connection whose broker goes silent, with keepalive-timeout', async () => {
      proxy = await startSilentProxy(broker.port);
      const client = makeClient(proxy.port, version, { keepalive: 1 });
      await connected(client);
      const sent: string[] = [];
      client.events$.subscribe((e) => e.type === 'packetSent' && sent.push(e.packetType));
      await delay(1200);
      expect(sent).toContain('pingreq'); // the broker still answers: the connection holds
      expect((await firstValueFrom(client.connectionState$)).type).toBe('connected');
      proxy.silence();
      const state = await stateOf(client, 'disconnected', 6000);
      expect(state).toMatchObject({ type: 'disconnected', error: { code: 'keepalive-timeout' }, serverDisconnect: false });
    });

    it('fails connect() with connection-closed when nothing listens', async () => {
      const closed = await startSilentProxy(broker.port);
      const port = closed.port;
      await closed.close();
      const client = makeClient(port, version);
      await expect(firstValueFrom(client.connect())).rejects.toMatchObject({ code: 'connection-closed' });
      expect((await firstValueFrom(client.connectionState$)).type).toBe('disconnected');
    });
  });
});

describe('connection refusals', () => {
  it('aedes refuses MQTT 5.0: connect() errors with connection-refused, Unsupported Protocol Version', async () => {
    const broker = await startBroker('aedes');
    try {
      const client = makeClient(broker.port, 5);
      await expect(firstValueFrom(client.connect())).rejects.toMatchObject({ code: 'connection-refused', reasonCode: 0x84 });
    } finally {
      await closeClients();
      await broker.close();
    }
  });

  it.each([4, 5] as const)('mosquitto refuses a bad password at level %i: connection-refused with its reason code', async (version) => {
    const pwFile = path.join(readableTempDir('rxmqtt-pw-'), 'passwd');
    execFileSync('mosquitto_passwd', ['-c', '-b', pwFile, 'alice', 'secret']);
    fs.chmodSync(pwFile, 0o644);
    const broker = await startBroker('mosquitto', { extraConfig: ['allow_anonymous false', `password_file ${pwFile}`] });
    try {
      const client = makeClient(broker.port, version, { username: 'alice', password: 'wrong' });
      await expect(firstValueFrom(client.connect())).rejects.toMatchObject({
        code: 'connection-refused',
        reasonCode: 0x87, // mosquitto answers Not authorized (3.1.1 return code 5, mapped to 0x87)
      });
    } finally {
      await closeClients();
      await broker.close();
    }
  });
});
