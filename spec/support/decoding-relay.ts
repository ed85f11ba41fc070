/**
 * A loopback TCP relay between a client and a broker that decodes what the client sends
 * (our FrameDecoder, MQTT 5), so a test sees the PUBLISH packets as they were on the
 * wire: topic, Topic Alias, DUP. It can stop forwarding the client's bytes (the broker
 * never sees them: a QoS 1/2 PUBLISH stays in flight) and cut every connection at once
 * (both sockets destroyed: to the client, a dropped network).
 */

import * as net from 'node:net';
import { FrameDecoder, type ProtocolVersion, type PublishPacket } from '../../src/codec';

export interface RelayedPublish {
  /** 1 for the first connection through the relay, 2 for the next, … */
  connection: number;
  packet: PublishPacket;
  /** False when the relay held the client's bytes back (the broker never got it). */
  forwarded: boolean;
}

export interface DecodingRelay {
  port: number;
  /** Every PUBLISH the client sent, in order. */
  readonly published: RelayedPublish[];
  /** Connections made through the relay so far. */
  connections(): number;
  /** Stop forwarding client → broker on the open connections (broker → client still flows). */
  holdClientBytes(): void;
  /** Destroy every proxied connection; later connections forward normally. */
  cut(): void;
  close(): Promise<void>;
}

export function startDecodingRelay(targetPort: number, protocolVersion: ProtocolVersion = 5): Promise<DecodingRelay> {
  const published: RelayedPublish[] = [];
  const sockets = new Set<net.Socket>();
  let connection = 0;
  let holding = false;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // a cut connection errors; the test looks at what arrived
  };

  const server = net.createServer((client) => {
    const number = ++connection;
    holding = false;
    track(client);
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    track(upstream);
    const decoder = new FrameDecoder({ protocolVersion });
    client.on('data', (chunk: Buffer) => {
      const forwarded = !holding;
      const { packets, error } = decoder.push(new Uint8Array(chunk));
      for (const packet of packets) if (packet.type === 'publish') published.push({ connection: number, packet, forwarded });
      if (error) published.push({ connection: number, packet: { type: 'publish', topic: `MALFORMED: ${error.message}`, payload: new Uint8Array(), qos: 0, retain: false, dup: false }, forwarded });
      if (forwarded) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address() as net.AddressInfo;
      let closing: Promise<void> | undefined;
      resolve({
        port: address.port,
        published,
        connections: () => connection,
        holdClientBytes: () => void (holding = true),
        cut() {
          holding = false;
          for (const socket of sockets) socket.destroy();
        },
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
