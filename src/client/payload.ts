/**
 * Payload conversion at the API edge: what users may pass to `publish()` becomes the
 * `Uint8Array` the codec writes. Paho accepts str, bytes, bytearray, int and float
 * (numbers are sent as their decimal text) and None (empty); so do we.
 */

import { MqttError } from '../errors';

export type Payload = string | Uint8Array | ArrayBuffer | ArrayBufferView | number | null | undefined;

const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** Largest payload a PUBLISH can carry: the remaining-length limit less the smallest header. */
export const MAX_PAYLOAD = 268_435_455;

/** Converts a user payload to bytes, or returns a typed error. Strings must be well-formed UTF-16. */
export function toPayloadBytes(payload: Payload): Uint8Array | MqttError {
  if (payload === null || payload === undefined) return EMPTY;
  if (payload instanceof Uint8Array) return payload;
  if (typeof payload === 'string') {
    if (!isWellFormed(payload)) {
      return new MqttError('invalid-argument', 'Payload string contains a lone surrogate: it is not valid UTF-8');
    }
    return utf8.encode(payload);
  }
  if (typeof payload === 'number') {
    if (!Number.isFinite(payload)) return new MqttError('invalid-argument', `Payload number ${payload} is not finite`);
    return utf8.encode(String(payload));
  }
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  if (ArrayBuffer.isView(payload)) return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  return new MqttError('invalid-argument', `Unsupported payload type: ${typeof payload}`);
}

/** True when the string has no lone surrogates (String.prototype.isWellFormed is ES2024). */
export function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c >= 0xdc00) return false;
    const d = s.charCodeAt(i + 1);
    if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
    i++;
  }
  return true;
}
