import * as net from 'node:net';
import { MqttError } from '../../src/errors';
import { tcpTransport, type SocketEvent, type SocketWriter } from '../../src/transport';
import { startAedes } from '../support/aedes';
import { requireMosquitto, startMosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { failure, handshake } from './helpers';

const CONNACK = [0x20, 0x02, 0x00, 0x00];

/** A plain TCP server on loopback; `connections` lists the server-side sockets. */
async function startServer(onConnection: (socket: net.Socket) => void = () => undefined) {
  const connections: net.Socket[] = [];
  const server = net.createServer((socket) => {
    connections.push(socket);
    socket.on('error', () => undefined); // resets are expected in these tests
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of connections) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('tcpTransport', () => {
  it('connects to aedes: CONNECT gets CONNACK, end() completes', async () => {
    const aedes = await startAedes();
    try {
      const { connack, opened } = await handshake(tcpTransport({ host: '127.0.0.1', port: aedes.port }));
      expect(connack).toEqual(CONNACK);
      expect(opened.remoteAddress).toBe('127.0.0.1');
      expect(opened.remotePort).toBe(aedes.port);
      expect(opened.localAddress).toBe('127.0.0.1');
      expect(opened.localPort).toEqual(expect.any(Number));
    } finally {
      await aedes.close();
    }
  });

  describe('with mosquitto', () => {
    beforeAll(() => {
      requireMosquitto();
    });

    it('connects: CONNECT gets CONNACK, end() completes', async () => {
      const mosquitto = await startMosquitto();
      try {
        const { connack } = await handshake(tcpTransport({ host: '127.0.0.1', port: mosquitto.port }));
        expect(connack).toEqual(CONNACK);
      } finally {
        await mosquitto.close();
      }
    });
  });

  it('is cold: each subscription dials its own socket', async () => {
    const server = await startServer();
    try {
      const transport = tcpTransport({ host: '127.0.0.1', port: server.port });
      const opened: string[] = [];
      const a = transport.subscribe((event) => opened.push(event.type));
      const b = transport.subscribe((event) => opened.push(event.type));
      await until(() => opened.length === 2 && server.connections.length === 2);
      a.unsubscribe();
      b.unsubscribe();
    } finally {
      await server.close();
    }
  });

  it('fails with connection-closed naming host:port on ECONNREFUSED', async () => {
    const port = await freePort(); // free, so nothing listens there
    const error = await failure(tcpTransport({ host: '127.0.0.1', port }));
    expect(error).toBeInstanceOf(MqttError);
    expect((error as MqttError).code).toBe('connection-closed');
    expect((error as MqttError).message).toContain(`127.0.0.1:${port}`);
    expect((error as MqttError).message).toContain('ECONNREFUSED');
    expect(((error as MqttError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('fails with connection-closed when the peer resets the connection', async () => {
    const server = await startServer((socket) => socket.resetAndDestroy());
    try {
      const error = await failure(tcpTransport({ host: '127.0.0.1', port: server.port }));
      expect((error as MqttError).code).toBe('connection-closed');
      expect((error as MqttError).message).toMatch(/ECONNRESET/);
    } finally {
      await server.close();
    }
  });

  it('completes when the peer closes cleanly, after delivering its data', async () => {
    const server = await startServer((socket) => socket.end(Uint8Array.from([1, 2, 3])));
    try {
      const events: SocketEvent[] = [];
      await new Promise<void>((resolve, reject) =>
        tcpTransport({ host: '127.0.0.1', port: server.port }).subscribe({
          next: (event) => events.push(event),
          error: reject,
          complete: resolve,
        }),
      );
      expect(events[0].type).toBe('opened');
      const bytes = events.flatMap((e) => (e.type === 'data' ? [...e.bytes] : []));
      expect(bytes).toEqual([1, 2, 3]);
    } finally {
      await server.close();
    }
  });

  it('refuses an invalid port with invalid-argument', async () => {
    const error = await failure(tcpTransport({ host: '127.0.0.1', port: 70000 }));
    expect((error as MqttError).code).toBe('invalid-argument');
    expect((error as MqttError).message).toContain('127.0.0.1:70000');
  });

  it('destroys the socket when unsubscribed', async () => {
    const server = await startServer();
    try {
      let opened = false;
      const subscription = tcpTransport({ host: '127.0.0.1', port: server.port }).subscribe((event) => {
        if (event.type === 'opened') opened = true;
      });
      await until(() => opened && server.connections.length === 1);
      const serverSide = server.connections[0];
      const serverSawClose = new Promise((resolve) => serverSide.once('close', resolve));
      subscription.unsubscribe();
      await serverSawClose;
    } finally {
      await server.close();
    }
  });

  it('unsubscribing while dialling aborts the dial without an error', async () => {
    const server = await startServer();
    try {
      const errors: unknown[] = [];
      const subscription = tcpTransport({ host: '127.0.0.1', port: server.port }).subscribe({ error: (e) => errors.push(e) });
      subscription.unsubscribe();
      // A later connection proves the server is fine; the aborted one never opened.
      const { port } = server;
      await new Promise<void>((resolve) => net.connect({ host: '127.0.0.1', port }, function (this: net.Socket) { this.destroy(); resolve(); }));
      expect(errors).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('reports backpressure: write returns false, then drained once the peer reads', async () => {
    const server = await startServer((socket) => socket.pause());
    try {
      let writer: SocketWriter | undefined;
      const events: string[] = [];
      const subscription = tcpTransport({ host: '127.0.0.1', port: server.port }).subscribe((event) => {
        events.push(event.type);
        if (event.type === 'opened') writer = event.writer;
      });
      await until(() => writer !== undefined && server.connections.length === 1);
      const chunk = new Uint8Array(64 * 1024);
      let writes = 0;
      // The kernel buffers some megabytes; the bound only stops a broken test.
      while (writer!.write(chunk)) {
        writes += 1;
        if (writes > 4096) throw new Error('write never returned false');
      }
      expect(events).not.toContain('drained');
      server.connections[0].resume();
      await until(() => events.includes('drained'));
      subscription.unsubscribe();
    } finally {
      await server.close();
    }
  });

  it('honours bindAddress and bindPort', async () => {
    const server = await startServer();
    try {
      const bindPort = await freePort();
      let opened: Extract<SocketEvent, { type: 'opened' }> | undefined;
      const subscription = tcpTransport({ host: '127.0.0.1', port: server.port, bindAddress: '127.0.0.1', bindPort }).subscribe(
        (event) => {
          if (event.type === 'opened') opened = event;
        },
      );
      await until(() => opened !== undefined && server.connections.length === 1);
      expect(opened?.localAddress).toBe('127.0.0.1');
      expect(opened?.localPort).toBe(bindPort);
      expect(server.connections[0].remotePort).toBe(bindPort);
      subscription.unsubscribe();
    } finally {
      await server.close();
    }
  });
});
