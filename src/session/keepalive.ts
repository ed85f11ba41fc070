/**
 * Keepalive and the dead-connection check, as deadlines (quinn's timer model).
 *
 * - PINGREQ: the client must not let more than Keep Alive pass without sending a packet
 *   [MQTT-3.1.2-23]. Like Paho, we also ping when nothing was RECEIVED for Keep Alive,
 *   so a client that only sends QoS 0 still notices a half-open connection.
 * - Dead connection: a PINGREQ outstanding for a further Keep Alive with nothing
 *   received at all closes with 'keepalive-timeout'. Grace = one Keep Alive, as Paho
 *   (`_check_keepalive`) and MQTT.js do. Any received packet counts as proof of life
 *   (TCP keeps order, so a PINGRESP queued behind a burst of PUBLISH still arrives).
 * - The effective Keep Alive is the broker's Server Keep Alive when given
 *   [MQTT-3.2.2-21], else ours; 0 turns all of this off (3.1.1 §3.1.2.10, 5.0 §3.1.2.10).
 */
import { MqttError } from '../errors';
import type { ConnectedScope } from './state';
import { closeWith } from './disconnect';
import { patchConnected, send, type Step } from './step';

export function keepaliveDeadline(conn: ConnectedScope): number | undefined {
  if (conn.keepaliveMs === 0) return undefined;
  if (conn.pingSentAt !== undefined) return conn.pingSentAt + conn.keepaliveMs;
  return Math.min(conn.lastSentAt, conn.lastReceivedAt) + conn.keepaliveMs;
}

export function onKeepaliveTick(s: Step, conn: ConnectedScope): void {
  if (conn.keepaliveMs === 0) return;
  if (conn.pingSentAt !== undefined) {
    if (s.now >= conn.pingSentAt + conn.keepaliveMs) {
      closeWith(
        s,
        new MqttError('keepalive-timeout', `No packet from the broker within ${conn.keepaliveMs} ms of PINGREQ`),
      );
    }
    return;
  }
  if (s.now >= conn.lastSentAt + conn.keepaliveMs || s.now >= conn.lastReceivedAt + conn.keepaliveMs) {
    send(s, { type: 'pingreq' });
    patchConnected(s, { pingSentAt: s.now });
  }
}

/** Any packet from the broker: it is alive. */
export function noteReceived(s: Step, conn: ConnectedScope): void {
  if (conn.lastReceivedAt !== s.now || conn.pingSentAt !== undefined) {
    patchConnected(s, { lastReceivedAt: s.now, pingSentAt: undefined });
  }
}
