/** A `ws` server on loopback for the WebSocket transport specs (Node and browser). */

import type * as http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

export interface Seen {
  url?: string;
  headers?: http.IncomingHttpHeaders;
  /** The subprotocol the server chose. */
  protocol?: string;
  /** The Sec-WebSocket-Protocol header the client offered. */
  protocolHeader?: string;
  closeCode?: number;
  socket?: WebSocket;
}

/** A `ws` server on loopback that records the handshake and runs `onConnection`. */
export async function startWsServer(onConnection: (socket: WebSocket) => void = () => undefined) {
  const seen: Seen = {};
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => [...protocols][0] ?? false });
  server.on('connection', (socket, request) => {
    Object.assign(seen, {
      url: request.url,
      headers: request.headers,
      protocol: socket.protocol,
      protocolHeader: request.headers['sec-websocket-protocol'],
      socket,
    });
    socket.on('error', () => undefined);
    socket.on('close', (code) => (seen.closeCode = code));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
