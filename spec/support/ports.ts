/** Free loopback ports for test servers. */

import * as net from 'node:net';

/**
 * A TCP port that was free on 127.0.0.1 a moment ago: the OS picks it (listen on port 0),
 * we read it and close. Another process could take it before the caller binds, which is
 * unlikely enough with the kernel's ephemeral-port rotation for tests.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('freePort: the server has no TCP address'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/**
 * Resolves once something accepts TCP connections on 127.0.0.1:port. Rejects after
 * `timeoutMs`, or as soon as `giveUp()` returns a reason (e.g. the server process died).
 */
export async function waitForPort(port: number, timeoutMs = 5000, giveUp: () => string | undefined = () => undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await canConnect(port)) return;
    const reason = giveUp();
    if (reason !== undefined) throw new Error(reason);
    if (Date.now() > deadline) throw new Error(`nothing accepted connections on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
