/**
 * MQTT 5.0 reason codes ([MQTT-2.4], table 2-6) and the 3.x mappings.
 *
 * The packet model is MQTT-5-shaped, so a 3.1.1 CONNACK return code is carried as the
 * 5.0 reason code that means the same thing. Encoding back to 3.x maps what has an
 * honest equivalent and refuses the rest (see `reasonCodeToConnackReturnCode`).
 *
 * Which reason codes each packet may carry is data here (`REASON_CODES_BY_PACKET`),
 * so the encoder and the decoder enforce one table.
 */
import type { PacketType } from './types';

/** Every MQTT 5.0 reason code by name. Several names share a value (0x00, 0x01, 0x02). */
export const ReasonCode = {
  Success: 0x00,
  NormalDisconnection: 0x00,
  GrantedQoS0: 0x00,
  GrantedQoS1: 0x01,
  GrantedQoS2: 0x02,
  DisconnectWithWillMessage: 0x04,
  NoMatchingSubscribers: 0x10,
  NoSubscriptionExisted: 0x11,
  ContinueAuthentication: 0x18,
  ReAuthenticate: 0x19,
  UnspecifiedError: 0x80,
  MalformedPacket: 0x81,
  ProtocolError: 0x82,
  ImplementationSpecificError: 0x83,
  UnsupportedProtocolVersion: 0x84,
  ClientIdentifierNotValid: 0x85,
  BadUserNameOrPassword: 0x86,
  NotAuthorized: 0x87,
  ServerUnavailable: 0x88,
  ServerBusy: 0x89,
  Banned: 0x8a,
  ServerShuttingDown: 0x8b,
  BadAuthenticationMethod: 0x8c,
  KeepAliveTimeout: 0x8d,
  SessionTakenOver: 0x8e,
  TopicFilterInvalid: 0x8f,
  TopicNameInvalid: 0x90,
  PacketIdentifierInUse: 0x91,
  PacketIdentifierNotFound: 0x92,
  ReceiveMaximumExceeded: 0x93,
  TopicAliasInvalid: 0x94,
  PacketTooLarge: 0x95,
  MessageRateTooHigh: 0x96,
  QuotaExceeded: 0x97,
  AdministrativeAction: 0x98,
  PayloadFormatInvalid: 0x99,
  RetainNotSupported: 0x9a,
  QoSNotSupported: 0x9b,
  UseAnotherServer: 0x9c,
  ServerMoved: 0x9d,
  SharedSubscriptionsNotSupported: 0x9e,
  ConnectionRateExceeded: 0x9f,
  MaximumConnectTime: 0xa0,
  SubscriptionIdentifiersNotSupported: 0xa1,
  WildcardSubscriptionsNotSupported: 0xa2,
} as const;

export type ReasonCodeName = keyof typeof ReasonCode;

/** Spec names (table 2-6) for codes whose name does not depend on the packet. */
const NAMES: ReadonlyMap<number, string> = new Map([
  [0x04, 'Disconnect with Will Message'],
  [0x10, 'No matching subscribers'],
  [0x11, 'No subscription existed'],
  [0x18, 'Continue authentication'],
  [0x19, 'Re-authenticate'],
  [0x80, 'Unspecified error'],
  [0x81, 'Malformed Packet'],
  [0x82, 'Protocol Error'],
  [0x83, 'Implementation specific error'],
  [0x84, 'Unsupported Protocol Version'],
  [0x85, 'Client Identifier not valid'],
  [0x86, 'Bad User Name or Password'],
  [0x87, 'Not authorized'],
  [0x88, 'Server unavailable'],
  [0x89, 'Server busy'],
  [0x8a, 'Banned'],
  [0x8b, 'Server shutting down'],
  [0x8c, 'Bad authentication method'],
  [0x8d, 'Keep Alive timeout'],
  [0x8e, 'Session taken over'],
  [0x8f, 'Topic Filter invalid'],
  [0x90, 'Topic Name invalid'],
  [0x91, 'Packet Identifier in use'],
  [0x92, 'Packet Identifier not found'],
  [0x93, 'Receive Maximum exceeded'],
  [0x94, 'Topic Alias invalid'],
  [0x95, 'Packet too large'],
  [0x96, 'Message rate too high'],
  [0x97, 'Quota exceeded'],
  [0x98, 'Administrative action'],
  [0x99, 'Payload format invalid'],
  [0x9a, 'Retain not supported'],
  [0x9b, 'QoS not supported'],
  [0x9c, 'Use another server'],
  [0x9d, 'Server moved'],
  [0x9e, 'Shared Subscriptions not supported'],
  [0x9f, 'Connection rate exceeded'],
  [0xa0, 'Maximum connect time'],
  [0xa1, 'Subscription Identifiers not supported'],
  [0xa2, 'Wildcard Subscriptions not supported'],
]);

/**
 * The spec name of a reason code. 0x00 is "Success", or "Normal disconnection" for
 * DISCONNECT and "Granted QoS 0" for SUBACK; 0x01/0x02 are "Granted QoS 1/2".
 * An unknown code gives "Unknown reason code 0x…" (never throws).
 */
export function reasonCodeName(code: number, packetType?: PacketType): string {
  if (code === 0x00) {
    if (packetType === 'disconnect') return 'Normal disconnection';
    if (packetType === 'suback') return 'Granted QoS 0';
    return 'Success';
  }
  if (code === 0x01) return 'Granted QoS 1';
  if (code === 0x02) return 'Granted QoS 2';
  return NAMES.get(code) ?? `Unknown reason code 0x${code.toString(16).padStart(2, '0')}`;
}

const FAILURES_CONNACK = [
  0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a,
  0x9b, 0x9c, 0x9d, 0x9f,
];
const PUB_CODES = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
const PUBREL_CODES = [0x00, 0x92];

/** Which reason codes each MQTT 5 packet may carry (§3.x.2.1 of each packet). */
export const REASON_CODES_BY_PACKET: Readonly<Partial<Record<PacketType, ReadonlySet<number>>>> = {
  connack: new Set([0x00, ...FAILURES_CONNACK]),
  puback: new Set(PUB_CODES),
  pubrec: new Set(PUB_CODES),
  pubrel: new Set(PUBREL_CODES),
  pubcomp: new Set(PUBREL_CODES),
  suback: new Set([0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2]),
  unsuback: new Set([0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91]),
  disconnect: new Set([
    0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96,
    0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2,
  ]),
  auth: new Set([0x00, 0x18, 0x19]),
};

/** Whether an MQTT 5 packet of this type may carry this reason code. */
export function isReasonCodeAllowed(packetType: PacketType, code: number): boolean {
  return REASON_CODES_BY_PACKET[packetType]?.has(code) ?? false;
}

/** 3.1/3.1.1 CONNACK return code → 5.0 reason code ([MQTT-3.2.2.3] table 3.1). */
const RETURN_TO_REASON = [0x00, 0x84, 0x85, 0x88, 0x86, 0x87] as const;

/** Maps a 3.x CONNACK return code (0..5) to a 5.0 reason code; undefined if reserved (6..255). */
export function connackReturnCodeToReasonCode(returnCode: number): number | undefined {
  return RETURN_TO_REASON[returnCode];
}

/**
 * Maps a 5.0 CONNACK reason code to a 3.x return code, or undefined when 3.x has no
 * honest equivalent. Besides the five exact inverses, codes that all mean "this server
 * will not serve you right now" (busy, shutting down, use another server, moved,
 * connection rate exceeded) become 3 "Server unavailable", and Banned becomes
 * 5 "Not authorized". Everything else (e.g. 0x80 Unspecified error, 0x81 Malformed
 * Packet, 0x8C Bad authentication method, 0x95 Packet too large) is refused, because a
 * 3.x client would be told something untrue.
 */
export function reasonCodeToConnackReturnCode(reasonCode: number): number | undefined {
  switch (reasonCode) {
    case 0x00: return 0;
    case 0x84: return 1;
    case 0x85: return 2;
    case 0x88: case 0x89: case 0x8b: case 0x9c: case 0x9d: case 0x9f: return 3;
    case 0x86: return 4;
    case 0x87: case 0x8a: return 5;
    default: return undefined;
  }
}
