/** PINGREQ and PINGRESP (§3.12, §3.13): a fixed header and nothing else. */
import type { Reader } from '../reader';
import type { PingReqPacket, PingRespPacket } from '../types';

export function encodePing(type: 'pingreq' | 'pingresp'): Uint8Array {
  const b = new Uint8Array(2);
  b[0] = type === 'pingreq' ? 0xc0 : 0xd0;
  return b;
}

export function decodePing<T extends 'pingreq' | 'pingresp'>(type: T, r: Reader): T extends 'pingreq' ? PingReqPacket : PingRespPacket;
export function decodePing(type: 'pingreq' | 'pingresp', r: Reader): PingReqPacket | PingRespPacket {
  r.done(type.toUpperCase());
  return { type };
}
