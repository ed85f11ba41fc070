/**
 * The transport contract: a socket as a cold Observable of events plus a write sink.
 *
 * Theory of operation: subscribing dials; the first event is `opened`, which hands the
 * subscriber a `SocketWriter`. Bytes arrive as `data` events in the order the socket
 * delivered them (chunk boundaries are arbitrary: the codec's frame decoder reassembles
 * packets). `write` reports backpressure with its return value and `drained` says when
 * the caller may write again. A clean close completes the Observable; a failure errors
 * it with an `MqttError`; unsubscribing destroys the socket at once.
 *
 * These types are platform-neutral (no `@types/node`), so browser transports
 * (WebSocket) implement the same contract.
 */

import type { Observable } from 'rxjs';

export interface SocketWriter {
  /**
   * Queue bytes for the socket. Returns false when the socket's buffer is over its
   * high-water mark: the caller should wait for a `drained` event before writing more
   * (backpressure). The bytes are still queued when it returns false.
   */
  write(bytes: Uint8Array): boolean;
  /** Flush what was written, then close (FIN). The Observable completes when closed. */
  end(): void;
  /**
   * Optional: how many of the bytes written so far the socket has handed to the system
   * (in write order). A writer that tells lets the client reuse the buffers it encodes
   * into once their bytes are gone.
   */
  written?(): number;
}

export type SocketEvent =
  | {
      type: 'opened';
      writer: SocketWriter;
      localAddress?: string;
      localPort?: number;
      remoteAddress?: string;
      remotePort?: number;
    }
  | { type: 'data'; bytes: Uint8Array }
  | { type: 'drained' };

/**
 * Cold: subscribing dials. Emits `opened` once connected (for TLS: after the handshake
 * and certificate verification), then `data`/`drained`.
 *
 * - Completes when the socket closes cleanly (peer FIN, or after `writer.end()`).
 * - Errors with an `MqttError`: code `connection-closed` for socket errors, resets and
 *   refused connections; `tls-error` for TLS handshake or verification failures. The
 *   message names host:port and the reason; `cause` holds the underlying error.
 * - An error may follow `opened`: under TLS 1.3 a broker rejects a missing or bad client
 *   certificate only after the client's handshake has finished.
 * - Unsubscribing destroys the socket immediately.
 */
export type Transport = Observable<SocketEvent>;

/** PEM text or DER bytes, as Node's `tls` accepts them. */
export type TlsMaterial = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

/** TLS protocol versions, as Node's `tls` names them. */
export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/**
 * TLS settings: Paho's `tls_set`, `tls_set_context` and `tls_insecure_set` in one object.
 */
export interface TlsOptions {
  /** Trusted CA certificates (PEM). Default: Node's bundled root CAs. */
  ca?: TlsMaterial;
  /** Client certificate chain (PEM), for brokers that require one. */
  cert?: TlsMaterial;
  /** Client private key (PEM), possibly encrypted (see `passphrase`). */
  key?: TlsMaterial;
  /** Passphrase of an encrypted `key`. */
  passphrase?: string;
  /** SNI server name. Default: the host, unless the host is an IP literal. */
  servername?: string;
  /** ALPN protocols to offer, e.g. `['mqtt']` (AWS IoT on port 443, for one). */
  alpnProtocols?: string[];
  /** OpenSSL cipher list. */
  ciphers?: string;
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  /**
   * A ready Node `tls.SecureContext` (Paho's `tls_set_context`). Typed as `unknown`
   * so that browser-visible types need no `@types/node`; the TLS transport passes it
   * to Node unchanged.
   */
  secureContext?: unknown;
  /**
   * Verify the broker's certificate chain and host name. Default true. False is
   * Paho's `tls_insecure_set(True)`: encrypted but open to a man in the middle.
   */
  rejectUnauthorized?: boolean;
}

export interface TransportOptions {
  host: string;
  port: number;
  /** Local interface to bind before dialling (Paho's `bind_address`). */
  bindAddress?: string;
  /** Local port to bind before dialling (Paho's `bind_port`). */
  bindPort?: number;
  /** When set, dial TLS. */
  tls?: TlsOptions;
  /** WebSocket settings, for `ws://` and `wss://` brokers. */
  ws?: WebSocketOptions;
  /**
   * Dial through this proxy (Paho's `proxy_set`); Node only. The client passes it
   * validated, with `port` and `remoteDns` filled in.
   */
  proxy?: ProxyOptions;
}

/** `'socks5'` (RFC 1928), `'socks4'` (SOCKS4, or SOCKS4a with `remoteDns`), `'http'` (HTTP CONNECT). */
export type ProxyType = 'socks5' | 'socks4' | 'http';

/**
 * A SOCKS or HTTP CONNECT proxy to reach the broker through: Paho's `proxy_set`
 * (`proxy_type`, `proxy_addr`, `proxy_port`, `proxy_rdns`, `proxy_username`,
 * `proxy_password`), with PySocks' defaults. Node only. Platform-neutral, like `TlsOptions`.
 */
export interface ProxyOptions {
  /** `'socks5'`, `'socks4'` or `'http'` (CONNECT). */
  type: ProxyType;
  /** The proxy's host name or IP address (IPv6 with or without brackets). */
  host: string;
  /** Default 1080 for SOCKS, 8080 for HTTP. */
  port?: number;
  /**
   * SOCKS5: user name for username/password authentication (RFC 1929). SOCKS4: the
   * userid. HTTP: user name for `Proxy-Authorization: Basic`.
   */
  username?: string;
  /** SOCKS5 and HTTP only (SOCKS4 has no password). Needs `username`. */
  password?: string;
  /**
   * Let the proxy resolve the broker's host name (default true, as PySocks' `rdns`):
   * SOCKS5 sends the name (address type 3), SOCKS4 becomes SOCKS4a, HTTP CONNECT names
   * the host. False resolves it locally first and sends the address. IP literals are
   * always sent as addresses.
   */
  remoteDns?: boolean;
}

/**
 * WebSocket settings: Paho's `ws_set_options`. Platform-neutral, like `TlsOptions`.
 */
export interface WebSocketOptions {
  /** The HTTP request path, with any query string. Default: the URL's path, else `/mqtt`. */
  path?: string;
  /**
   * Extra HTTP headers for the upgrade request (authentication, cookies…). Node only:
   * a browser's WebSocket cannot set headers.
   */
  headers?: Record<string, string>;
  /**
   * WebSocket subprotocols to offer. Default `['mqtt']`, which MQTT 3.1.1 and 5.0
   * require [MQTT-6.0.0-3]; some MQTT 3.1 brokers want `'mqttv3.1'`.
   */
  protocols?: string[];
}

export type BrokerProtocol = 'mqtt' | 'mqtts' | 'ws' | 'wss';
