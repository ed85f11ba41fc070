/**
 * MQTT over WebSocket in Node, with the `ws` package (MQTT 3.1.1 and 5.0, section 6).
 *
 * Theory of operation: each subscription dials `ws[s]://host:port/path`, offering the
 * `mqtt` subprotocol [MQTT-6.0.0-3]. The TCP or TLS socket under the WebSocket is ours
 * (`createConnection`): TLS takes exactly the options `tlsTransport` builds, Nagle is
 * off, and we can read the socket's addresses and its 'drain' event.
 *
 * Rules:
 * - MQTT bytes travel in binary frames only; a text frame from the broker is a protocol
 *   violation that fails the connection [MQTT-6.0.0-1]. Frame boundaries mean nothing
 *   [MQTT-6.0.0-2]: each frame's bytes are one `data` event for the frame decoder.
 * - `opened` follows the HTTP upgrade; an upgrade the server refuses fails with
 *   `connection-closed` and the HTTP status.
 * - Failures are classified as `tlsTransport` does (`tls-error` for the TLS layer of
 *   `wss://`, `connection-closed` for the rest); `ws`'s own handshake and framing
 *   errors (no code, or `WS_ERR_*`) and HTTP parser errors (`HPE_*`) are never TLS.
 * - A close after `opened` completes, unless the broker's close frame carries an
 *   error code; `end()` closes with 1000; unsubscribing terminates the socket at once.
 */

import * as net from 'node:net';
import * as tls from 'node:tls';
import { Observable } from 'rxjs';
import WebSocket from 'ws';
import { MqttError } from '../errors';
import { corkForTurn, errorCode } from './socket';
import { CLEAN_CLOSE_CODES, DEFAULT_WEBSOCKET_PATH, hostPort, MQTT_SUBPROTOCOL, textFrameError, WRITE_HIGH_WATER_MARK } from './common';
import { proxyLabel } from './proxy/options';
import { Tunnel } from './proxy/tunnel';
import { connectionClosed } from './tcp';
import { tlsConnectOptions, tlsFailure } from './tls';
import { batchWriter, TurnBatch } from './turn-batch';
import type { SocketEvent, Transport, TransportOptions } from './types';

/**
 * The largest MQTT packet (a 268,435,455-byte remaining length and a 5-byte header).
 * Brokers send a packet per frame, so `ws`'s 100 MiB default could refuse a valid one;
 * the codec enforces the client's own maximum packet size on what it decodes.
 */
const MAX_FRAME = 268_435_460;

/**
 * A cold `Transport` over WebSocket: `wss://` when `options.tls` is set (as for
 * `TransportOptions`), `ws://` otherwise; `options.ws` gives the path, extra headers
 * and subprotocols. Emits and fails as `Transport` says; see the header for the rules.
 */
export function webSocketTransport(options: TransportOptions): Transport {
  const { host, port, bindAddress, bindPort, ws: w = {} } = options;
  const secure = options.tls !== undefined;
  const url = `${secure ? 'wss' : 'ws'}://${hostPort(host, port)}${w.path ?? DEFAULT_WEBSOCKET_PATH}`;
  const tlsOptions = secure ? tlsConnectOptions(options) : undefined;

  const proxy = options.proxy;
  // Through a proxy, messages name it too (as `Tunnel.label` does).
  const where = proxy === undefined ? url : `${url} via ${proxyLabel(proxy)}`;

  const toMqttError = (error: Error, opened: boolean): MqttError => {
    // The tunnel's failures are MqttErrors already, naming the proxy and the reason.
    if (error instanceof MqttError) return error;
    const code = errorCode(error);
    const fromTls = secure && code !== undefined && !code.startsWith('WS_ERR_') && !code.startsWith('HPE_');
    return fromTls ? tlsFailure(where, error, opened) : connectionClosed(where, error, opened);
  };

  return new Observable<SocketEvent>((subscriber) => {
    let socket: net.Socket | undefined;
    let dialError: unknown;
    const dial = <T>(open: () => T): T => {
      try {
        return open();
      } catch (error) {
        // Node throws for options it cannot use (bad key, wrong passphrase…); http
        // turns the throw into a request error, which `fail` recognises by identity.
        dialError = error;
        throw error;
      }
    };
    const dialDirect = (): net.Socket =>
      (socket = dial(() =>
        tlsOptions
          ? tls.connect(tlsOptions).setNoDelay(true)
          : net.connect({ host, port, localAddress: bindAddress, localPort: bindPort, noDelay: true }),
      ));
    // Through a proxy, the socket comes later: `http` (under `ws`) takes it from a
    // callback, once the tunnel is up (and TLS started over it for wss://). Its handshake
    // is covered by the client's connectTimeout like the rest of the dial.
    let tunnel: Tunnel | undefined;
    const dialThroughProxy = (_options: unknown, done: (error: Error | null, socket?: net.Socket) => void): undefined => {
      const t = dial(() =>
        new Tunnel(options, proxy!, false, {
          ready: () => {
            try {
              socket = tlsOptions ? t.startTls(tlsOptions) : t.socket;
            } catch (error) {
              // A bad key or passphrase, found only now: the same invalid-argument as `dial`'s.
              dialError = error;
              done(error as Error);
              return;
            }
            socket.on('error', fail);
            done(null, socket);
          },
          failed: (error) => done(error),
        }),
      );
      tunnel = t;
      return undefined;
    };
    let opened = false;
    const fail = (error: Error): void => {
      if (error === dialError) {
        subscriber.error(new MqttError('invalid-argument', `Cannot connect to ${url}: ${error.message}`, { cause: error }));
      } else {
        subscriber.error(toMqttError(error, opened));
      }
    };

    let ws: WebSocket;
    try {
      ws = new WebSocket(url, w.protocols ?? [MQTT_SUBPROTOCOL], {
        headers: w.headers,
        // `http` accepts a socket returned, or one passed to the callback later.
        createConnection: (proxy === undefined ? dialDirect : dialThroughProxy) as typeof net.createConnection,
        // Compression would cost CPU and memory on small packets, and `ws` queues
        // sends while it deflates, out of reach of the socket's 'drain' used below.
        perMessageDeflate: false,
        maxPayload: MAX_FRAME,
      });
    } catch (error) {
      // `ws` and http throw synchronously for a bad URL, subprotocol or header.
      subscriber.error(new MqttError('invalid-argument', `Cannot connect to ${url}: ${(error as Error).message}`, { cause: error }));
      return undefined;
    }
    // Buffers are Uint8Arrays: the codec takes them as they are (see socket.ts).
    ws.binaryType = 'nodebuffer';

    // Backpressure. `ws` has no 'drain' event. Its send callback fires per frame, once
    // that frame is written, which says nothing about the rest of the buffer; the
    // socket's 'drain' fires when the whole buffer is flushed. With compression off,
    // `bufferedAmount` is exactly the socket's buffer, and the socket's own high-water
    // mark (16 KiB) is below ours: once `write` answers false the socket owes us a 'drain'.
    let blocked = false;
    // The packets of a turn go out as one frame (turn-batch.ts: one mask, one header,
    // one write), and the frames of a turn in one syscall: `ws` corks around each frame,
    // and Node's cork nests, so corking until a microtask keeps them together.
    let corkTurn: (() => void) | undefined;
    // `ws` calls back once a frame is written to the socket (in send order): its bytes are
    // no longer read, and the client may reuse the buffer they were encoded in.
    let written = 0;
    const batch = new TurnBatch((bytes) => {
      if (socket !== undefined) (corkTurn ??= corkForTurn(socket))();
      const length = bytes.length;
      ws.send(bytes, (error) => {
        if (!error) written += length;
      });
      if (ws.bufferedAmount < WRITE_HIGH_WATER_MARK) return true;
      blocked = true;
      return false;
    });
    const writer = batchWriter(batch, () => ws.close(1000), () => written);

    ws.on('open', () => {
      opened = true;
      socket?.on('drain', () => {
        if (!blocked || ws.bufferedAmount >= WRITE_HIGH_WATER_MARK) return;
        blocked = false;
        batch.drained();
        subscriber.next({ type: 'drained' });
      });
      subscriber.next({
        type: 'opened',
        writer,
        localAddress: socket?.localAddress,
        localPort: socket?.localPort,
        remoteAddress: socket?.remoteAddress,
        remotePort: socket?.remotePort,
      });
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        subscriber.error(textFrameError(url));
        return;
      }
      subscriber.next({ type: 'data', bytes: toBytes(data) });
    });
    ws.on('unexpected-response', (_request, response) => {
      const status = `${response.statusCode ?? '?'} ${response.statusMessage ?? ''}`.trim();
      subscriber.error(new MqttError('connection-closed', `Cannot connect to ${where}: WebSocket upgrade refused with HTTP ${status}`));
    });
    // These listeners stay after teardown on purpose: a terminated WebSocket or socket
    // may still emit an error, and an 'error' without a listener would crash the process.
    ws.on('error', fail);
    // `ws` does not re-emit errors of the socket once open (a reset just closes it).
    socket?.on('error', fail);
    ws.on('close', (code, reason) => {
      if (!opened) {
        subscriber.error(new MqttError('connection-closed', `Connection to ${where} closed before it was established`));
      } else if (CLEAN_CLOSE_CODES.has(code)) {
        subscriber.complete();
      } else {
        const why = reason.length > 0 ? `: ${reason.toString()}` : '';
        subscriber.error(new MqttError('connection-closed', `Connection to ${where} closed with WebSocket code ${code}${why}`));
      }
    });

    return () => {
      batch.close();
      ws.terminate();
      tunnel?.destroy();
    };
  });
}

/** `ws` hands binary messages as a Buffer with `binaryType` 'nodebuffer'; the other shapes are for the type checker. */
function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
