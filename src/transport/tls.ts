/**
 * TLS to a broker with Node's `tls`: Paho's `tls_set`, `tls_set_context` and
 * `tls_insecure_set` as one `TlsOptions` object.
 *
 * The broker's certificate is verified by default (`rejectUnauthorized: true`), and an
 * unverified broker is refused with a `tls-error` naming host:port and OpenSSL's reason.
 * `opened` is emitted on `secureConnect`, i.e. after the handshake and verification.
 */

import * as net from 'node:net';
import * as tls from 'node:tls';
import { MqttError } from '../errors';
import { errorCode, socketTransport } from './socket';
import { throughProxy } from './proxy/tunnel';
import { connectionClosed, hostPort } from './tcp';
import type { TlsMaterial, Transport, TransportOptions } from './types';

/**
 * Errors of the network below TLS. Anything else during a TLS connection (OpenSSL
 * `ERR_SSL_*`, `ERR_TLS_*`, X.509 verification codes, `EPROTO`…) is a TLS failure.
 */
const SOCKET_ERRORS = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENETDOWN', 'EHOSTDOWN', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRINUSE', 'EADDRNOTAVAIL',
]);

export function tlsTransport(options: TransportOptions): Transport {
  const label = hostPort(options.host, options.port);
  const connectOptions = tlsConnectOptions(options);
  if (options.proxy !== undefined) {
    // TLS over the tunnel: `host` in the options still names the broker, for SNI and
    // the certificate check, exactly as without a proxy.
    return throughProxy(options, options.proxy, false, (tunnel) =>
      socketTransport({
        label: tunnel.label,
        openedOn: 'secureConnect',
        dial: () => tunnel.startTls(connectOptions),
        toMqttError: (error, opened) => tlsFailure(tunnel.label, error, opened),
      }),
    );
  }
  return socketTransport({
    label,
    openedOn: 'secureConnect',
    // tls.connect does not pass noDelay on to the TCP socket: set it on the socket.
    dial: () => tls.connect(connectOptions).setNoDelay(true),
    toMqttError: (error, opened) => tlsFailure(label, error, opened),
  });
}

/**
 * `TlsOptions` as Node's `tls.connect` options, with the broker's address and the bind
 * address. Also used by the WebSocket transport for `wss://`.
 */
export function tlsConnectOptions(options: TransportOptions): tls.ConnectionOptions & Pick<net.TcpNetConnectOpts, 'localAddress' | 'localPort'> {
  const { host, port, bindAddress, bindPort, tls: t = {} } = options;
  // tls.connect passes socket.connect() options (localAddress, localPort) through to
  // net; @types/node's ConnectionOptions just does not list them.
  return {
    host,
    port,
    localAddress: bindAddress,
    localPort: bindPort,
    // SNI must not carry an IP address [RFC 6066 §3].
    servername: t.servername ?? (net.isIP(host) === 0 ? host : undefined),
    ca: nodeMaterial(t.ca),
    cert: nodeMaterial(t.cert),
    key: nodeMaterial(t.key),
    passphrase: t.passphrase,
    ALPNProtocols: t.alpnProtocols,
    ciphers: t.ciphers,
    minVersion: t.minVersion,
    maxVersion: t.maxVersion,
    // TlsOptions types it as unknown to keep @types/node out of browser-visible
    // types; Node validates it when dialling (a wrong value fails as invalid-argument).
    secureContext: t.secureContext as tls.SecureContext | undefined,
    rejectUnauthorized: t.rejectUnauthorized ?? true,
  };
}

/** A failure of a TLS connection: `connection-closed` for network errors, else `tls-error`. */
export function tlsFailure(label: string, error: Error, opened: boolean): MqttError {
  const code = errorCode(error);
  if (code !== undefined && SOCKET_ERRORS.has(code)) return connectionClosed(label, error, opened);
  return new MqttError('tls-error', `TLS error with ${label}: ${tlsReason(error)}`, { cause: error });
}

/**
 * OpenSSL's messages carry addresses and source paths ("8041…:error:0A00045C:SSL
 * routines:…:tlsv13 alert certificate required:../deps/openssl/…"); its `reason` is
 * the readable part. X.509 verification errors already read well. The code goes last,
 * for searching.
 */
function tlsReason(error: Error): string {
  const reason = (error as { reason?: unknown }).reason;
  const text = typeof reason === 'string' && reason !== '' ? reason : error.message;
  const code = errorCode(error);
  return code === undefined ? text : `${text} (${code})`;
}

type NodeMaterial = string | Buffer | Array<string | Buffer>;

/** Node's `tls` wants strings or Buffers: wrap plain Uint8Arrays as Buffers without copying. */
function nodeMaterial(material: TlsMaterial | undefined): NodeMaterial | undefined {
  if (material === undefined) return undefined;
  const one = (m: string | Uint8Array): string | Buffer =>
    typeof m === 'string' || Buffer.isBuffer(m) ? m : Buffer.from(m.buffer, m.byteOffset, m.byteLength);
  return typeof material === 'string' || material instanceof Uint8Array ? one(material) : material.map(one);
}
