/**
 * The `ws` option, validated at the edge: what reaches the WebSocket handshake must be
 * a valid request path, valid HTTP header fields [RFC 9110 §5] and valid subprotocol
 * tokens [RFC 6455 §4.1], or the constructor refuses it with `invalid-argument`.
 * Platform-neutral: the browser transport will take the same resolved options.
 */

import { MqttError } from '../errors';
import type { BrokerProtocol, WebSocketOptions } from '../transport/types';

const invalid = (message: string): MqttError => new MqttError('invalid-argument', message);

/** An HTTP token (header names, subprotocols): visible ASCII without separators. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A request path: starts with `/`, visible ASCII only (percent-encode the rest), no fragment. */
const PATH = /^\/[\x21-\x22\x24-\x7e]*$/;
/** A header value: no control characters besides tab (no CR/LF: no header injection). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\uffff]*$/;
/** Headers the WebSocket handshake sets itself. */
const HANDSHAKE_HEADERS = new Set(['connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions']);

/**
 * The resolved `ws` options for a `ws://`/`wss://` broker: the option's `path` wins over
 * the URL's (as `host`/`port` win over the URL's). Undefined for other protocols; a
 * `ws` option with them is refused, since it would silently do nothing.
 */
export function resolveWebSocket(
  ws: WebSocketOptions | undefined,
  protocol: BrokerProtocol,
  urlPath: string | undefined,
): WebSocketOptions | undefined {
  if (protocol !== 'ws' && protocol !== 'wss') {
    if (ws !== undefined) throw invalid(`The ws option needs a ws:// or wss:// url (the broker protocol is ${protocol})`);
    return undefined;
  }
  if (ws !== undefined && (typeof ws !== 'object' || ws === null)) throw invalid('ws must be an object { path?, headers?, protocols? }');
  const path = ws?.path ?? urlPath ?? '/mqtt';
  if (typeof path !== 'string' || !PATH.test(path)) {
    throw invalid(`ws.path must start with "/" and hold visible ASCII only (no "#"), got ${JSON.stringify(path)}`);
  }
  const resolved: WebSocketOptions = { path };
  if (ws?.headers !== undefined) resolved.headers = checkHeaders(ws.headers);
  if (ws?.protocols !== undefined) resolved.protocols = checkProtocols(ws.protocols);
  return resolved;
}

function checkHeaders(headers: unknown): Record<string, string> {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) throw invalid('ws.headers must be an object of header names to strings');
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) throw invalid(`ws.headers: "${name}" is not a valid HTTP header name`);
    if (HANDSHAKE_HEADERS.has(name.toLowerCase())) throw invalid(`ws.headers: ${name} is set by the WebSocket handshake (subprotocols go in ws.protocols)`);
    if (typeof value !== 'string' || !HEADER_VALUE.test(value)) throw invalid(`ws.headers: the value of ${name} must be a string without control characters`);
    result[name] = value;
  }
  return result;
}

function checkProtocols(protocols: unknown): string[] {
  if (!Array.isArray(protocols) || protocols.length === 0) throw invalid('ws.protocols must be a non-empty array of subprotocol names');
  const seen = new Set<string>();
  for (const protocol of protocols as unknown[]) {
    if (typeof protocol !== 'string' || !TOKEN.test(protocol)) throw invalid(`ws.protocols: ${JSON.stringify(protocol)} is not a valid subprotocol name`);
    if (seen.has(protocol)) throw invalid(`ws.protocols: "${protocol}" is listed twice`);
    seen.add(protocol);
  }
  return [...seen];
}
