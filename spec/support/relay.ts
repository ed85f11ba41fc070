/**
 * A loopback TCP relay between clients and a broker, for specs that need to see or
 * steer the packets on the wire. It cuts both byte streams into MQTT packets (fixed
 * header and Remaining Length only, any version) and can:
 * - swallow packets by type in either direction (counted, never forwarded): hold back the
 *   broker's PUBACK and PUBCOMP so a client's QoS 1/2 flows surely stay in flight, or a
 *   client's PUBREC so the broker resends its PUBLISH;
 * - decode what the client sends (our FrameDecoder, when `protocolVersion` is given), so
 *   a spec sees its PUBLISH packets as they were on the wire: topic, Topic Alias, DUP;
 * - stop forwarding the client's bytes (`holdClientBytes`: the broker never sees them),
 *   and cut every connection at once (`cut`: to the client, a dropped network).
 */

import * as net from 'node:net';
import { FrameDecoder, type ProtocolVersion, type PublishPacket } from '../../src/codec';

/** MQTT control packet types (the fixed header's high nibble). */
export const PacketType = { PUBLISH: 3, PUBACK: 4, PUBREC: 5, PUBREL: 6, PUBCOMP: 7 } as const;

export interface RelayOptions {
  /** Decode the client's packets with this protocol version (see `published`). */
  protocolVersion?: ProtocolVersion;
  /** Types of packets from the client that are not forwarded to the broker. */
  dropFromClient?: readonly number[];
  /** Types of packets from the broker that are not forwarded to the client. */
  dropFromBroker?: readonly number[];
}

export interface RelayedPublish {
  /** 1 for the first connection through the relay, 2 for the next, … */
  connection: number;
  packet: PublishPacket;
  /** False when the relay held the client's bytes back (the broker never got it). */
  forwarded: boolean;
}

type Direction = 'fromClient' | 'fromBroker';

export interface Relay {
  port: number;
  /** Every PUBLISH the client sent, in order (with `protocolVersion` only). */
  readonly published: RelayedPublish[];
  /** Connections made through the relay so far. */
  connections(): number;
  /** Packets swallowed (`dropped`) or passed on (`forwarded`) so far, by direction and type. */
  dropped(direction: Direction, type: number): number;
  forwarded(direction: Direction, type: number): number;
  /** Stop forwarding client → broker on the open connections (broker → client still flows). */
  holdClientBytes(): void;
  /** Destroy every relayed connection; later connections forward normally. */
  cut(): void;
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

export function startRelay(targetPort: number, options: RelayOptions = {}): Promise<Relay> {
  const { protocolVersion, dropFromClient = [], dropFromBroker = [] } = options;
  const published: RelayedPublish[] = [];
  const sockets = new Set<net.Socket>();
  const counts = new Map<string, number>();
  const bump = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  let connection = 0;
  let holding = false;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // a cut connection errors; the spec looks at what arrived
  };
  const pipe = (from: net.Socket, to: net.Socket, direction: Direction, drop: readonly number[], decode?: (packet: Buffer) => void) =>
    from.on(
      'data',
      splitter((packet) => {
        decode?.(packet);
        const type = packet[0] >> 4;
        if (drop.includes(type) || (direction === 'fromClient' && holding)) {
          bump(`${direction}:drop:${type}`);
          return;
        }
        bump(`${direction}:fwd:${type}`);
        to.write(Buffer.from(packet));
      }),
    );

  const server = net.createServer((client) => {
    const number = ++connection;
    holding = false;
    track(client);
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    track(upstream);
    const decoder = protocolVersion === undefined ? undefined : new FrameDecoder({ protocolVersion });
    const decode = decoder && ((bytes: Buffer) => {
      const forwarded = !holding && !dropFromClient.includes(bytes[0] >> 4);
      const { packets, error } = decoder.push(new Uint8Array(bytes));
      for (const packet of packets) if (packet.type === 'publish') published.push({ connection: number, packet, forwarded });
      if (error) published.push({ connection: number, packet: { type: 'publish', topic: `MALFORMED: ${error.message}`, payload: new Uint8Array(), qos: 0, retain: false, dup: false }, forwarded });
    });
    pipe(client, upstream, 'fromClient', dropFromClient, decode);
    pipe(upstream, client, 'fromBroker', dropFromBroker);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const { port } = server.address() as net.AddressInfo;
      let closing: Promise<void> | undefined;
      resolve({
        port,
        published,
        connections: () => connection,
        dropped: (direction, type) => counts.get(`${direction}:drop:${type}`) ?? 0,
        forwarded: (direction, type) => counts.get(`${direction}:fwd:${type}`) ?? 0,
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
