/**
 * DISCONNECT (§3.14). 3.x: a bare fixed header, so only reason code 0x00 can be sent.
 * 5.0: Reason Code and properties, both optional: remaining length 0 means 0x00
 * (Normal disconnection), 1 means a reason code without properties [MQTT-3.14.2.1].
 * The encoder picks the shortest form.
 */
import { propertiesLength, readProperties, writeProperties } from '../properties';
import type { Reader } from '../reader';
import type { DisconnectPacket, ProtocolVersion } from '../types';
import { checkRemainingLength, varintLength, type Allocator } from '../writer';
import { checkNoPropertiesFor3, checkNoReasonCodeFor3, checkReasonCodeDecoded, checkReasonCodeForEncode } from './common';

function measure(p: DisconnectPacket, version: ProtocolVersion): { remaining: number; propLen: number } {
  if (version < 5) {
    checkNoPropertiesFor3(p.properties, version, 'disconnect');
    checkNoReasonCodeFor3(p.reasonCode, 'disconnect', version);
    return { remaining: 0, propLen: 0 };
  }
  checkReasonCodeForEncode('disconnect', p.reasonCode);
  const propLen = propertiesLength(p.properties, 'disconnect');
  const remaining = propLen > 0 ? 1 + varintLength(propLen) + propLen : p.reasonCode === 0 ? 0 : 1;
  checkRemainingLength(remaining, 'DISCONNECT');
  return { remaining, propLen };
}

export function disconnectLength(p: DisconnectPacket, version: ProtocolVersion): number {
  const { remaining } = measure(p, version);
  return 1 + varintLength(remaining) + remaining;
}

export function encodeDisconnect(p: DisconnectPacket, version: ProtocolVersion, out: Allocator): Uint8Array {
  const { remaining, propLen } = measure(p, version);
  const w = out.writer(1 + varintLength(remaining) + remaining);
  w.header(0xe0, remaining);
  if (remaining === 0) return w.done();
  w.u8(p.reasonCode);
  if (remaining > 1) writeProperties(w, p.properties, propLen);
  return w.done();
}

export function decodeDisconnect(r: Reader, version: ProtocolVersion): DisconnectPacket {
  if (version < 5 || r.remaining === 0) {
    r.done('DISCONNECT');
    return { type: 'disconnect', reasonCode: 0 };
  }
  const reasonCode = checkReasonCodeDecoded('disconnect', r.u8('reason code'));
  const properties = r.remaining > 0 ? readProperties(r, 'disconnect') : undefined;
  r.done('DISCONNECT');
  return properties === undefined ? { type: 'disconnect', reasonCode } : { type: 'disconnect', reasonCode, properties };
}
