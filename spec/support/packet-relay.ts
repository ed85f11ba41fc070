/**
 * A loopback TCP relay between clients and a broker that cuts the byte streams into MQTT
 * packets (fixed header and Remaining Length only, any version) and can swallow packets
 * by type in either direction: e.g. hold back the broker's PUBACK and PUBCOMP so a
 * client's QoS 1/2 flows surely stay in flight, or a client's PUBREC so the broker
 * resends its PUBLISH. Swallowed packets are counted, never forwarded.
 */

import * as net from 'node:net';

/** MQTT control packet types (the fixed header's high nibble). */
export const PacketType = { PUBLISH: 3, PUBACK: 4, PUBREC: 5, PUBREL: 6, PUBCOMP: 7 } as const;

export interface PacketRelayOptions {
  /** Types of packets from the client that are not forwarded to the broker. */
  dropFromClient?: readonly number[];
  /** Types of packets from the broker that are not forwarded to the client. */
  dropFromBroker?: readonly number[];
}

export interface PacketRelay {
  port: number;
  /** Packets swallowed so far, by direction and type. */
  dropped(direction: 'fromClient' | 'fromBroker', type: number): number;
  /** Packets forwarded so far, by direction and type. */
  forwarded(direction: 'fromClient' | 'fromBroker', type: number): number;
  close(): Promise<void>;
}

/** Splits a byte stream into whole MQTT packets. */
function splitter(onPacket: (packet: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      if (pending.length < 2) return;
      let length = 0;
      let multiplier = 1;
      let i = 1;
      for (;;) {
        if (i >= pending.length) return;
        const byte = pending[i++];
        length += (byte & 127) * multiplier;
        multiplier *= 128;
        if ((byte & 128) === 0) break;
      }
      if (pending.length < i + length) return;
      onPacket(pending.subarray(0, i + length));
      pending = pending.subarray(i + length);
    }
  };
}

export function startPacketRelay(targetPort: number, options: PacketRelayOptions = {}): Promise<PacketRelay> {
  const sockets = new Set<net.Socket>();
  const counts = new Map<string, number>();
  const bump = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const pipe = (from: net.Socket, to: net.Socket, direction: 'fromClient' | 'fromBroker', drop: readonly number[]) =>
    from.on(
      'data',
      splitter((packet) => {
        const type = packet[0] >> 4;
        if (drop.includes(type)) {
          bump(`${direction}:drop:${type}`);
          return;
        }
        bump(`${direction}:fwd:${type}`);
        to.write(Buffer.from(packet));
      }),
    );
  const server = net.createServer((client) => {
    track(client);
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    track(upstream);
    pipe(client, upstream, 'fromClient', options.dropFromClient ?? []);
    pipe(upstream, client, 'fromBroker', options.dropFromBroker ?? []);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const { port } = server.address() as net.AddressInfo;
      resolve({
        port,
        dropped: (direction, type) => counts.get(`${direction}:drop:${type}`) ?? 0,
        forwarded: (direction, type) => counts.get(`${direction}:fwd:${type}`) ?? 0,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          }),
      });
    });
  });
}
