/**
 * AUTH (§3.15), MQTT 5 only. Remaining length 0 means reason code 0x00 (Success) and
 * no properties [MQTT-3.15.2.1]; otherwise a reason code and a property block. The
 * spec only allows omitting both together, so a non-zero code is always followed by
 * a property length (0 if there are none). On decode, a lone reason code (remaining
 * length 1) is accepted, as for DISCONNECT, since it is unambiguous.
 */
import { PacketEncodeError } from '../../errors';
import { propertiesLength, readProperties, writeProperties } from '../properties';
import type { Reader } from '../reader';
import type { AuthPacket, ProtocolVersion } from '../types';
import { checkRemainingLength, varintLength, type Allocator } from '../writer';
import { checkReasonCodeDecoded, checkReasonCodeForEncode } from './common';

function measure(p: AuthPacket, version: ProtocolVersion): { remaining: number; propLen: number } {
  if (version < 5) throw new PacketEncodeError('AUTH requires MQTT 5', `AUTH cannot be sent with protocol level ${version}`);
  checkReasonCodeForEncode('auth', p.reasonCode);
  const propLen = propertiesLength(p.properties, 'auth');
  const remaining = propLen === 0 && p.reasonCode === 0 ? 0 : 1 + varintLength(propLen) + propLen;
  checkRemainingLength(remaining, 'AUTH');
  return { remaining, propLen };
}

export function authLength(p: AuthPacket, version: ProtocolVersion): number {
  const { remaining } = measure(p, version);
  return 1 + varintLength(remaining) + remaining;
}

export function encodeAuth(p: AuthPacket, version: ProtocolVersion, out: Allocator): Uint8Array {
  const { remaining, propLen } = measure(p, version);
  const w = out.writer(1 + varintLength(remaining) + remaining);
  w.header(0xf0, remaining);
  if (remaining === 0) return w.done();
  w.u8(p.reasonCode);
  writeProperties(w, p.properties, propLen);
  return w.done();
}

/** Only called for version 5: the dispatcher rejects type 15 in 3.x. */
export function decodeAuth(r: Reader): AuthPacket {
  if (r.remaining === 0) return { type: 'auth', reasonCode: 0 };
  const reasonCode = checkReasonCodeDecoded('auth', r.u8('reason code'));
  const properties = r.remaining > 0 ? readProperties(r, 'auth') : undefined;
  r.done('AUTH');
  return properties === undefined ? { type: 'auth', reasonCode } : { type: 'auth', reasonCode, properties };
}
