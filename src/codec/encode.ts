/**
 * Packet → bytes. Each packet file computes its exact size first, takes exactly that
 * many bytes from an Allocator and writes into them; this module only dispatches on
 * `type`. `encodePacket` allocates a fresh Uint8Array per packet; `Encoder`
 * (encoder.ts) calls `encodeInto` with itself as the Allocator to use a shared slab.
 * Throws PacketEncodeError (code 'invalid-packet', or 'packet-too-large' when the
 * remaining length would exceed 268,435,455 bytes) for anything the spec forbids;
 * nothing is returned in that case.
 */
import { PacketEncodeError } from '../errors';
import { assertNever } from '../util/assert-never';
import { ackLength, encodeAck } from './packets/ack';
import { authLength, encodeAuth } from './packets/auth';
import { connackLength, encodeConnack } from './packets/connack';
import { connectLength, encodeConnect } from './packets/connect';
import { disconnectLength, encodeDisconnect } from './packets/disconnect';
import { encodePing } from './packets/ping';
import { encodePublish, publishLength } from './packets/publish';
import { encodeSuback, subackLength } from './packets/suback';
import { encodeSubscribe, subscribeLength } from './packets/subscribe';
import { encodeUnsuback, unsubackLength } from './packets/unsuback';
import { encodeUnsubscribe, unsubscribeLength } from './packets/unsubscribe';
import type { Packet, ProtocolVersion } from './types';
import { FRESH_ALLOCATION, type Allocator } from './writer';

function checkVersion(version: ProtocolVersion): void {
  if (version !== 3 && version !== 4 && version !== 5) {
    throw new PacketEncodeError('MQTT-3.1.2-2', `unknown protocol version ${String(version)}`);
  }
}

/**
 * Encodes one packet for the given protocol version into a fresh Uint8Array of exactly
 * its size, owned by the caller. CONNECT is encoded by its own `protocolVersion` (it is
 * the packet that announces the version). For many packets, `Encoder` is faster.
 */
export function encodePacket(packet: Packet, version: ProtocolVersion): Uint8Array {
  return encodeInto(packet, version, FRESH_ALLOCATION);
}

/** Encodes `packet` into bytes taken from `out`; see encodePacket. */
export function encodeInto(packet: Packet, version: ProtocolVersion, out: Allocator): Uint8Array {
  // The hot paths first, before any other work.
  if (packet.type === 'publish') {
    checkVersion(version);
    return encodePublish(packet, version, out);
  }
  checkVersion(version);
  switch (packet.type) {
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return encodeAck(packet, version, out);
    case 'connect': return encodeConnect(packet, out);
    case 'connack': return encodeConnack(packet, version, out);
    case 'subscribe': return encodeSubscribe(packet, version, out);
    case 'suback': return encodeSuback(packet, version, out);
    case 'unsubscribe': return encodeUnsubscribe(packet, version, out);
    case 'unsuback': return encodeUnsuback(packet, version, out);
    case 'pingreq':
    case 'pingresp':
      return encodePing(packet.type, out);
    case 'disconnect': return encodeDisconnect(packet, version, out);
    case 'auth': return encodeAuth(packet, version, out);
    default: return assertNever(packet, 'Unknown packet type');
  }
}

/**
 * The exact byte length `encodePacket(packet, version)` would return, without
 * allocating it; throws the same PacketEncodeError it would. Useful to check a
 * packet against the peer's Maximum Packet Size before sending it.
 */
export function encodedLength(packet: Packet, version: ProtocolVersion): number {
  checkVersion(version);
  switch (packet.type) {
    case 'publish': return publishLength(packet, version);
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return ackLength(packet, version);
    case 'connect': return connectLength(packet);
    case 'connack': return connackLength(packet, version);
    case 'subscribe': return subscribeLength(packet, version);
    case 'suback': return subackLength(packet, version);
    case 'unsubscribe': return unsubscribeLength(packet, version);
    case 'unsuback': return unsubackLength(packet, version);
    case 'pingreq':
    case 'pingresp':
      return 2;
    case 'disconnect': return disconnectLength(packet, version);
    case 'auth': return authLength(packet, version);
    default: return assertNever(packet, 'Unknown packet type');
  }
}
