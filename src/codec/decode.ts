import { MalformedPacketError } from '../errors';
import type { Packet, ProtocolVersion } from './types';

/** Decodes one whole packet (fixed header included). Throws MalformedPacketError. (stub) */
export function decodePacket(frame: Uint8Array, version: ProtocolVersion): Packet {
  void frame; void version;
  throw new MalformedPacketError('not-implemented', 'decoder not implemented yet');
}
