/**
 * An in-process aedes broker on 127.0.0.1 and a free port.
 *
 * aedes 1.x is an ES module only, and this project's specs run as CommonJS inside jest's
 * module registry, which refuses `require` of ESM on Node < 24.9. So we load aedes with
 * Node's own `require` (which loads ES modules since Node 20.19/22.12), reached through
 * the worker's real `process` (`vm.runInThisContext` evaluates in the main context, not
 * jest's sandbox). aedes then runs outside jest's module registry: `jest.mock` cannot
 * reach it, which no test should want anyway.
 */

import * as net from 'node:net';
import * as vm from 'node:vm';
import type { Aedes } from 'aedes';
import { freePort } from './ports';

export interface AedesHandle {
  port: number;
  broker: Aedes;
  close(): Promise<void>;
}

interface AedesModule {
  Aedes: typeof Aedes;
}

let aedesModule: AedesModule | undefined;

function loadAedes(): AedesModule {
  if (aedesModule !== undefined) return aedesModule;
  // The worker's real process object, outside jest's sandbox (see the header).
  const realProcess = vm.runInThisContext('process') as NodeJS.Process;
  const nodeModule = realProcess.getBuiltinModule('node:module') as typeof import('node:module');
  const nodeRequire = nodeModule.createRequire(__filename);
  aedesModule = nodeRequire('aedes') as AedesModule;
  return aedesModule;
}

export async function startAedes(options: { port?: number } = {}): Promise<AedesHandle> {
  const { Aedes: AedesClass } = loadAedes();
  const broker = await AedesClass.createBroker();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  const port = options.port ?? (await freePort());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port,
    broker,
    close() {
      closing ??= (async () => {
        // Stop accepting, then close the broker: it ends every client connection,
        // so server.close() (which waits for open connections) can finish.
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        // Sockets aedes did not end (a raw client mid-handshake) must not keep us waiting.
        for (const socket of sockets) socket.destroy();
        await serverClosed;
      })();
      return closing;
    },
  };
}
