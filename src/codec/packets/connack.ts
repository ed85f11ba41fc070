/**
 * CONNACK (§3.2): Connect Acknowledge Flags (bit 0 Session Present, bits 7-1 reserved
 * [MQTT-3.2.2-1]), then the 3.x Return Code or the 5.0 Reason Code, then (5.0) the
 * properties. The model always carries the 5.0 reason code; 3.x return codes are
 * mapped both ways by reason-codes.ts, which refuses what 3.x cannot say.
 * MQTT 3.1 has no Session Present flag: it cannot be sent at level 3.
 */
import { MalformedPacketError, PacketEncodeError } from '../../errors';
import { propertiesLength, readProperties, writeProperties } from '../properties';
import { connackReturnCodeToReasonCode, reasonCodeToConnackReturnCode } from '../reason-codes';
import type { Reader } from '../reader';
import type { ConnAckPacket, ProtocolVersion } from '../types';
import { checkRemainingLength, varintLength, type Allocator } from '../writer';
import { checkNoPropertiesFor3, checkReasonCodeDecoded, checkReasonCodeForEncode, hex } from './common';

function measure(p: ConnAckPacket, version: ProtocolVersion): { remaining: number; propLen: number; code: number } {
  if (version < 5) {
    checkNoPropertiesFor3(p.properties, version, 'connack');
    const code = reasonCodeToConnackReturnCode(p.reasonCode);
    if (code === undefined) {
      throw new PacketEncodeError('reason code not expressible in 3.x', `CONNACK reason code 0x${hex(p.reasonCode)} has no 3.x return code`);
    }
    if (version === 3 && p.sessionPresent) throw new PacketEncodeError('session present in 3.1', 'MQTT 3.1 has no Session Present flag');
    return { remaining: 2, propLen: 0, code };
  }
  checkReasonCodeForEncode('connack', p.reasonCode);
  const propLen = propertiesLength(p.properties, 'connack');
  const remaining = 2 + varintLength(propLen) + propLen;
  checkRemainingLength(remaining, 'CONNACK');
  return { remaining, propLen, code: p.reasonCode };
}

export function connackLength(p: ConnAckPacket, version: ProtocolVersion): number {
  const { remaining } = measure(p, version);
  return 1 + varintLength(remaining) + remaining;
}

export function encodeConnack(p: ConnAckPacket, version: ProtocolVersion, out: Allocator): Uint8Array {
  const { remaining, propLen, code } = measure(p, version);
  const w = out.writer(1 + varintLength(remaining) + remaining);
  w.header(0x20, remaining);
  w.u8(p.sessionPresent ? 1 : 0);
  w.u8(code);
  if (version === 5) writeProperties(w, p.properties, propLen);
  return w.done();
}

export function decodeConnack(r: Reader, version: ProtocolVersion): ConnAckPacket {
  const ackFlags = r.u8('connect acknowledge flags');
  if ((ackFlags & 0xfe) !== 0) throw new MalformedPacketError('MQTT-3.2.2-1', 'CONNACK reserved flag bits are set');
  const sessionPresent = (ackFlags & 1) === 1;
  const raw = r.u8('reason code');
  if (version < 5) {
    r.done('CONNACK');
    const reasonCode = connackReturnCodeToReasonCode(raw);
    if (reasonCode === undefined) throw new MalformedPacketError('MQTT-3.2.2.3', `CONNACK return code ${raw} is reserved`);
    return { type: 'connack', sessionPresent, reasonCode };
  }
  // A broker that does not speak 5.0 answers a 5.0 CONNECT with a 3.1.1 CONNACK: return
  // code 1, "unacceptable protocol version", and no properties (5.0 §3.1.2.2 allows it;
  // aedes 1.x does it). Read it as the refusal it is, 0x84, rather than as malformed.
  if (r.remaining === 0 && raw >= 1 && raw <= 5) {
    return { type: 'connack', sessionPresent, reasonCode: connackReturnCodeToReasonCode(raw)! };
  }
  const reasonCode = checkReasonCodeDecoded('connack', raw);
  const properties = readProperties(r, 'connack');
  r.done('CONNACK');
  const packet: ConnAckPacket = { type: 'connack', sessionPresent, reasonCode };
  if (properties !== undefined) packet.properties = properties;
  return packet;
}
