import { PacketEncodeError } from '../errors';
import type { Packet, ProtocolVersion } from './types';

/** Encodes one packet to a fresh Uint8Array. Throws PacketEncodeError. (stub) */
export function encodePacket(packet: Packet, version: ProtocolVersion): Uint8Array {
  void packet; void version;
  throw new PacketEncodeError('not-implemented', 'encoder not implemented yet');
}

/** The exact number of bytes encodePacket would return. (stub) */
export function encodedLength(packet: Packet, version: ProtocolVersion): number {
  void packet; void version;
  throw new PacketEncodeError('not-implemented', 'encoder not implemented yet');
}
