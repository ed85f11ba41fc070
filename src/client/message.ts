/**
 * `MqttMessage`: what `messages$` emits (Paho's MQTTMessage). One object per delivered
 * PUBLISH; the payload is the decoded bytes, not copied again.
 */

import type { Properties, PublishPacket, QoS } from '../codec';

const utf8 = new TextDecoder();

export class MqttMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly dup: boolean;
  /** The packet id (Paho's `mid`); absent for QoS 0. */
  readonly packetId?: number;
  /** MQTT 5 properties, when the broker sent any. */
  readonly properties?: Properties;
  /** When the client received it, in the client scheduler's milliseconds. */
  readonly timestamp: number;
  private readonly acker?: () => void;

  constructor(packet: PublishPacket, timestamp: number, acker?: () => void) {
    this.topic = packet.topic;
    this.payload = packet.payload;
    this.qos = packet.qos;
    this.retain = packet.retain;
    this.dup = packet.dup;
    if (packet.packetId !== undefined) this.packetId = packet.packetId;
    if (packet.properties !== undefined) this.properties = packet.properties;
    this.timestamp = timestamp;
    if (acker !== undefined) this.acker = acker;
  }

  /** The payload decoded as UTF-8. */
  text(): string {
    return utf8.decode(this.payload);
  }

  /** The payload parsed as JSON. Throws the `SyntaxError` of `JSON.parse` on bad input. */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }

  /**
   * With `manualAck`: acknowledge this QoS 1/2 message (Paho's `ack(mid, qos)`). The
   * PUBACK/PUBREC is sent in the order the protocol requires [MQTT-4.6.0-2], so an early
   * ack may wait for earlier messages' acks. Without `manualAck`, or at QoS 0, a no-op.
   */
  ack(): void {
    this.acker?.();
  }
}
