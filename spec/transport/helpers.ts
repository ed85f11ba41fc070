/** Drives a Transport through a raw MQTT 3.1.1 CONNECT/CONNACK for transport specs. */

import type { SocketEvent, Transport } from '../../src/transport';
import { CONNECT_311, DISCONNECT_311 } from '../support/raw-mqtt';

export interface HandshakeResult {
  connack: number[];
  opened: Extract<SocketEvent, { type: 'opened' }>;
}

/**
 * Subscribes, writes CONNECT on `opened`, waits for 4 bytes of CONNACK, sends
 * DISCONNECT and ends the socket; resolves when the Observable completes (a clean close).
 * Checks the writer's `written()` on the way (every transport of ours tells it, so the
 * client can reuse its encode buffers): the CONNECT once the CONNACK is in, both packets
 * once the socket has closed.
 */
export function handshake(transport: Transport): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    let opened: HandshakeResult['opened'] | undefined;
    let received: number[] = [];
    let ending = false;
    transport.subscribe({
      next: (event) => {
        if (event.type === 'opened') {
          opened = event;
          event.writer.write(CONNECT_311);
        } else if (event.type === 'data') {
          expect(event.bytes).toBeInstanceOf(Uint8Array);
          received = [...received, ...event.bytes];
          if (received.length >= 4 && !ending) {
            ending = true;
            expect(opened?.writer.written?.()).toBe(CONNECT_311.length);
            opened?.writer.write(DISCONNECT_311);
            opened?.writer.end();
          }
        }
      },
      error: reject,
      complete: () => {
        if (opened === undefined) reject(new Error('completed without opened'));
        else if (opened.writer.written?.() !== CONNECT_311.length + DISCONNECT_311.length) {
          reject(new Error(`written() says ${opened.writer.written?.()} bytes at the close, ${CONNECT_311.length + DISCONNECT_311.length} were written`));
        } else resolve({ connack: received.slice(0, 4), opened });
      },
    });
  });
}

/** Subscribes and resolves with the error the Observable fails with (rejects if it does not fail). */
export function failure(transport: Transport): Promise<unknown> {
  return new Promise((resolve, reject) => {
    transport.subscribe({
      next: (event) => {
        if (event.type === 'opened') event.writer.write(CONNECT_311);
      },
      error: resolve,
      complete: () => reject(new Error('completed instead of failing')),
    });
  });
}
