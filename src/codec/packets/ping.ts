/** PINGREQ and PINGRESP (§3.12, §3.13): a fixed header and nothing else. */
import type { Reader } from '../reader';
import type { PingReqPacket, PingRespPacket } from '../types';
import type { Allocator } from '../writer';

export function encodePing(type: 'pingreq' | 'pingresp', out: Allocator): Uint8Array {
  const w = out.writer(2);
  w.u8(type === 'pingreq' ? 0xc0 : 0xd0);
  w.u8(0);
  return w.done();
}

export function decodePing<T extends 'pingreq' | 'pingresp'>(type: T, r: Reader): T extends 'pingreq' ? PingReqPacket : PingRespPacket;
export function decodePing(type: 'pingreq' | 'pingresp', r: Reader): PingReqPacket | PingRespPacket {
  r.done(type.toUpperCase());
  return { type };
}
