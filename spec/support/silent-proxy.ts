/**
 * A loopback TCP proxy that can go silent: it keeps both sockets open but stops
 * forwarding in both directions. To a client this is a broker that vanished without a
 * FIN or RST (a dead NAT entry, a pulled cable), which only keepalive can detect.
 */

import * as net from 'node:net';

export interface SilentProxy {
  port: number;
  /** Stop forwarding both ways; bytes that arrive meanwhile are dropped. Sockets stay open. */
  silence(): void;
  /** Forward again (what was dropped stays dropped). */
  resume(): void;
  /** Bytes dropped while silent, both directions: lets a test know a write reached the proxy. */
  droppedBytes(): number;
  /** Close the listener and destroy every proxied connection. */
  close(): Promise<void>;
}

export function startSilentProxy(targetPort: number): Promise<SilentProxy> {
  let silent = false;
  let dropped = 0;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const server = net.createServer((client) => {
    track(client);
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    track(upstream);
    const forward = (from: net.Socket, to: net.Socket) => {
      from.on('data', (chunk: Buffer) => {
        if (silent) dropped += chunk.length;
        else to.write(chunk);
      });
      // Propagate close and errors so a closing broker still closes the client — unless
      // silenced: a dead broker (or a cut cable) sends no FIN either, and a broker that
      // times the client out itself must not give the client an early, clean answer.
      from.on('end', () => silent || to.end());
      from.on('error', () => silent || to.destroy());
      from.on('close', () => silent || to.destroy());
    };
    forward(client, upstream);
    forward(upstream, client);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address() as net.AddressInfo;
      let closing: Promise<void> | undefined;
      resolve({
        port: address.port,
        silence: () => void (silent = true),
        resume: () => void (silent = false),
        droppedBytes: () => dropped,
        close() {
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          });
          return closing;
        },
      });
    });
  });
}
