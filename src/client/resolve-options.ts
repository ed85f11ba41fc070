/**
 * `MqttClientOptions` resolved once, at the edge: everything the session and the
 * transport need, validated, with defaults applied. Bad options throw a typed
 * `MqttError('invalid-argument')` from the constructor, before anything is sent.
 */

import { MqttError } from '../errors';
import type { SessionConfig } from '../session';
import type { SessionStore } from '../store/types';
import { validateTopicName } from '../topic';
import { resolveProxy } from '../transport/proxy/options';
import type { BrokerProtocol, TransportOptions } from '../transport/types';
import { checkAuthOption } from './auth';
import type { MqttClientOptions, WillOptions } from './options';
import { toPayloadBytes } from './payload';
import { resolveReconnect, type ReconnectPolicy } from './reconnect-policy';
import { resolveSrvOption, type ResolvedSrv } from './srv-options';
import { resolveWebSocket } from './websocket-options';
export interface ResolvedOptions {
  session: SessionConfig;
  transport: TransportOptions & { protocol: BrokerProtocol };
  maximumPacketSize: number;
  /** The `srv` option: the broker is looked up on each dial (transport.host/port are unused). */
  srv: ResolvedSrv | undefined;
  /**
   * The Link's bound on a whole dial: `connectTimeout`, or 0 with `srv`, whose dialler
   * bounds the lookup and each target itself (transport/srv.ts).
   */
  dialTimeout: number;
  /** Undefined when the client does not reconnect by itself. */
  reconnect: ReconnectPolicy | undefined;
  /** The `store` option. */
  store: SessionStore | undefined;
}

export function invalid(message: string, rule?: string): MqttError {
  return new MqttError('invalid-argument', message, rule === undefined ? {} : { rule });
}

function nonNegativeInt(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > max) throw invalid(`${name} must be an integer from 0 to ${max}, got ${value}`);
  return value;
}

function randomClientId(): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return 'rxmqtt-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The `topicAliases` option as the session's cap: 0 = off. */
function resolveTopicAliases(option: MqttClientOptions['topicAliases']): number {
  if (option === undefined || option === false) return 0;
  if (option === true) return 65535;
  if (typeof option !== 'object' || option === null) {
    throw invalid(`topicAliases must be true, false or { maximum }, got ${String(option)}`);
  }
  return nonNegativeInt('topicAliases.maximum', option.maximum, 65535, 65535);
}

function resolveWill(will: WillOptions | undefined): SessionConfig['will'] {
  if (will === undefined) return undefined;
  const topicError = validateTopicName(will.topic);
  if (topicError) throw topicError;
  const payload = toPayloadBytes(will.payload);
  if (payload instanceof MqttError) throw payload;
  const qos = will.qos ?? 0;
  if (qos !== 0 && qos !== 1 && qos !== 2) throw invalid(`will.qos must be 0, 1 or 2, got ${String(qos)}`);
  return {
    topic: will.topic,
    payload,
    qos,
    retain: will.retain ?? false,
    ...(will.properties ? { properties: will.properties } : {}),
  };
}

export function resolveOptions(
  options: MqttClientOptions,
  parseUrl: (url: string) => { protocol: BrokerProtocol; host: string; port: number; path?: string; username?: string; password?: string },
): ResolvedOptions {
  const version = options.protocolVersion ?? 4;
  if (version !== 3 && version !== 4 && version !== 5) throw invalid(`protocolVersion must be 3, 4 or 5, got ${String(version)}`);
  const srv = resolveSrvOption(options.srv, options, options.tls !== undefined);
  const fromUrl = options.url !== undefined ? parseUrl(options.url) : undefined;
  const protocol: BrokerProtocol = fromUrl?.protocol ?? (options.tls ? 'mqtts' : 'mqtt');
  // TLS settings with a plain-text URL would dial without TLS: refuse rather than send in clear.
  if (options.tls !== undefined && (protocol === 'mqtt' || protocol === 'ws')) {
    throw invalid(`The tls option needs a TLS url (mqtts://, ssl://, tls:// or wss://), got ${protocol}://: nothing would be encrypted`);
  }
  // With srv, host and port are placeholders: each dial takes the SRV target's.
  const host = options.host ?? fromUrl?.host ?? srv?.domain ?? 'localhost';
  const port = nonNegativeInt('port', options.port ?? fromUrl?.port, protocol === 'mqtts' ? 8883 : 1883, 65535);
  const ws = resolveWebSocket(options.ws, protocol, fromUrl?.path);
  const proxy = resolveProxy(options.proxy, host);
  const username = options.username ?? fromUrl?.username;
  const rawPassword = options.password ?? fromUrl?.password;
  const password = typeof rawPassword === 'string' ? new TextEncoder().encode(rawPassword) : rawPassword;
  if (version !== 5 && password !== undefined && username === undefined) {
    throw invalid('A password needs a username before MQTT 5', 'MQTT-3.1.2-22');
  }
  const props = options.properties;
  if (props !== undefined && version !== 5) throw invalid('CONNECT properties need protocolVersion 5');
  checkAuthOption(options.auth, version);
  const clean = options.clean ?? true;
  if (clean !== true && clean !== false && clean !== 'first-only') throw invalid(`clean must be true, false or 'first-only'`);
  const topicAliases = resolveTopicAliases(options.topicAliases);

  const session: SessionConfig = {
    protocolVersion: version,
    clientId: options.clientId ?? randomClientId(),
    clean,
    keepalive: nonNegativeInt('keepalive', options.keepalive, 60, 65535),
    connectTimeout: nonNegativeInt('connectTimeout', options.connectTimeout, 30_000),
    maxInflight: nonNegativeInt('maxInflight', options.maxInflight, 20, 65535) || 1,
    maxQueued: nonNegativeInt('maxQueued', options.maxQueued, 0),
    manualAck: options.manualAck ?? false,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(options.will ? { will: resolveWill(options.will) } : {}),
    ...(options.bridgeMode ? { bridge: true } : {}),
    ...(props ? { connectProperties: props } : {}),
    ...(topicAliases > 0 ? { outboundTopicAliases: topicAliases } : {}),
    ...(options.auth ? { auth: { method: options.auth.method, verify: options.auth.verify !== undefined } } : {}),
  };
  const transport: TransportOptions & { protocol: BrokerProtocol } = {
    protocol,
    host,
    port,
    ...(options.bindAddress !== undefined ? { bindAddress: options.bindAddress } : {}),
    ...(options.bindPort !== undefined ? { bindPort: options.bindPort } : {}),
    ...(options.tls || protocol === 'mqtts' || protocol === 'wss' ? { tls: options.tls ?? {} } : {}),
    ...(ws !== undefined ? { ws } : {}),
    ...(proxy !== undefined ? { proxy } : {}),
  };
  const reconnect = resolveReconnect(options.reconnect);
  const dialTimeout = srv ? 0 : session.connectTimeout;
  const store = resolveStore(options.store);
  return { session, transport, maximumPacketSize: props?.maximumPacketSize ?? 268_435_460, srv, dialTimeout, reconnect, store };
}

function resolveStore(store: SessionStore | undefined): SessionStore | undefined {
  if (store === undefined) return undefined;
  const methods = ['load', 'reset', 'append', 'clear'] as const;
  if (typeof store !== 'object' || store === null || methods.some((m) => typeof store[m] !== 'function')) {
    throw invalid('store must be a SessionStore (load, reset, append, clear): fileStore(directory), localStorageStore() or memoryStore()');
  }
  return store;
}
