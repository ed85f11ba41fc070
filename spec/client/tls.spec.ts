/**
 * The client over TLS to mosquitto, with a CA and certificates the test generates:
 * verified connections, client certificates, and refusal of a broker nobody vouches for.
 */

import * as fs from 'node:fs';
import { firstValueFrom } from 'rxjs';
import { makeCerts, type TestCerts } from '../support/certs';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto';
import { closeClients, connected, makeClient, nextValues } from './helpers';

describe('client over TLS (mosquitto)', () => {
  let certs: TestCerts;
  let trusted: MosquittoHandle;
  let mutual: MosquittoHandle;
  let untrusted: MosquittoHandle;

  beforeAll(async () => {
    certs = await makeCerts();
    trusted = await startMosquitto({ tls: { certPath: certs.serverCertPath, keyPath: certs.serverKeyPath } });
    mutual = await startMosquitto({
      tls: { certPath: certs.serverCertPath, keyPath: certs.serverKeyPath, caPath: certs.caPath, requireCertificate: true },
    });
    untrusted = await startMosquitto({ tls: { certPath: certs.untrustedServerCertPath, keyPath: certs.untrustedServerKeyPath } });
  });
  afterAll(async () => {
    await Promise.all([trusted?.close(), mutual?.close(), untrusted?.close()]);
  });
  afterEach(() => closeClients());

  it.each([4, 5] as const)('publishes and receives over a verified TLS connection (level %i)', async (version) => {
    const client = makeClient(trusted.port, version, { url: `mqtts://127.0.0.1:${trusted.port}`, tls: { ca: certs.ca } });
    await connected(client);
    const received = nextValues(client.messages$('tls/t', { qos: 1 }), 1, 'message over TLS');
    await new Promise((r) => setTimeout(r, 100));
    await firstValueFrom(client.publish('tls/t', 'secret', { qos: 1 }));
    expect((await received)[0].text()).toBe('secret');
  });

  it('connects with a client certificate and a passphrase-protected key where the broker requires one', async () => {
    const client = makeClient(mutual.port, 4, {
      url: `ssl://localhost:${mutual.port}`,
      tls: {
        ca: certs.ca,
        cert: fs.readFileSync(certs.clientCertPath, 'utf8'),
        key: fs.readFileSync(certs.clientKeyEncryptedPath, 'utf8'),
        passphrase: certs.passphrase,
      },
    });
    expect((await connected(client)).reasonCode).toBe(0);
  });

  it('is refused by a broker that requires a client certificate when it has none', async () => {
    const client = makeClient(mutual.port, 4, { url: `mqtts://127.0.0.1:${mutual.port}`, tls: { ca: certs.ca } });
    await expect(firstValueFrom(client.connect())).rejects.toMatchObject({ code: expect.stringMatching(/tls-error|connection-closed/) });
  });

  it('refuses a broker whose certificate no trusted CA signed, with tls-error and the reason', async () => {
    const client = makeClient(untrusted.port, 4, { url: `mqtts://127.0.0.1:${untrusted.port}`, tls: { ca: certs.ca } });
    const error = await firstValueFrom(client.connect()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'tls-error' });
    expect((error as Error).message).toMatch(/certificate/i);
    expect((await firstValueFrom(client.connectionState$)).type).toBe('disconnected');
  });

  it('connects to that broker only when told not to verify (Paho tls_insecure_set)', async () => {
    const client = makeClient(untrusted.port, 4, { url: `mqtts://127.0.0.1:${untrusted.port}`, tls: { rejectUnauthorized: false } });
    expect((await connected(client)).reasonCode).toBe(0);
  });
});
