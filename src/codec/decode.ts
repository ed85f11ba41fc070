/**
 * Bytes → packet, for one whole packet (fixed header included).
 *
 * The fixed header [MQTT-2.1]: packet type (high nibble; 0 is reserved, 15 AUTH exists
 * only in 5.0), flags (low nibble; reserved values must be exactly as listed
 * [MQTT-2.1.3-1]: 0b0010 for PUBREL, SUBSCRIBE, UNSUBSCRIBE, 0 for the others, free
 * for PUBLISH), then the Remaining Length as a Variable Byte Integer. We reject a
 * varint longer than 4 bytes and, in every version, one that is not minimally encoded:
 * 5.0 requires the minimum [MQTT-1.5.5-1], 3.1.1's algorithm only produces the minimum,
 * no real encoder writes otherwise, and a unique encoding lets the frame decoder know
 * the header length from the value alone.
 *
 * Binary fields (payload, correlation data, password…) are `subarray` VIEWS into the
 * input, not copies: decoding a 1 KiB PUBLISH then costs no copy. This is safe because
 * nothing in rxmqtt writes into a buffer after decoding it: socket chunks are fresh per
 * read, and FrameDecoder allocates a fresh buffer for each packet it has to reassemble.
 * Callers of decodePacket hand over the frame: mutating it later changes the packet.
 * Only MalformedPacketError escapes from here.
 */
import { MalformedPacketError } from '../errors';
import { decodeAck } from './packets/ack';
import { decodeAuth } from './packets/auth';
import { decodeConnack } from './packets/connack';
import { decodeConnect } from './packets/connect';
import { decodeDisconnect } from './packets/disconnect';
import { decodePing } from './packets/ping';
import { decodePublish } from './packets/publish';
import { decodeSuback } from './packets/suback';
import { decodeSubscribe } from './packets/subscribe';
import { decodeUnsuback } from './packets/unsuback';
import { decodeUnsubscribe } from './packets/unsubscribe';
import { Reader } from './reader';
import type { Packet, ProtocolVersion } from './types';
import { varintLength } from './writer';

/** Required low nibble per packet type (index = type); -1 = PUBLISH, checked by its decoder. */
const REQUIRED_FLAGS = [0, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0] as const;

/**
 * Checks the first byte of a fixed header: a known packet type for this version and
 * the reserved flag bits. Exported so the frame decoder can reject before buffering.
 */
export function checkFirstByte(first: number, version: ProtocolVersion): void {
  const type = first >> 4;
  if (type === 0 || (type === 15 && version < 5)) {
    throw new MalformedPacketError('MQTT-2.1.2', `packet type ${type} is reserved${type === 15 ? ' before MQTT 5' : ''}`);
  }
  const required = REQUIRED_FLAGS[type];
  if (required >= 0 && (first & 0x0f) !== required) {
    throw new MalformedPacketError('MQTT-2.1.3-1', `packet type ${type} has flags 0b${(first & 0x0f).toString(2).padStart(4, '0')}, must be 0b${required.toString(2).padStart(4, '0')}`);
  }
}

/**
 * Parses the Remaining Length starting at `pos` (just after the first byte).
 * Returns the value, or -1 when `end` comes before the varint does. Throws on a fifth
 * byte (known at the fourth) and on a non-minimal encoding. The header is then
 * `1 + varintLength(value)` bytes long, since the encoding is minimal.
 */
export function parseRemainingLength(buf: Uint8Array, pos: number, end: number): number {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 4; i++) {
    if (pos + i >= end) return -1;
    const byte = buf[pos + i];
    value += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) {
      if (byte === 0 && i > 0) throw new MalformedPacketError('MQTT-1.5.5-1', 'remaining length is not minimally encoded');
      return value;
    }
    mul *= 128;
  }
  throw new MalformedPacketError('MQTT-1.5.5', 'remaining length is longer than 4 bytes');
}

/**
 * Decodes the packet whose first byte is `first` and whose variable header and payload
 * are buf[start, end). CONNECT ignores `version` (it carries its own level).
 */
export function decodeBody(first: number, buf: Uint8Array, start: number, end: number, version: ProtocolVersion): Packet {
  checkFirstByte(first, version);
  const r = new Reader(buf, start, end);
  switch (first >> 4) {
    case 3: return decodePublish(first & 0x0f, r, version);
    case 4: return decodeAck('puback', r, version);
    case 5: return decodeAck('pubrec', r, version);
    case 6: return decodeAck('pubrel', r, version);
    case 7: return decodeAck('pubcomp', r, version);
    case 1: return decodeConnect(r);
    case 2: return decodeConnack(r, version);
    case 8: return decodeSubscribe(r, version);
    case 9: return decodeSuback(r, version);
    case 10: return decodeUnsubscribe(r, version);
    case 11: return decodeUnsuback(r, version);
    case 12: return decodePing('pingreq', r);
    case 13: return decodePing('pingresp', r);
    case 14: return decodeDisconnect(r, version);
    case 15: return decodeAuth(r);
    // checkFirstByte has rejected 0; the nibble cannot be anything else.
    default: throw new MalformedPacketError('MQTT-2.1.2', `packet type ${first >> 4} is reserved`);
  }
}

/** Decodes exactly one whole packet. Throws MalformedPacketError. */
export function decodePacket(frame: Uint8Array, version: ProtocolVersion): Packet {
  if (frame.length < 2) throw new MalformedPacketError('remaining length', 'a packet is at least 2 bytes');
  const remaining = parseRemainingLength(frame, 1, frame.length);
  if (remaining < 0) throw new MalformedPacketError('remaining length', 'the fixed header is truncated');
  const start = 1 + varintLength(remaining);
  if (start + remaining !== frame.length) {
    throw new MalformedPacketError('remaining length', `remaining length ${remaining} but ${frame.length - start} byte(s) follow the fixed header`);
  }
  return decodeBody(frame[0], frame, start, frame.length, version);
}
