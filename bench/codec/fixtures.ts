/**
 * The codec benchmark's rows: the packets each row encodes, in our model. The
 * mqtt-packet objects are derived from them with the differential tests' mapping, so
 * both libraries encode the same packets.
 */
import type { Packet, ProtocolVersion, QoS } from '../../src/codec';

export interface Row {
  name: string;
  version: ProtocolVersion;
  /** One batch: encoded in a loop, and (concatenated many times) the decode stream. */
  packets: Packet[];
}

/** Packet ids vary (1..BATCH) so neither library benefits from one cached id. */
const BATCH = 64;

function payload(size: number): Uint8Array {
  const p = new Uint8Array(size);
  for (let i = 0; i < size; i++) p[i] = 0x20 + (i % 95);
  return p;
}

function publishes(size: number, version: ProtocolVersion, withProperties: boolean): Packet[] {
  const body = payload(size);
  return Array.from({ length: BATCH }, (_, i): Packet => {
    const p: Packet = {
      type: 'publish', topic: 'sensors/building-7/room-42/temperature', payload: body,
      qos: 1 as QoS, retain: false, dup: false, packetId: i + 1,
    };
    if (withProperties) {
      p.properties = {
        contentType: 'application/json',
        messageExpiryInterval: 3600,
        userProperties: [['trace-id', '4bf92f3577b34da6']],
      };
    }
    return p;
  });
}

/** The acks a busy client sees: a QoS 1 and a QoS 2 flow, keepalive, a subscription. */
function acks(version: ProtocolVersion): Packet[] {
  const out: Packet[] = [];
  for (let i = 1; out.length < BATCH; i++) {
    out.push({ type: 'puback', packetId: i, reasonCode: 0 });
    out.push({ type: 'pubrec', packetId: i, reasonCode: 0 });
    out.push({ type: 'pubrel', packetId: i, reasonCode: 0 });
    out.push({ type: 'pubcomp', packetId: i, reasonCode: 0 });
    out.push({ type: 'pingresp' });
    out.push({ type: 'suback', packetId: i, reasonCodes: version === 5 ? [0, 1, 0x87] : [0, 1, 0x80] });
  }
  return out.slice(0, BATCH);
}

export const ROWS: readonly Row[] = [
  { name: 'PUBLISH 64 B, 3.1.1', version: 4, packets: publishes(64, 4, false) },
  { name: 'PUBLISH 1 KiB, 3.1.1', version: 4, packets: publishes(1024, 4, false) },
  { name: 'PUBLISH 64 B + props, 5.0', version: 5, packets: publishes(64, 5, true) },
  { name: 'PUBLISH 1 KiB + props, 5.0', version: 5, packets: publishes(1024, 5, true) },
  { name: 'acks mix, 3.1.1', version: 4, packets: acks(4) },
  { name: 'acks mix, 5.0', version: 5, packets: acks(5) },
];
