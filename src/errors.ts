/**
 * Every error rxmqtt emits is an `MqttError` with a stable `code`.
 *
 * Two families, as h11 splits them:
 * - the caller misused the library (`invalid-argument`, `queue-full`, …): refused before
 *   anything is sent;
 * - the peer broke the protocol (`malformed-packet`, `protocol-error`): the connection is
 *   closed with that reason.
 * The rest report what happened to a request (`publish-failed` with the broker's reason
 * code, `session-lost`, `connection-closed`, …).
 */

export type MqttErrorCode =
  /** The caller passed something the spec or the options forbid. Nothing was sent. */
  | 'invalid-argument'
  /** Encoding refused a packet the spec forbids (wildcard in a PUBLISH topic, string too long…). */
  | 'invalid-packet'
  /** A packet larger than the peer's Maximum Packet Size (or 268,435,455 bytes). */
  | 'packet-too-large'
  /** The peer sent bytes that break a packet-format rule; `rule` names it. */
  | 'malformed-packet'
  /** The peer broke a protocol-flow rule (unexpected packet, unknown packet id…). */
  | 'protocol-error'
  /** The publish queue is at `maxQueued`. */
  | 'queue-full'
  /** The broker refused the connection (CONNACK reason code ≥ 0x80). */
  | 'connection-refused'
  /** No CONNACK within `connectTimeout`. */
  | 'connect-timeout'
  /** No PINGRESP (or any packet) within the keepalive grace: the connection is dead. */
  | 'keepalive-timeout'
  /** The transport closed or failed (socket error, TLS failure, broker went away). */
  | 'connection-closed'
  /** The broker sent DISCONNECT. */
  | 'server-disconnected'
  /** The session that held this request's state is gone (clean start, session not present). */
  | 'session-lost'
  /** The broker answered a PUBLISH with a failure reason code. */
  | 'publish-failed'
  /** The broker refused a subscription (SUBACK reason code ≥ 0x80). */
  | 'subscribe-failed'
  /** The broker refused an unsubscription (UNSUBACK reason code ≥ 0x80). */
  | 'unsubscribe-failed'
  /** The client was disconnected by the user while the request was pending. */
  | 'client-disconnected'
  /** TLS handshake or certificate verification failed. */
  | 'tls-error'
  /** A request (e.g. MQTT 5 request/response) timed out. */
  | 'timeout'
  /** The session store (option `store`) could not be read or written; `cause` says why. */
  | 'store-error'
  /**
   * MQTT 5 enhanced authentication failed on our side: the `auth` option's `respond`
   * failed (or is missing for a challenge), or `verify` refused the broker's success
   * data. The client sent DISCONNECT (`reasonCode`: 0x83 or 0x80) and closed. The
   * broker's own refusals are `connection-refused` (CONNACK 0x87, 0x8C…) and
   * `server-disconnected` (a refused re-authentication).
   */
  | 'auth-failed';

export interface MqttErrorDetails {
  /** The broker's reason code, where it gave one. */
  reasonCode?: number;
  /** The packet id of the flow this error belongs to. */
  packetId?: number;
  /** The spec rule broken, e.g. `MQTT-3.3.2-2` or a short phrase. */
  rule?: string;
  /** The underlying error (socket, TLS). */
  cause?: unknown;
}

/**
 * Marks every MqttError, whichever copy of this module made it. An app can load two
 * copies: `rxmqtt` and `rxmqtt/testing` are bundled separately, and a process may load
 * both the ESM and the CommonJS build (the "dual package hazard"). `instanceof MqttError`
 * checks this mark, so an error from either copy is recognised; subclasses keep the
 * ordinary prototype check.
 */
const MQTT_ERROR = Symbol.for('rxmqtt.MqttError');

export class MqttError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== MqttError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as { [MQTT_ERROR]?: unknown })[MQTT_ERROR] === true;
  }

  override readonly name: string = 'MqttError';
  readonly code: MqttErrorCode;
  readonly reasonCode?: number;
  readonly packetId?: number;
  readonly rule?: string;

  constructor(code: MqttErrorCode, message: string, details: MqttErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.reasonCode !== undefined) this.reasonCode = details.reasonCode;
    if (details.packetId !== undefined) this.packetId = details.packetId;
    if (details.rule !== undefined) this.rule = details.rule;
  }
}
Object.defineProperty(MqttError.prototype, MQTT_ERROR, { value: true });

/** The peer sent bytes that do not form a valid packet. `rule` names what was broken. */
export class MalformedPacketError extends MqttError {
  override readonly name = 'MalformedPacketError';
  declare readonly rule: string;
  constructor(rule: string, message: string) {
    super('malformed-packet', `Malformed packet: ${message} [${rule}]`, { rule });
  }
}

/** A packet the spec forbids us to encode. Nothing was written. */
export class PacketEncodeError extends MqttError {
  override readonly name = 'PacketEncodeError';
  declare readonly rule: string;
  constructor(rule: string, message: string, code: 'invalid-packet' | 'packet-too-large' = 'invalid-packet') {
    super(code, `Cannot encode packet: ${message} [${rule}]`, { rule });
  }
}
