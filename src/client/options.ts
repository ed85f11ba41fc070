/**
 * `MqttClientOptions`: what the constructor takes, documented option by option. Their
 * resolution (validation, defaults) is resolve-options.ts.
 */

import type { SchedulerLike } from 'rxjs';
import type { Properties, ProtocolVersion, QoS } from '../codec';
import type { SessionStore } from '../store/types';
import type { BrokerProtocol, ProxyOptions, TlsOptions, Transport, TransportOptions, WebSocketOptions } from '../transport/types';
import type { EnhancedAuthOptions } from './auth';
import type { Payload } from './payload';
import type { ReconnectOptions } from './reconnect-policy';
import type { SrvOptions } from './srv-options';

export interface WillOptions {
  topic: string;
  payload?: Payload;
  qos?: QoS;
  retain?: boolean;
  /** MQTT 5 will properties (willDelayInterval, messageExpiryInterval, contentType, …). */
  properties?: Properties;
}

export interface MqttClientOptions {
  /**
   * `mqtt://`, `tcp://`, `mqtts://`, `ssl://`, `tls://`, `ws://`, `wss://` (path default
   * `/mqtt`). A browser build takes `ws://` and `wss://` only. Credentials in the URL are used.
   */
  url?: string;
  /** When no `url`: host (default `localhost`), port (default 1883, 8883 with `tls`). */
  host?: string;
  port?: number;
  /**
   * Find the broker through DNS SRV records (Paho's `connect_srv`), instead of `url`,
   * `host` and `port` (which are then refused): `'example.com'` looks up
   * `_mqtt._tcp.example.com`, or `_secure-mqtt._tcp.example.com` with the `tls` option,
   * on every dial (reconnects too), and tries the targets in RFC 2782 order — lowest
   * priority first, weighted random within a priority — until one accepts the
   * connection. The lookup and each target get `connectTimeout` each. When all fail, the
   * error names the domain and each target's failure; a failed lookup (NXDOMAIN, no
   * records, the "." target) is `connection-closed`. `{ domain, resolve }` replaces the
   * DNS lookup (Node's `dns.promises` by default; browsers have none).
   */
  srv?: string | SrvOptions;
  /** Default: `rxmqtt-` and random hex. Empty is allowed only where the protocol allows it. */
  clientId?: string;
  /** 3 (MQTT 3.1), 4 (3.1.1, the default as in Paho) or 5. */
  protocolVersion?: ProtocolVersion;
  /** Clean session (3.x) / clean start (5.0); `'first-only'`: clean on the first connection only. Default true. */
  clean?: boolean | 'first-only';
  /** Seconds; 0 disables. Default 60. The broker's Server Keep Alive overrides it. */
  keepalive?: number;
  /** Milliseconds to wait for the socket and CONNACK. Default 30,000. */
  connectTimeout?: number;
  username?: string;
  password?: string | Uint8Array;
  will?: WillOptions;
  /**
   * MQTT 5 CONNECT properties (sessionExpiryInterval, receiveMaximum, maximumPacketSize, …).
   * Not `authenticationMethod`/`authenticationData`: those are the `auth` option's.
   */
  properties?: Properties;
  /**
   * MQTT 5 enhanced authentication (§4.12): `{ method, data?, respond?, verify? }` — the
   * method every CONNECT names, its data, the answer to each challenge (AUTH 0x18) from the
   * broker, and a check of the broker's success data. See `EnhancedAuthOptions`, and
   * `MqttClient.reauthenticate()`. Refused (`invalid-argument`) before MQTT 5.
   */
  auth?: EnhancedAuthOptions;
  /** In-flight QoS 1/2 publishes at once. Default 20; also bounded by the broker's Receive Maximum. */
  maxInflight?: number;
  /** Publishes waiting behind the in-flight window; 0 = unlimited (default). */
  maxQueued?: number;
  /** Inbound QoS 1/2 messages are acknowledged only when `message.ack()` is called. */
  manualAck?: boolean;
  /**
   * MQTT 5 outbound Topic Aliases; off by default. `true`, or `{ maximum }` to cap how many:
   * the client gives the topics it publishes two-byte aliases, at most min(`maximum`,
   * the broker's Topic Alias Maximum from CONNACK). A topic's first PUBLISH on a
   * connection carries the topic and a new alias, later ones only the alias; when all
   * are taken, the least recently used one (CLOCK, an approximation) is replaced.
   * Mappings start empty on every connection; a publish queued offline gets its alias
   * when it is sent, and a QoS 1/2 PUBLISH resent after a reconnect carries its full
   * topic. Topics shorter than 4 characters get none (nothing to save). Not used with
   * MQTT 3.x or a broker that allows no aliases. A `topicAlias` in `publish()`'s
   * properties is refused (`invalid-argument`): the client owns the mappings.
   */
  topicAliases?: boolean | TopicAliasOptions;
  /** Bridge mode (Paho's `enable_bridge_mode`): sets the bridge bit on the protocol level. */
  bridgeMode?: boolean;
  /** TLS settings; implied by `mqtts://` and `wss://`. */
  tls?: TlsOptions;
  /** WebSocket settings (Paho's `ws_set_options`): `path`, extra `headers`, `protocols`. Needs a `ws://` or `wss://` url. */
  ws?: WebSocketOptions;
  bindAddress?: string;
  bindPort?: number;
  /**
   * Dial the broker through a SOCKS5, SOCKS4/4a or HTTP CONNECT proxy (Paho's
   * `proxy_set`): `{ type, host, port?, username?, password?, remoteDns? }`, or a URL
   * `socks5://user:password@host:1080` (also `socks5h://`, `socks4://` (local DNS),
   * `socks4a://`, `http://`). Ports default to 1080 (SOCKS) and 8080 (HTTP);
   * `remoteDns` defaults to true (the proxy resolves the broker's name). Works with
   * every url scheme; TLS (`mqtts://`, `wss://`) runs end to end over the tunnel, checked
   * against the broker's name. Node only: a browser build refuses it. The whole proxy
   * handshake counts in `connectTimeout`; a proxy that refuses or fails fails the
   * connection with `connection-closed`, naming the proxy and the reason.
   *
   * ## Example
   * ```ts
   * new MqttClient({ url: 'mqtts://broker.example.com', proxy: { type: 'socks5', host: '10.0.0.1', username: 'me', password: 's3cret' } });
   * new MqttClient({ url: 'mqtt://broker.example.com', proxy: 'http://proxy.corp:3128' });
   * ```
   */
  proxy?: ProxyOptions | string;
  /**
   * Paho's `reconnect_on_failure` and `reconnect_delay_set`. Once a connection has been
   * accepted, a drop that `disconnect()` did not cause (socket closed, keepalive timeout,
   * broker DISCONNECT, protocol error) makes the client redial by itself after
   * `minDelay`, doubling up to `maxDelay` (`true`: 1 s to 120 s, as Paho), with the state
   * `reconnecting`. A permanent refusal (bad credentials, not authorized, …) or
   * `maxAttempts` failures in a row end it in `disconnected`. Default `false`: a drop
   * ends in `disconnected`, and `connect()` again reconnects.
   */
  reconnect?: boolean | ReconnectOptions;
  /** Where all time comes from (keepalive, timeouts, reconnect delays). Default `asyncScheduler`; pass a `TestScheduler` in tests. */
  scheduler?: SchedulerLike;
  /**
   * Replaces the socket: a function from connection options to a `Transport`. For tests
   * and custom transports. With `srv`, it is called once per target tried, with that
   * target's host and port.
   */
  transport?: (options: TransportOptions & { protocol: BrokerProtocol }) => Transport;
  /**
   * Where the session state lives between processes (Paho's `persistence`): in-flight
   * QoS 1/2 publishes, inbound QoS 2 ids held until PUBREL, and QoS 1/2 publishes queued
   * and not sent yet. Default: none — the session lives in this client's memory only.
   * `fileStore(directory)` (Node) keeps it in a file per client id; `localStorageStore()`
   * in a browser's `localStorage`; `memoryStore()` in this process (for a later client).
   *
   * With `clean: false` (or `'first-only'`) the client reads the store when constructed
   * and resumes: after a CONNACK with Session Present it resends the stored flows (PUBLISH
   * with DUP, PUBREL for those past PUBREC) in their original order, takes no packet id
   * they hold, does not deliver again a QoS 2 message whose PUBREL had not come, and sends
   * the stored backlog. Resumed flows have no `publish()` caller to settle. Session Present
   * false discards them (as without a store); `clean: true` clears the store at
   * construction and never writes it.
   *
   * Write-ahead: each change is in the store before the packet it covers reaches the
   * socket (a QoS 1/2 PUBLISH, a PUBREL, an inbound QoS 2 PUBREC). A store that cannot be
   * read makes `connect()` error with `store-error` (nothing is sent, the file is left
   * alone); one that cannot be written closes the connection with `store-error`.
   *
   * ## Example
   * ```ts
   * import { MqttClient, fileStore } from 'rxmqtt';
   * const client = new MqttClient({ url: 'mqtt://localhost', clientId: 'meter-7', clean: false, store: fileStore('./mqtt-session') });
   * ```
   */
  store?: SessionStore;
  /**
   * Where the client's log lines go (Paho's `enable_logger`): any console-like object —
   * `console` itself, pino, winston. The same lines are on `events$` as `log` events.
   */
  logger?: Logger;
}

/** The `topicAliases` option's object form. */
export interface TopicAliasOptions {
  /**
   * The most aliases to use on a connection, 0..65535 (0 turns them off). The broker's
   * Topic Alias Maximum caps it too. Default: as many as the broker allows.
   */
  maximum?: number;
}

/** The methods `logger` may have; missing ones are skipped. `warning` lines go to `warn`. */
export interface Logger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
  error?(message: string): void;
}
