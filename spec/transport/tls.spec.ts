import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { MqttError } from '../../src/errors';
import { tlsTransport, type TlsOptions } from '../../src/transport';
import { makeCerts, type TestCerts } from '../support/certs';
import { requireMosquitto, startMosquitto, type MosquittoHandle } from '../support/mosquitto';
import { failure, handshake } from './helpers';

const CONNACK = [0x20, 0x02, 0x00, 0x00];

let certs: TestCerts;
const read = (file: string) => fs.readFileSync(file, 'utf8');

beforeAll(async () => {
  requireMosquitto();
  certs = await makeCerts();
});

function expectTlsError(error: unknown, port: number, reason: RegExp): void {
  expect(error).toBeInstanceOf(MqttError);
  expect((error as MqttError).code).toBe('tls-error');
  expect((error as MqttError).message).toContain(`127.0.0.1:${port}`);
  expect((error as MqttError).message).toMatch(reason);
  // Node's errors come from the main realm, not jest's sandbox: check the shape, not instanceof.
  expect((error as MqttError).cause).toEqual(expect.objectContaining({ message: expect.any(String) }));
}

describe('tlsTransport with mosquitto (server certificate from our CA)', () => {
  let mosquitto: MosquittoHandle;
  beforeAll(async () => {
    mosquitto = await startMosquitto({ tls: { certPath: certs.serverCertPath, keyPath: certs.serverKeyPath } });
  });
  afterAll(() => mosquitto?.close());

  const dial = (host: string, tlsOptions: TlsOptions) => tlsTransport({ host, port: mosquitto.port, tls: tlsOptions });

  it('connects to 127.0.0.1 trusting the CA (IP SAN), emitting opened after the handshake', async () => {
    const { connack, opened } = await handshake(dial('127.0.0.1', { ca: certs.ca }));
    expect(connack).toEqual(CONNACK);
    expect(opened.remotePort).toBe(mosquitto.port);
  });

  it('connects to localhost with SNI defaulting to the host (DNS SAN)', async () => {
    const { connack } = await handshake(tlsTransport({ host: 'localhost', port: mosquitto.port, tls: { ca: certs.ca } }));
    expect(connack).toEqual(CONNACK);
  });

  it('accepts the CA as bytes', async () => {
    const { connack } = await handshake(dial('127.0.0.1', { ca: new Uint8Array(fs.readFileSync(certs.caPath)) }));
    expect(connack).toEqual(CONNACK);
  });

  it('connects with a ready SecureContext', async () => {
    const secureContext = tls.createSecureContext({ ca: certs.ca });
    const { connack } = await handshake(dial('127.0.0.1', { secureContext }));
    expect(connack).toEqual(CONNACK);
  });

  it('refuses the broker when the CA is not given (Node roots do not know it)', async () => {
    const error = await failure(dial('127.0.0.1', {}));
    expectTlsError(error, mosquitto.port, /unable to verify the first certificate \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
  });

  it('refuses a certificate for another name', async () => {
    const error = await failure(dial('127.0.0.1', { ca: certs.ca, servername: 'broker.example.com' }));
    expectTlsError(error, mosquitto.port, /Host: broker\.example\.com\. is not in the cert's altnames.*\(ERR_TLS_CERT_ALTNAME_INVALID\)/);
  });

  it('refuses when the versions do not overlap', async () => {
    // mosquitto 2 accepts TLS 1.2 and 1.3; offering only 1.1 cannot succeed.
    const error = await failure(dial('127.0.0.1', { ca: certs.ca, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }));
    expect(error).toBeInstanceOf(MqttError);
    expectTlsError(error, mosquitto.port, /alert|version/i);
  });
});

describe('tlsTransport with mosquitto requiring a client certificate', () => {
  let mosquitto: MosquittoHandle;
  beforeAll(async () => {
    mosquitto = await startMosquitto({
      tls: { certPath: certs.serverCertPath, keyPath: certs.serverKeyPath, caPath: certs.caPath, requireCertificate: true },
    });
  });
  afterAll(() => mosquitto?.close());

  const dial = (tlsOptions: TlsOptions) => tlsTransport({ host: '127.0.0.1', port: mosquitto.port, tls: tlsOptions });

  it('connects with cert and key', async () => {
    const { connack } = await handshake(dial({ ca: certs.ca, cert: read(certs.clientCertPath), key: read(certs.clientKeyPath) }));
    expect(connack).toEqual(CONNACK);
  });

  it('connects with a passphrase-protected key', async () => {
    const key = read(certs.clientKeyEncryptedPath);
    expect(key).toContain('ENCRYPTED');
    const { connack } = await handshake(dial({ ca: certs.ca, cert: read(certs.clientCertPath), key, passphrase: certs.passphrase }));
    expect(connack).toEqual(CONNACK);
  });

  it('refuses a wrong passphrase before dialling, as invalid-argument', async () => {
    const error = await failure(
      dial({ ca: certs.ca, cert: read(certs.clientCertPath), key: read(certs.clientKeyEncryptedPath), passphrase: 'wrong' }),
    );
    expect((error as MqttError).code).toBe('invalid-argument');
    expect((error as MqttError).message).toContain(`127.0.0.1:${mosquitto.port}`);
  });

  it('fails with tls-error without a client certificate', async () => {
    const error = await failure(dial({ ca: certs.ca }));
    expectTlsError(error, mosquitto.port, /^TLS error with [^:]+:\d+: tlsv13 alert certificate required \(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\)$/);
  });
});

describe('tlsTransport with mosquitto presenting an untrusted certificate', () => {
  let mosquitto: MosquittoHandle;
  beforeAll(async () => {
    mosquitto = await startMosquitto({
      tls: { certPath: certs.untrustedServerCertPath, keyPath: certs.untrustedServerKeyPath },
    });
  });
  afterAll(() => mosquitto?.close());

  it('refuses it with tls-error by default, naming host:port and the reason', async () => {
    const error = await failure(tlsTransport({ host: '127.0.0.1', port: mosquitto.port, tls: { ca: certs.ca } }));
    expectTlsError(error, mosquitto.port, /unable to verify the first certificate/);
  });

  it('connects with rejectUnauthorized: false', async () => {
    const transport = tlsTransport({ host: '127.0.0.1', port: mosquitto.port, tls: { ca: certs.ca, rejectUnauthorized: false } });
    const { connack } = await handshake(transport);
    expect(connack).toEqual(CONNACK);
  });
});

describe('tlsTransport options reach the handshake (Node TLS server)', () => {
  async function startTlsServer(options: tls.TlsOptions) {
    const sessions: tls.TLSSocket[] = [];
    const server = tls.createServer(
      { cert: read(certs.serverCertPath), key: read(certs.serverKeyPath), ...options },
      (socket) => {
        sessions.push(socket);
        socket.end();
      },
    );
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    return { port, sessions, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  /** Opens, lets the server end the connection, and resolves when the Observable completes. */
  const openAndClose = (port: number, tlsOptions: TlsOptions) =>
    new Promise<void>((resolve, reject) =>
      tlsTransport({ host: '127.0.0.1', port, tls: tlsOptions }).subscribe({ error: reject, complete: resolve }),
    );

  it('offers ALPN protocols', async () => {
    const server = await startTlsServer({ ALPNProtocols: ['mqtt'] });
    try {
      await openAndClose(server.port, { ca: certs.ca, alpnProtocols: ['mqtt'] });
      expect(server.sessions[0].alpnProtocol).toBe('mqtt');
    } finally {
      await server.close();
    }
  });

  it('honours maxVersion and ciphers', async () => {
    const server = await startTlsServer({});
    try {
      await openAndClose(server.port, { ca: certs.ca, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
      expect(server.sessions[0].getProtocol()).toBe('TLSv1.2');
      expect(server.sessions[0].getCipher().standardName).toBe('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    } finally {
      await server.close();
    }
  });

  it('sends the servername option as SNI', async () => {
    const server = await startTlsServer({});
    try {
      await openAndClose(server.port, { ca: certs.ca, servername: 'localhost' });
      expect(server.sessions[0].servername).toBe('localhost');
    } finally {
      await server.close();
    }
  });

  it('sends no SNI for an IP literal host', async () => {
    const server = await startTlsServer({});
    try {
      await openAndClose(server.port, { ca: certs.ca });
      expect(server.sessions[0].servername).toBeFalsy();
    } finally {
      await server.close();
    }
  });
});
