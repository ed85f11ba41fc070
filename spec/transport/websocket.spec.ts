/**
 * webSocketTransport: against mosquitto's websockets listeners (ws and wss with the test
 * CA), and against in-process `ws`/http servers for what a broker will not do on demand
 * (text frames, refused upgrades, a reader that stops reading).
 */

import * as http from 'node:http';
import * as fs from 'node:fs';
import { MqttError } from '../../src/errors';
import { nodeTransport, webSocketTransport, type SocketEvent, type SocketWriter, type TransportOptions } from '../../src/transport';
import { makeCerts, type TestCerts } from '../support/certs';
import { requireMosquitto, startMosquitto, type MosquittoHandle } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { failure, handshake } from './helpers';
import { startWsServer, until } from './ws-server';

const CONNACK = [0x20, 0x02, 0x00, 0x00];

const local = (port: number, extra: Partial<TransportOptions> = {}) => webSocketTransport({ host: '127.0.0.1', port, ...extra });

describe('webSocketTransport', () => {
  let certs: TestCerts;
  let mosquitto: MosquittoHandle;
  let secure: MosquittoHandle;
  beforeAll(async () => {
    requireMosquitto();
    certs = await makeCerts();
    mosquitto = await startMosquitto({ websockets: {} });
    secure = await startMosquitto({ websockets: { tls: { certPath: certs.serverCertPath, keyPath: certs.serverKeyPath } } });
  });
  afterAll(async () => {
    await Promise.all([mosquitto?.close(), secure?.close()]);
  });

  describe('with mosquitto', () => {
    it('ws://: CONNECT gets CONNACK, with the socket addresses; end() completes', async () => {
      const { connack, opened } = await handshake(local(mosquitto.wsPort!));
      expect(connack).toEqual(CONNACK);
      expect(opened.remoteAddress).toBe('127.0.0.1');
      expect(opened.remotePort).toBe(mosquitto.wsPort);
      expect(opened.localPort).toEqual(expect.any(Number));
    });

    it('nodeTransport routes ws:// and wss:// here', async () => {
      expect((await handshake(nodeTransport({ protocol: 'ws', host: '127.0.0.1', port: mosquitto.wsPort! }))).connack).toEqual(CONNACK);
      const wss = nodeTransport({ protocol: 'wss', host: '127.0.0.1', port: secure.wsPort!, tls: { ca: certs.ca } });
      expect((await handshake(wss)).connack).toEqual(CONNACK);
    });

    it('wss:// verifies the broker with the test CA', async () => {
      const { connack, opened } = await handshake(local(secure.wsPort!, { tls: { ca: certs.ca } }));
      expect(connack).toEqual(CONNACK);
      expect(opened.remotePort).toBe(secure.wsPort);
    });

    it('wss:// refuses a broker whose CA is not trusted, with tls-error', async () => {
      const error = await failure(local(secure.wsPort!, { tls: {} }));
      expect(error).toBeInstanceOf(MqttError);
      expect((error as MqttError).code).toBe('tls-error');
      expect((error as MqttError).message).toContain(`wss://127.0.0.1:${secure.wsPort}/mqtt`);
      expect((error as MqttError).message).toMatch(/unable to verify the first certificate \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    });

    it('wss:// to a plain ws listener fails as a TLS error', async () => {
      const error = await failure(local(mosquitto.wsPort!, { tls: { ca: certs.ca } }));
      expect((error as MqttError).code).toBe('tls-error');
    });

    it('ws:// to a plain MQTT listener: the broker hangs up during the upgrade (connection-closed)', async () => {
      const error = await failure(local(mosquitto.port));
      expect((error as MqttError).code).toBe('connection-closed');
      expect((error as MqttError).message).toContain(`ws://127.0.0.1:${mosquitto.port}/mqtt`);
    });
  });

  it('a refused connection is connection-closed (ECONNREFUSED)', async () => {
    const port = await freePort();
    const error = await failure(local(port));
    expect(error).toBeInstanceOf(MqttError);
    expect((error as MqttError).code).toBe('connection-closed');
    expect((error as MqttError).message).toMatch(new RegExp(`Cannot connect to ws://127\\.0\\.0\\.1:${port}/mqtt: .*ECONNREFUSED`));
  });

  it('an HTTP upgrade refused by the server is connection-closed with the status', async () => {
    const server = http.createServer((_request, response) => response.writeHead(404, 'Not Found').end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const error = await failure(local(port));
      expect((error as MqttError).code).toBe('connection-closed');
      expect((error as MqttError).message).toBe(`Cannot connect to ws://127.0.0.1:${port}/mqtt: WebSocket upgrade refused with HTTP 404 Not Found`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('offers the mqtt subprotocol and sends path, headers and binary frames', async () => {
    const frames: Array<{ bytes: number[]; isBinary: boolean }> = [];
    const server = await startWsServer((socket) =>
      socket.on('message', (data, isBinary) => {
        frames.push({ bytes: [...(data as Buffer)], isBinary });
        socket.send(Uint8Array.from([0x20, 0x02, 0x00, 0x00]));
      }),
    );
    try {
      const transport = local(server.port, { ws: { path: '/broker?x=1', headers: { Authorization: 'Bearer t0ken' } } });
      const { connack } = await handshake(transport);
      expect(connack).toEqual(CONNACK);
      expect(server.seen.url).toBe('/broker?x=1');
      expect(server.seen.headers?.authorization).toBe('Bearer t0ken');
      expect(server.seen.headers?.['sec-websocket-protocol']).toBe('mqtt');
      expect(server.seen.headers?.['sec-websocket-extensions']).toBeUndefined(); // no permessage-deflate
      expect(frames[0].isBinary).toBe(true);
      await until(() => server.seen.closeCode !== undefined);
      expect(server.seen.closeCode).toBe(1000); // end() closes normally
    } finally {
      await server.close();
    }
  });

  it('offers the subprotocols given', async () => {
    const server = await startWsServer((socket) => socket.close(1000));
    try {
      await new Promise<void>((resolve, reject) => local(server.port, { ws: { protocols: ['mqttv3.1', 'mqtt'] } }).subscribe({ error: reject, complete: resolve }));
      expect(server.seen.headers?.['sec-websocket-protocol']).toBe('mqttv3.1,mqtt');
      expect(server.seen.protocol).toBe('mqttv3.1');
    } finally {
      await server.close();
    }
  });

  it('refuses a text frame from the broker with protocol-error [MQTT-6.0.0-1]', async () => {
    const server = await startWsServer((socket) => socket.send('CONNACK'));
    try {
      const error = await failure(local(server.port));
      expect(error).toBeInstanceOf(MqttError);
      expect(error).toMatchObject({ code: 'protocol-error', rule: 'MQTT-6.0.0-1' });
      expect((error as MqttError).message).toMatch(/text frame/);
      await until(() => server.seen.closeCode !== undefined); // and the connection is dropped
    } finally {
      await server.close();
    }
  });

  it('errors with connection-closed when the broker closes with an error code', async () => {
    const server = await startWsServer((socket) => socket.close(1011, 'broker failure'));
    try {
      const error = await failure(local(server.port));
      expect((error as MqttError).code).toBe('connection-closed');
      expect((error as MqttError).message).toMatch(/closed with WebSocket code 1011: broker failure/);
    } finally {
      await server.close();
    }
  });

  it('completes when the broker closes normally', async () => {
    const server = await startWsServer((socket) => socket.close(1000));
    try {
      await expect(new Promise((resolve, reject) => local(server.port).subscribe({ error: reject, complete: () => resolve('done') }))).resolves.toBe('done');
    } finally {
      await server.close();
    }
  });

  it('unsubscribing terminates the socket', async () => {
    const server = await startWsServer();
    try {
      let opened = false;
      const subscription = local(server.port).subscribe((event) => (opened ||= event.type === 'opened'));
      await until(() => opened && server.seen.socket !== undefined);
      subscription.unsubscribe();
      await until(() => server.seen.closeCode !== undefined);
      expect(server.seen.closeCode).toBe(1006); // no close frame: the socket was destroyed
    } finally {
      await server.close();
    }
  });

  it('reports backpressure: write returns false over 256 KiB buffered, then drained once the peer reads', async () => {
    const server = await startWsServer((socket) => socket.pause());
    try {
      let writer: SocketWriter | undefined;
      const events: SocketEvent['type'][] = [];
      const subscription = local(server.port).subscribe((event) => {
        events.push(event.type);
        if (event.type === 'opened') writer = event.writer;
      });
      await until(() => writer !== undefined && server.seen.socket !== undefined);
      const chunk = new Uint8Array(64 * 1024);
      let writes = 0;
      while (writer!.write(chunk)) {
        writes += 1;
        if (writes > 4096) throw new Error('write never returned false');
      }
      expect(writes).toBeGreaterThanOrEqual(3); // not before the high-water mark
      expect(events).not.toContain('drained');
      server.seen.socket!.resume();
      await until(() => events.includes('drained'));
      subscription.unsubscribe();
    } finally {
      await server.close();
    }
  });

  describe('refuses options it cannot use with invalid-argument', () => {
    it.each<[string, Partial<TransportOptions>, RegExp]>([
      ['a subprotocol with a space', { ws: { protocols: ['mq tt'] } }, /subprotocol/i],
      ['a header name with a space', { ws: { headers: { 'X Bad': '1' } } }, /header/i],
      ['a path without a leading slash', { ws: { path: 'mqtt' } }, /Invalid URL/],
    ])('%s', async (_name, extra, message) => {
      const error = await failure(local(1, extra));
      expect(error).toBeInstanceOf(MqttError);
      expect((error as MqttError).code).toBe('invalid-argument');
      expect((error as MqttError).message).toMatch(message);
    });

    it('a wrong passphrase for the wss client key', async () => {
      const tls = { ca: certs.ca, cert: fs.readFileSync(certs.clientCertPath, 'utf8'), key: fs.readFileSync(certs.clientKeyEncryptedPath, 'utf8'), passphrase: 'wrong' };
      const error = await failure(local(secure.wsPort!, { tls }));
      expect((error as MqttError).code).toBe('invalid-argument');
      expect((error as MqttError).message).toContain(`wss://127.0.0.1:${secure.wsPort}/mqtt`);
    });
  });
});
