/**
 * The session reducer's vocabulary: configuration, events in, commands out.
 *
 * Events are past-tense facts (STYLE habit 4) and every one carries `now` (ms), the
 * only clock the reducer knows. Commands are imperatives the client carries out, in
 * the order given. The state types live in `state.ts`.
 */
import type { MqttError } from '../errors';
import type { Packet, Properties, PublishPacket, QoS, Subscription, Will } from '../codec/types';

export type { Subscription, Will, Properties, QoS } from '../codec/types';

export interface SessionConfig {
  protocolVersion: 3 | 4 | 5;
  clientId: string;
  /**
   * Clean Session (3.x) / Clean Start (5.0). `'first-only'` (Paho's
   * MQTT_CLEAN_START_FIRST_ONLY) asks for a clean start until the first CONNACK that
   * accepts the connection, and resumes the session on every later connection.
   */
  clean: boolean | 'first-only';
  /** Keep Alive in seconds; 0 turns it off. */
  keepalive: number;
  /** How long to wait for CONNACK after the transport opened, ms; 0 = no limit. */
  connectTimeout: number;
  username?: string;
  password?: Uint8Array;
  will?: Will;
  /** Bridge mode (mosquitto's try_private bit). */
  bridge?: boolean;
  /** CONNECT properties (MQTT 5 only). `receiveMaximum` here bounds what the broker may send us. */
  connectProperties?: Properties;
  /** Outbound QoS 1/2 publishes in flight at once; also bounded by the broker's Receive Maximum. 0 = no own limit. */
  maxInflight: number;
  /** Publishes waiting behind the window or for a connection; 0 = unlimited. */
  maxQueued: number;
  /** Inbound QoS 1/2 messages are acknowledged only after `messageAcked`. */
  manualAck: boolean;
  /**
   * MQTT 5: the most Topic Aliases we assign to the topics we publish (the broker's Topic
   * Alias Maximum caps it too); 0 or absent: none. Ignored before MQTT 5.
   */
  outboundTopicAliases?: number;
  /**
   * MQTT 5 enhanced authentication (§4.12): the Authentication Method every CONNECT
   * carries, and whether the broker's success data (CONNACK, AUTH 0x00) waits for the
   * app's `authAnswered` before it counts. Absent: no enhanced authentication.
   */
  auth?: { method: string; verify: boolean };
}

export interface OutgoingMessage {
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  properties?: Properties;
}

type SessionEventBody =
  /**
   * The reducer answers with sendPacket CONNECT and arms the connect timeout. `authData`:
   * the Authentication Data for this CONNECT (with `auth`), fetched by the client for each connection.
   */
  | { type: 'transportOpened'; authData?: Uint8Array }
  /** Drops the connection scope in one step; settles what must fail. */
  | { type: 'transportClosed'; error?: MqttError }
  | { type: 'packetReceived'; packet: Packet }
  /**
   * The client has acted on the `connected` command (restored its subscriptions): the
   * publish backlog may go now, behind those SUBSCRIBEs, so a client receives what it
   * published offline to a topic it subscribes to itself.
   */
  | { type: 'connackHandled' }
  /** The socket's buffer is full: new publishes wait in the session queue (bounded by maxQueued). */
  | { type: 'transportBlocked' }
  /** The socket drained: the queue may flow again. */
  | { type: 'transportDrained' }
  /** The frame decoder rejected the broker's bytes: nothing after them can be trusted. */
  | { type: 'malformedPacketReceived'; error: MqttError }
  | { type: 'publishRequested'; requestId: number; message: OutgoingMessage }
  /** The user unsubscribed from publish(): withdraw it if not yet sent, else finish the flow silently. */
  | { type: 'publishWithdrawn'; requestId: number }
  | { type: 'subscribeRequested'; requestId: number; subscriptions: Subscription[]; properties?: Properties }
  | { type: 'unsubscribeRequested'; requestId: number; topicFilters: string[]; properties?: Properties }
  /** manualAck: the user acknowledged the inbound QoS 1/2 message with this delivery id. */
  | { type: 'messageAcked'; deliveryId: number }
  | { type: 'disconnectRequested'; reasonCode?: number; properties?: Properties }
  /**
   * The user asked to reconnect: end this connection (DISCONNECT 0x00 when connected) as
   * a drop would, keeping every caller's request for the next connection; the client dials again.
   */
  | { type: 'reconnectRequested' }
  /** Time passed; the reducer fires whatever deadline is due. */
  | { type: 'tick' }
  /** The user asked to re-authenticate (MQTT 5, `auth`): AUTH 0x19 with this data [MQTT-4.12.1-1]. */
  | { type: 'reauthenticateRequested'; requestId: number; data?: Uint8Array }
  /**
   * The app answered `authStep` number `stepId`: for a challenge, the data of our AUTH 0x18;
   * for a success, its approval. A stale id (an exchange since ended) is ignored.
   */
  | { type: 'authAnswered'; stepId: number; data?: Uint8Array }
  /** The app could not answer, or refused the broker's success data: end the connection. */
  | { type: 'authRefused'; stepId: number; error: MqttError };

export type SessionEvent = SessionEventBody & { now: number };
export type SessionEventType = SessionEvent['type'];

export interface PublishAck {
  /** Absent for QoS 0. */
  packetId?: number;
  qos: QoS;
  /** PUBACK's (QoS 1) or PUBCOMP's (QoS 2) reason code; 0 for QoS 0. */
  reasonCode: number;
  properties?: Properties;
}

export interface SubAck {
  packetId: number;
  /** One per filter, granted QoS or a failure ≥ 0x80. The client errors the caller when any is ≥ 0x80. */
  reasonCodes: number[];
  properties?: Properties;
}

export interface UnsubAck {
  packetId: number;
  /** MQTT 5: one per filter; 3.x: empty. */
  reasonCodes: number[];
  properties?: Properties;
}

export interface ConnAck {
  sessionPresent: boolean;
  reasonCode: number;
  properties?: Properties;
}

/** What a re-authentication ends with: the broker's AUTH 0x00 (Success). */
export interface AuthSuccess {
  reasonCode: 0;
  /** The broker's Authentication Data (e.g. a SCRAM server signature), if any. */
  data?: Uint8Array;
  properties?: Properties;
}

/**
 * A step of an enhanced-authentication exchange the app must answer (`authAnswered` or
 * `authRefused` with `stepId`): the broker's challenge (AUTH 0x18), or — with `verify` —
 * its success (CONNACK 0x00 or AUTH 0x00) for the app to check.
 */
export interface AuthStep {
  kind: 'challenge' | 'success';
  /** 0x18 for a challenge, 0x00 for a success. */
  reasonCode: number;
  data?: Uint8Array;
  /** The AUTH's (or CONNACK's) properties as received. */
  properties: Properties;
  /** True for a re-authentication on an accepted connection, false during CONNECT. */
  reauthentication: boolean;
}

export type SettleResult =
  | { ok: true; value: PublishAck | SubAck | UnsubAck | AuthSuccess }
  | { ok: false; error: MqttError };

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

export type SessionCommand =
  | { type: 'sendPacket'; packet: Packet }
  /** `deliveryId` is set when manualAck is on and qos > 0: pass it back in `messageAcked`. */
  | { type: 'deliverMessage'; message: PublishPacket; deliveryId?: number }
  | { type: 'settleRequest'; requestId: number; result: SettleResult }
  /** CONNACK accepted the connection. */
  | { type: 'connected'; connack: ConnAck }
  /** Close the socket (after flushing any sendPacket before it); `error` says why, absent for a requested disconnect. */
  | { type: 'closeTransport'; error?: MqttError }
  | { type: 'log'; level: LogLevel; message: string }
  /** Ask the app to answer this step of an enhanced-authentication exchange (see `AuthStep`). */
  | { type: 'authStep'; stepId: number; step: AuthStep };

export type SessionCommandType = SessionCommand['type'];
