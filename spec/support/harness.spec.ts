import * as net from 'node:net';
import { startAedes } from './aedes';
import { requireMosquitto, startMosquitto } from './mosquitto';
import { freePort } from './ports';
import { CONNACK_ACCEPTED, rawConnect } from './raw-mqtt';
import { startSilentProxy } from './silent-proxy';
import { makeCerts } from './certs';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch {
    return false;
  }
}

describe('freePort', () => {
  it('returns a port that can be listened on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('startAedes', () => {
  it('accepts a raw CONNECT and closes cleanly', async () => {
    const aedes = await startAedes();
    try {
      expect(await rawConnect(aedes.port)).toEqual(CONNACK_ACCEPTED);
    } finally {
      await aedes.close();
    }
    expect(aedes.broker.closed).toBe(true);
    await expect(rawConnect(aedes.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('closes while a client is still connected', async () => {
    const aedes = await startAedes();
    const socket = net.connect({ host: '127.0.0.1', port: aedes.port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await aedes.close();
    await closed;
  });
});

describe('startMosquitto', () => {
  beforeAll(() => {
    requireMosquitto();
  });

  it('runs on a port distinct from aedes, accepts a raw CONNECT, and leaves no process behind', async () => {
    const aedes = await startAedes();
    const mosquitto = await startMosquitto();
    try {
      expect(mosquitto.port).not.toBe(aedes.port);
      expect(isAlive(mosquitto.pid)).toBe(true);
      expect(await rawConnect(mosquitto.port)).toEqual(CONNACK_ACCEPTED);
      expect(await rawConnect(aedes.port)).toEqual(CONNACK_ACCEPTED);
    } finally {
      await mosquitto.close();
      await aedes.close();
    }
    expect(isAlive(mosquitto.pid)).toBe(false);
    expect(mosquitto.logs()).toMatch(/mosquitto version \d+\.\d+/);
  });

  it('two brokers run side by side', async () => {
    const [a, b] = await Promise.all([startMosquitto(), startMosquitto()]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.pid).not.toBe(b.pid);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    expect(isAlive(a.pid) || isAlive(b.pid)).toBe(false);
  });

  it('fails with the logs when the config is bad', async () => {
    await expect(startMosquitto({ extraConfig: ['no_such_option 1'] })).rejects.toThrow(/mosquitto logs[\s\S]*no_such_option/i);
  });

  it('starts a TLS listener with the test certificates', async () => {
    const certs = await makeCerts();
    const mosquitto = await startMosquitto({
      tls: { certPath: certs.serverCertPath, keyPath: certs.serverKeyPath, caPath: certs.caPath },
    });
    try {
      expect(mosquitto.logs()).toMatch(new RegExp(`port ${mosquitto.port}`));
    } finally {
      await mosquitto.close();
    }
  });
});

describe('startSilentProxy', () => {
  it('forwards both ways, then stops forwarding while keeping the sockets open', async () => {
    // An echo-less target that records what it receives and can send on demand.
    const received: Buffer[] = [];
    let serverSide: net.Socket | undefined;
    const target = net.createServer((socket) => {
      serverSide = socket;
      socket.on('data', (chunk: Buffer) => received.push(chunk));
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const proxy = await startSilentProxy((target.address() as net.AddressInfo).port);
    const client = net.connect({ host: '127.0.0.1', port: proxy.port });
    const clientReceived: Buffer[] = [];
    let clientClosed = false;
    client.on('data', (chunk: Buffer) => clientReceived.push(chunk));
    client.on('close', () => (clientClosed = true));
    const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString();
    try {
      await new Promise((resolve) => client.once('connect', resolve));
      client.write('a');
      await until(() => text(received) === 'a' && serverSide !== undefined);
      serverSide!.write('1');
      await until(() => text(clientReceived) === '1');

      proxy.silence();
      client.write('b');
      serverSide!.write('2');
      await until(() => proxy.droppedBytes() === 2);
      proxy.resume();

      client.write('c');
      serverSide!.write('3');
      await until(() => text(received).length === 2 && text(clientReceived).length === 2);
      // 'b' and '2' were dropped, not delayed; the sockets stayed open throughout.
      expect(text(received)).toBe('ac');
      expect(text(clientReceived)).toBe('13');
      expect(clientClosed).toBe(false);
    } finally {
      client.destroy();
      await proxy.close();
      await new Promise<void>((resolve) => target.close(() => resolve()));
    }
  });

  it('forwards MQTT to aedes', async () => {
    const aedes = await startAedes();
    const proxy = await startSilentProxy(aedes.port);
    try {
      expect(await rawConnect(proxy.port)).toEqual(CONNACK_ACCEPTED);
    } finally {
      await proxy.close();
      await aedes.close();
    }
  });

  it('closes the client when the target closes', async () => {
    const aedes = await startAedes();
    const proxy = await startSilentProxy(aedes.port);
    const client = net.connect({ host: '127.0.0.1', port: proxy.port });
    const closed = new Promise((resolve) => client.once('close', resolve));
    await new Promise((resolve) => client.once('connect', resolve));
    await aedes.close();
    await closed;
    await proxy.close();
  });
});

/** Polls a condition every 10 ms; the jest timeout bounds it. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}
