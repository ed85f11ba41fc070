/**
 * The one place a Node `net.Socket` (or its `tls.TLSSocket` subclass) becomes a
 * `Transport`: TCP and TLS differ only in how they dial, which event means "open", and
 * how they name a failure.
 *
 * Rules:
 * - Dialling happens per subscription (cold); unsubscribing destroys the socket.
 * - `data` carries the Buffer Node received, without a copy. A Buffer is a Uint8Array
 *   subclass, so the codec (which never uses Buffer APIs) takes it as it is; this edge
 *   is the only place a Buffer enters the library.
 * - Writes made in one turn of the event loop leave as one buffer in one `socket.write`
 *   (turn-batch.ts): a publisher in a tight loop, or a subscriber acknowledging a whole
 *   chunk of QoS 1 messages, pays one write request and one syscall, not one per packet.
 * - A close without an error completes; a close before `opened` is a failure (the
 *   peer hung up during the connect or the TLS handshake), never a silent completion.
 */

import { Observable } from 'rxjs';
import type * as net from 'node:net';
import { MqttError } from '../errors';
import { batchWriter, TurnBatch } from './turn-batch';
import type { SocketEvent, Transport } from './types';

export interface SocketDialer {
  /**
   * Opens the socket; may throw synchronously for bad options. A dialer that reads
   * through Node's `onread` (TCP) hands each chunk to `onBytes` and returns true in
   * `readsItself`; otherwise the socket's 'data' events are used.
   */
  dial(onBytes: (bytes: Uint8Array) => void): net.Socket;
  readsItself?: boolean;
  /**
   * The event that means the socket is ready for MQTT bytes; `'now'` for a socket that
   * is ready when dialled (a proxy tunnel, proxy/tunnel.ts).
   */
  openedOn: 'connect' | 'secureConnect' | 'now';
  /** With `'now'`: bytes read before the hand-over (after a proxy's reply), delivered right after `opened`. */
  unread?: Uint8Array;
  /** `host:port`, for messages. */
  label: string;
  /** Turns a socket error into the MqttError the Observable errors with. */
  toMqttError(error: Error, opened: boolean): MqttError;
}

export function socketTransport({ dial, readsItself, openedOn, unread, label, toMqttError }: SocketDialer): Transport {
  return new Observable<SocketEvent>((subscriber) => {
    let socket: net.Socket;
    const onBytes = (bytes: Uint8Array): void => subscriber.next({ type: 'data', bytes });
    try {
      socket = dial(onBytes);
    } catch (error) {
      // Node throws synchronously for options it cannot use (bad port, bad key…).
      subscriber.error(
        new MqttError('invalid-argument', `Cannot connect to ${label}: ${(error as Error).message}`, { cause: error }),
      );
      return undefined;
    }

    let opened = false;
    // What the batch hands over in one turn (a FLUSH_AT slice now and then, the rest at the
    // turn's end) leaves in one writev.
    const corkTurn = corkForTurn(socket);
    let written = 0;
    const batch = new TurnBatch((bytes) => {
      corkTurn();
      const length = bytes.length;
      return socket.write(bytes, () => {
        written += length;
      });
    });
    // Write callbacks come in write order, once Node has handed the bytes to the system.
    const writer = batchWriter(batch, () => socket.end(), () => written);

    const open = (): void => {
      opened = true;
      subscriber.next({
        type: 'opened',
        writer,
        localAddress: socket.localAddress,
        localPort: socket.localPort,
        remoteAddress: socket.remoteAddress,
        remotePort: socket.remotePort,
      });
    };
    if (openedOn !== 'now') socket.once(openedOn, open);
    if (!readsItself) socket.on('data', onBytes);
    socket.on('drain', () => {
      batch.drained();
      subscriber.next({ type: 'drained' });
    });
    // The listener stays after teardown on purpose: a destroyed socket may still emit
    // an error, and an 'error' without a listener would crash the process.
    socket.on('error', (error: Error) => subscriber.error(toMqttError(error, opened)));
    socket.on('close', (hadError: boolean) => {
      if (hadError) return; // 'error' already reported it
      if (opened) subscriber.complete();
      else subscriber.error(new MqttError('connection-closed', `Connection to ${label} closed before it was established`));
    });

    if (openedOn === 'now') {
      open();
      if (unread !== undefined && unread.length > 0 && !subscriber.closed) onBytes(unread);
    }

    return () => {
      batch.close();
      socket.destroy();
    };
  });
}

/** Reads a Node system error's `code` (ECONNREFUSED, ERR_SSL_…, CERT_HAS_EXPIRED…). */
export function errorCode(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Corks `socket` on the first call of a turn and uncorks it in a microtask: whatever is
 * written in between leaves in one writev. Returns the function to call before each write.
 */
export function corkForTurn(socket: net.Socket): () => void {
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  return () => {
    if (corked) return;
    corked = true;
    socket.cork();
    queueMicrotask(uncork);
  };
}
