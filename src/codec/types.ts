/**
 * The packet model: one MQTT-5-shaped model for MQTT 3.1, 3.1.1 and 5.0.
 *
 * Version differences live only in encode/decode (STYLE habit 7). A 3.x packet is the
 * 5.0 packet with no properties and reason codes mapped (a 3.1.1 CONNACK return code 4
 * becomes reason code 0x86 "Bad user name or password", and back).
 *
 * Normal form (what the decoder returns, and what `decode(encode(p))` gives back):
 * - an optional field is absent (not `undefined`) when the wire did not carry it;
 * - `properties` is absent when the packet carried none (an empty property block);
 * - `reasonCode` is always a number (0 when the short form omitted it);
 * - `Uint8Array` for every binary field, never Node's `Buffer`.
 */

/** MQTT protocol level: 3 = MQTT 3.1 (`MQIsdp`), 4 = MQTT 3.1.1, 5 = MQTT 5.0. */
export type ProtocolVersion = 3 | 4 | 5;

export type QoS = 0 | 1 | 2;

/** A user property: a name/value UTF-8 string pair. Order and repeats are kept. */
export type UserProperty = [name: string, value: string];

/**
 * Every MQTT 5.0 property, by its spec name in camelCase. Byte-valued flags stay
 * numbers (exactly what the wire carries). Which packet may carry which property is
 * enforced by the codec, not by this type.
 */
export interface Properties {
  /** 0x01 byte: 0 = unspecified bytes, 1 = UTF-8. */
  payloadFormatIndicator?: number;
  /** 0x02 four-byte integer, seconds. */
  messageExpiryInterval?: number;
  /** 0x03 UTF-8 string. */
  contentType?: string;
  /** 0x08 UTF-8 string. */
  responseTopic?: string;
  /** 0x09 binary data. */
  correlationData?: Uint8Array;
  /** 0x0B variable byte integer, 1..268,435,455; PUBLISH may carry several, SUBSCRIBE one. */
  subscriptionIdentifiers?: number[];
  /** 0x11 four-byte integer, seconds. */
  sessionExpiryInterval?: number;
  /** 0x12 UTF-8 string. */
  assignedClientIdentifier?: string;
  /** 0x13 two-byte integer, seconds. */
  serverKeepAlive?: number;
  /** 0x15 UTF-8 string. */
  authenticationMethod?: string;
  /** 0x16 binary data. */
  authenticationData?: Uint8Array;
  /** 0x17 byte, 0 or 1. */
  requestProblemInformation?: number;
  /** 0x18 four-byte integer, seconds. */
  willDelayInterval?: number;
  /** 0x19 byte, 0 or 1. */
  requestResponseInformation?: number;
  /** 0x1A UTF-8 string. */
  responseInformation?: string;
  /** 0x1C UTF-8 string. */
  serverReference?: string;
  /** 0x1F UTF-8 string. */
  reasonString?: string;
  /** 0x21 two-byte integer, 1..65535. */
  receiveMaximum?: number;
  /** 0x22 two-byte integer. */
  topicAliasMaximum?: number;
  /** 0x23 two-byte integer, 1..65535. */
  topicAlias?: number;
  /** 0x24 byte, 0 or 1. */
  maximumQoS?: number;
  /** 0x25 byte, 0 or 1. */
  retainAvailable?: number;
  /** 0x26 UTF-8 string pair, may repeat; order is kept. */
  userProperties?: UserProperty[];
  /** 0x27 four-byte integer, 1..4,294,967,295. */
  maximumPacketSize?: number;
  /** 0x28 byte, 0 or 1. */
  wildcardSubscriptionAvailable?: number;
  /** 0x29 byte, 0 or 1. */
  subscriptionIdentifiersAvailable?: number;
  /** 0x2A byte, 0 or 1. */
  sharedSubscriptionAvailable?: number;
}

export interface Will {
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  /** Will properties (MQTT 5 only). */
  properties?: Properties;
}

export interface ConnectPacket {
  type: 'connect';
  /** 3 → protocol name `MQIsdp`; 4 and 5 → `MQTT`. */
  protocolVersion: ProtocolVersion;
  /** Bridge mode: the 0x80 bit on the protocol level (mosquitto's try_private). Present only when true. */
  bridge?: true;
  /** Clean Session (3.x) / Clean Start (5.0). */
  clean: boolean;
  /** Keep Alive, seconds, 0..65535. */
  keepalive: number;
  clientId: string;
  username?: string;
  password?: Uint8Array;
  will?: Will;
  properties?: Properties;
}

export interface ConnAckPacket {
  type: 'connack';
  sessionPresent: boolean;
  /** MQTT 5 reason code; a 3.x return code is mapped (1→0x84, 2→0x85, 3→0x88, 4→0x86, 5→0x87). */
  reasonCode: number;
  properties?: Properties;
}

export interface PublishPacket {
  type: 'publish';
  /** May be empty in MQTT 5 when a topic alias stands in for it. */
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  dup: boolean;
  /** Present exactly when qos > 0. */
  packetId?: number;
  properties?: Properties;
}

/** PUBACK, PUBREC, PUBREL and PUBCOMP share one layout. */
export interface AckPacket<T extends 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'> {
  type: T;
  packetId: number;
  reasonCode: number;
  properties?: Properties;
}
export type PubAckPacket = AckPacket<'puback'>;
export type PubRecPacket = AckPacket<'pubrec'>;
export type PubRelPacket = AckPacket<'pubrel'>;
export type PubCompPacket = AckPacket<'pubcomp'>;

export type RetainHandling = 0 | 1 | 2;

export interface Subscription {
  topicFilter: string;
  qos: QoS;
  /** MQTT 5 subscription options; 3.x encodes only the defaults (false, false, 0). */
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: RetainHandling;
}

export interface SubscribePacket {
  type: 'subscribe';
  packetId: number;
  subscriptions: Subscription[];
  properties?: Properties;
}

export interface SubAckPacket {
  type: 'suback';
  packetId: number;
  /** One per requested filter: granted QoS 0/1/2 or a failure code ≥ 0x80 (3.1.1's 0x80 is the same). */
  reasonCodes: number[];
  properties?: Properties;
}

export interface UnsubscribePacket {
  type: 'unsubscribe';
  packetId: number;
  topicFilters: string[];
  properties?: Properties;
}

export interface UnsubAckPacket {
  type: 'unsuback';
  packetId: number;
  /** MQTT 5: one per filter. 3.x carries none: decoded as `[]`, and ignored when encoding. */
  reasonCodes: number[];
  properties?: Properties;
}

export interface PingReqPacket {
  type: 'pingreq';
}

export interface PingRespPacket {
  type: 'pingresp';
}

export interface DisconnectPacket {
  type: 'disconnect';
  /** 0 (Normal disconnection) for 3.x. */
  reasonCode: number;
  properties?: Properties;
}

/** MQTT 5 only. */
export interface AuthPacket {
  type: 'auth';
  reasonCode: number;
  properties?: Properties;
}

export type Packet =
  | ConnectPacket
  | ConnAckPacket
  | PublishPacket
  | PubAckPacket
  | PubRecPacket
  | PubRelPacket
  | PubCompPacket
  | SubscribePacket
  | SubAckPacket
  | UnsubscribePacket
  | UnsubAckPacket
  | PingReqPacket
  | PingRespPacket
  | DisconnectPacket
  | AuthPacket;

export type PacketType = Packet['type'];

/** The fixed-header packet type numbers, [MQTT-2.1.2]. */
export const PACKET_TYPE_CODE: Readonly<Record<PacketType, number>> = {
  connect: 1,
  connack: 2,
  publish: 3,
  puback: 4,
  pubrec: 5,
  pubrel: 6,
  pubcomp: 7,
  subscribe: 8,
  suback: 9,
  unsubscribe: 10,
  unsuback: 11,
  pingreq: 12,
  pingresp: 13,
  disconnect: 14,
  auth: 15,
};
