/**
 * The session reducer: `reduce(state, event) → { state, commands }`.
 *
 * Theory of operation (after h11's `_connection.py` and quinn-proto's timers):
 * - Pure and total. Every event in every state has an answer: a transition, a command,
 *   a log line, or a protocol error that closes the connection. Nothing here reads a
 *   clock, opens a socket or throws on bad input from the network.
 * - Time is data. Each event carries `now`; `nextDeadline(state)` says when the reducer
 *   next needs a `tick` (connect timeout, PINGREQ, keepalive grace) and the client turns
 *   it into a timer. Ticks early or late are harmless: a tick fires what is due.
 * - Two scopes (state.ts): session scope survives a closed transport, connection scope
 *   does not. `dropConnection` (disconnect.ts) is the one place the latter ends.
 * - Immutability: the input state is never mutated; each flow copies only the scope
 *   object or record it touches (structural sharing), so the publish path stays O(1)
 *   in the backlog and O(window) at worst.
 * - One flow per file: connect.ts, publish-out.ts, publish-in.ts, subscribe.ts,
 *   keepalive.ts, disconnect.ts, auth.ts (enhanced authentication); packet ids in packet-ids.ts.
 *
 * Broker protocol violations (packets a client never receives, a second CONNACK,
 * anything before CONNACK [MQTT-3.2.0-1], an AUTH that breaks §4.12: auth.ts) end the
 * connection with 'protocol-error', after a DISCONNECT 0x82 in 5.0 (§4.13).
 */
import type { Packet } from '../codec/types';
import { assertNever } from '../util/assert-never';
import { holdWhileVerifying, onAuth, onConnAckDuringReauth, onAuthAnswered, onAuthRefused, onReauthenticateRequested } from './auth';
import { acceptConnAck, onConnAck, onConnAckHandled, onConnectTimeoutTick, onTransportOpened } from './connect';
import { onDisconnectRequested, onMalformedPacket, onReconnectRequested, onServerDisconnect, onTransportClosed, protocolViolation } from './disconnect';
import { keepaliveDeadline, noteReceived, onKeepaliveTick } from './keepalive';
import { onMessageAcked, onPubRel, onPublish } from './publish-in';
import { onAckWhileDraining, onPubAck, onPubComp, onPubRec, onPublishRequested, onPublishWithdrawn, onWritableChanged } from './publish-out';
import type { ConnectedScope, ReduceResult, SessionState } from './state';
import { resolveTopicAlias } from './topic-alias';
import { log, type CommandSink, type Step } from './step';
import { onSubAck, onSubscribeRequested, onUnsubscribeRequested } from './subscribe';
import type { SessionCommand, SessionEvent } from './types';

export function reduce(state: SessionState, event: SessionEvent): ReduceResult {
  const commands: SessionCommand[] = [];
  return { state: reduceInto(state, event, commands), commands };
}

/**
 * `reduce`, with the commands appended to `commands` instead of a new array: the engine
 * reduces once per `publish()` and reuses one queue (a new array and result object per
 * event were a third of what the reducer allocated). Returns the next state.
 */
export function reduceInto(state: SessionState, event: SessionEvent, commands: CommandSink): SessionState {
  const s: Step = { state, commands, now: event.now };
  switch (event.type) {
    case 'transportOpened':
      onTransportOpened(s, event.authData);
      break;
    case 'transportClosed':
      onTransportClosed(s, event.error);
      break;
    case 'packetReceived':
      onPacket(s, event.packet);
      break;
    case 'transportBlocked':
      onWritableChanged(s, false);
      break;
    case 'transportDrained':
      onWritableChanged(s, true);
      break;
    case 'malformedPacketReceived':
      onMalformedPacket(s, event.error);
      break;
    case 'publishRequested':
      onPublishRequested(s, event.requestId, event.message);
      break;
    case 'publishWithdrawn':
      onPublishWithdrawn(s, event.requestId);
      break;
    case 'subscribeRequested':
      onSubscribeRequested(s, event.requestId, event.subscriptions, event.properties);
      break;
    case 'unsubscribeRequested':
      onUnsubscribeRequested(s, event.requestId, event.topicFilters, event.properties);
      break;
    case 'messageAcked':
      onMessageAcked(s, event.deliveryId);
      break;
    case 'disconnectRequested':
      onDisconnectRequested(s, event.reasonCode, event.properties);
      break;
    case 'reconnectRequested':
      onReconnectRequested(s);
      break;
    case 'tick':
      onTick(s);
      break;
    case 'connackHandled':
      onConnAckHandled(s);
      break;
    case 'reauthenticateRequested':
      onReauthenticateRequested(s, event.requestId, event.data);
      break;
    case 'authAnswered': {
      const approved = onAuthAnswered(s, event.stepId, event.data);
      if (approved) {
        // The app accepted the CONNACK: the connection counts, then what followed it arrives.
        const conn = s.state.connection;
        if (conn.type === 'awaitingConnack') acceptConnAck(s, approved.connack, conn.openedAt);
        for (const packet of approved.held) onPacket(s, packet);
      }
      break;
    }
    case 'authRefused':
      onAuthRefused(s, event.stepId, event.error);
      break;
    default:
      assertNever(event, 'Unknown session event');
  }
  return s.state;
}

/** When the reducer next wants a `tick`, or undefined when no timer is armed. */
export function nextDeadline(state: SessionState): number | undefined {
  const conn = state.connection;
  switch (conn.type) {
    case 'offline':
      return undefined;
    case 'awaitingConnack':
      return conn.deadline;
    case 'connected':
      return keepaliveDeadline(conn);
    default:
      return assertNever(conn, 'Unknown connection state');
  }
}

function onTick(s: Step): void {
  const conn = s.state.connection;
  switch (conn.type) {
    case 'offline':
      return;
    case 'awaitingConnack':
      onConnectTimeoutTick(s, conn.deadline);
      return;
    case 'connected':
      onKeepaliveTick(s, conn);
      return;
    default:
      assertNever(conn, 'Unknown connection state');
  }
}

function onPacket(s: Step, packet: Packet): void {
  const conn = s.state.connection;
  switch (conn.type) {
    case 'offline':
      if (conn.draining && (packet.type === 'puback' || packet.type === 'pubrec' || packet.type === 'pubcomp')) {
        onAckWhileDraining(s, packet);
        return;
      }
      // We already closed (or were never open); the client may still flush a decoded packet.
      log(s, 'debug', `${packet.type} received while offline: ignored`);
      return;
    case 'awaitingConnack':
      if (holdWhileVerifying(s, packet)) return;
      if (packet.type === 'connack') onConnAck(s, packet);
      else if (packet.type === 'auth') onAuth(s, packet);
      else protocolViolation(s, `${packet.type} before CONNACK`, 'MQTT-3.2.0-1');
      return;
    case 'connected':
      noteReceived(s, conn);
      onConnectedPacket(s, packet, conn);
      return;
    default:
      assertNever(conn, 'Unknown connection state');
  }
}

function onConnectedPacket(s: Step, packet: Packet, conn: ConnectedScope): void {
  switch (packet.type) {
    case 'publish': {
      const resolved = resolveTopicAlias(s, packet, conn);
      if (resolved) onPublish(s, resolved, s.state.connection as ConnectedScope);
      return;
    }
    case 'puback':
      onPubAck(s, packet);
      return;
    case 'pubrec':
      onPubRec(s, packet);
      return;
    case 'pubrel':
      onPubRel(s, packet);
      return;
    case 'pubcomp':
      onPubComp(s, packet);
      return;
    case 'suback':
    case 'unsuback':
      onSubAck(s, packet);
      return;
    case 'pingresp':
      return; // noteReceived already cleared the outstanding PINGREQ
    case 'disconnect':
      onServerDisconnect(s, packet);
      return;
    case 'auth':
      onAuth(s, packet);
      return;
    case 'connack':
      if (onConnAckDuringReauth(s, packet)) return; // mosquitto 2.0's refusal of a re-authentication (auth.ts)
      // The Server sends CONNACK once per connection [MQTT-3.2.0-2 (5.0)].
      protocolViolation(s, 'a second CONNACK', 'MQTT-3.2.0-2');
      return;
    case 'connect':
    case 'subscribe':
    case 'unsubscribe':
    case 'pingreq':
      // Client-to-server packets only (3.1.1 §2.2.1 table 2.1 / 5.0 §2.1.2 table 2-1).
      protocolViolation(s, `${packet.type.toUpperCase()} sent by the broker`, 'MQTT-2.1.2 direction');
      return;
    default:
      assertNever(packet, 'Unknown packet type');
  }
}
