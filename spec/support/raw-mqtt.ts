/**
 * Hand-encoded MQTT 3.1.1 bytes for tests that must not depend on our codec: a CONNECT
 * and the CONNACK a broker answers it with, plus a raw-socket round trip.
 */

import * as net from 'node:net';

/** CONNECT, MQTT 3.1.1, clean session, keepalive 60 s, client id `rxmqtt-raw`. */
export const CONNECT_311 = Uint8Array.from([
  0x10, 0x16, // CONNECT, remaining length 22
  0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, // "MQTT"
  0x04, // protocol level 4 (3.1.1)
  0x02, // connect flags: clean session
  0x00, 0x3c, // keepalive 60
  0x00, 0x0a, ...Array.from('rxmqtt-raw', (c) => c.charCodeAt(0)),
]);

/** CONNACK, session present 0, return code 0 (accepted). */
export const CONNACK_ACCEPTED = Uint8Array.from([0x20, 0x02, 0x00, 0x00]);

/** DISCONNECT (3.1.1). */
export const DISCONNECT_311 = Uint8Array.from([0xe0, 0x00]);

/**
 * Connects a raw socket, sends CONNECT and resolves with the first 4 bytes back (the
 * CONNACK), then sends DISCONNECT and closes.
 */
export function rawConnect(port: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    socket.once('error', reject);
    socket.once('connect', () => socket.write(CONNECT_311));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4) {
        socket.end(DISCONNECT_311);
        resolve(Uint8Array.from(received.subarray(0, 4)));
      }
    });
    socket.once('close', () => reject(new Error(`closed after ${received.length} bytes`)));
  });
}
