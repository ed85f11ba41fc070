/**
 * Checks shared by several packets' encoders and decoders. Encoders throw
 * PacketEncodeError (we were asked to send something the spec forbids); decoders throw
 * MalformedPacketError (the peer sent it).
 */
import { MalformedPacketError, PacketEncodeError } from '../../errors';
import { hasProperties } from '../properties';
import { isReasonCodeAllowed } from '../reason-codes';
import type { PacketType, Properties, ProtocolVersion, QoS } from '../types';

/** Packet Identifier on encode: an integer 1..65535 [MQTT-2.2.1-3]. */
export function checkPacketIdForEncode(id: number | undefined, type: PacketType): number {
  if (id === undefined) throw new PacketEncodeError('MQTT-2.2.1-3', `${type} needs a packetId`);
  if (!Number.isInteger(id) || id < 1 || id > 0xffff) {
    throw new PacketEncodeError('MQTT-2.2.1-3', `${type} packetId must be an integer in 1..65535, got ${id}`);
  }
  return id;
}

/** Packet Identifier on decode: non-zero [MQTT-2.2.1-3]. */
export function checkPacketIdDecoded(id: number, type: PacketType): number {
  if (id === 0) throw new MalformedPacketError('MQTT-2.2.1-3', `${type} has packet identifier 0`);
  return id;
}

export function checkQoSForEncode(qos: number, what: string): QoS {
  if (qos !== 0 && qos !== 1 && qos !== 2) throw new PacketEncodeError('MQTT-3.3.1-4', `${what} QoS must be 0, 1 or 2, got ${qos}`);
  return qos;
}

/** Properties exist only in MQTT 5; refuse them for 3.x rather than drop them silently. */
export function checkNoPropertiesFor3(props: Properties | undefined, version: ProtocolVersion, type: PacketType): void {
  if (version < 5 && hasProperties(props)) {
    throw new PacketEncodeError('properties require MQTT 5', `${type} properties cannot be sent with protocol level ${version}`);
  }
}

export function checkReasonCodeForEncode(type: PacketType, code: number): void {
  if (!isReasonCodeAllowed(type, code)) {
    throw new PacketEncodeError('reason code', `reason code 0x${hex(code)} is not valid in ${type}`);
  }
}

export function checkReasonCodeDecoded(type: PacketType, code: number): number {
  if (!isReasonCodeAllowed(type, code)) {
    throw new MalformedPacketError('reason code', `reason code 0x${hex(code)} is not valid in ${type}`);
  }
  return code;
}

/** 3.x has no reason codes in this packet: only "success" can be encoded. */
export function checkNoReasonCodeFor3(code: number, type: PacketType, version: ProtocolVersion): void {
  if (code !== 0) {
    throw new PacketEncodeError('reason code not expressible in 3.x', `${type} reason code 0x${hex(code)} cannot be sent with protocol level ${version}`);
  }
}

export function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
