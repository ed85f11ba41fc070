/**
 * CONNECT (§3.1). Decoded by its own protocol level, whatever version the caller
 * expects: it is the packet that tells us the version.
 *
 * Variable header: Protocol Name (`MQIsdp` for level 3, `MQTT` for 4 and 5
 * [MQTT-3.1.2-1]), Protocol Level (the 0x80 bit is mosquitto's bridge flag), Connect
 * Flags (bit 0 reserved, must be 0 [MQTT-3.1.2-3]), Keep Alive, and (5.0) properties.
 * Payload, in this order [MQTT-3.1.3-1]: Client Identifier, (5.0) Will Properties, Will
 * Topic, Will Payload, User Name, Password. Will QoS/Retain must be 0 without the Will
 * flag [MQTT-3.1.2-11] [MQTT-3.1.2-13]; 3.x forbids a password without a user name
 * [MQTT-3.1.2-22].
 */
import { MalformedPacketError, PacketEncodeError } from '../../errors';
import { hasProperties, propertiesLength, readProperties, writeProperties } from '../properties';
import type { Reader } from '../reader';
import type { ConnectPacket, Properties, ProtocolVersion, QoS, Will } from '../types';
import { binaryLength, checkRemainingLength, utf8Length, varintLength, type Allocator } from '../writer';
import { checkNoPropertiesFor3, checkQoSForEncode } from './common';

const F_USERNAME = 0x80;
const F_PASSWORD = 0x40;
const F_WILL_RETAIN = 0x20;
const F_WILL_FLAG = 0x04;
const F_CLEAN = 0x02;
const F_RESERVED = 0x01;

function protocolName(level: ProtocolVersion): string {
  return level === 3 ? 'MQIsdp' : 'MQTT';
}

interface ConnectSizes {
  remaining: number;
  propLen: number;
  willPropLen: number;
}

function measure(p: ConnectPacket): ConnectSizes {
  const v = p.protocolVersion;
  if (v !== 3 && v !== 4 && v !== 5) throw new PacketEncodeError('MQTT-3.1.2-2', `unknown protocol level ${String(v)}`);
  if (!Number.isInteger(p.keepalive) || p.keepalive < 0 || p.keepalive > 0xffff) {
    throw new PacketEncodeError('MQTT-3.1.2.10', `keepalive must be an integer in 0..65535, got ${p.keepalive}`);
  }
  // Name (2 + 4 or 6), level, flags, keepalive.
  let remaining = 2 + protocolName(v).length + 1 + 1 + 2;
  let propLen = 0;
  let willPropLen = 0;
  if (v === 5) {
    propLen = propertiesLength(p.properties, 'connect');
    remaining += varintLength(propLen) + propLen;
  } else {
    checkNoPropertiesFor3(p.properties, v, 'connect');
  }
  remaining += 2 + utf8Length(p.clientId, 'client identifier');
  const will = p.will;
  if (will !== undefined) {
    checkQoSForEncode(will.qos, 'will');
    if (v === 5) {
      willPropLen = propertiesLength(will.properties, 'will');
      remaining += varintLength(willPropLen) + willPropLen;
    } else if (hasProperties(will.properties)) {
      throw new PacketEncodeError('properties require MQTT 5', `will properties cannot be sent with protocol level ${v}`);
    }
    remaining += 2 + utf8Length(will.topic, 'will topic') + 2 + binaryLength(will.payload, 'will payload');
  }
  if (p.username !== undefined) remaining += 2 + utf8Length(p.username, 'user name');
  if (p.password !== undefined) {
    if (p.username === undefined && v < 5) {
      throw new PacketEncodeError('MQTT-3.1.2-22', 'a password needs a user name before MQTT 5');
    }
    remaining += 2 + binaryLength(p.password, 'password');
  }
  checkRemainingLength(remaining, 'CONNECT');
  return { remaining, propLen, willPropLen };
}

export function connectLength(p: ConnectPacket): number {
  const { remaining } = measure(p);
  return 1 + varintLength(remaining) + remaining;
}

export function encodeConnect(p: ConnectPacket, out: Allocator): Uint8Array {
  const { remaining, propLen, willPropLen } = measure(p);
  const v = p.protocolVersion;
  const w = out.writer(1 + varintLength(remaining) + remaining);
  w.header(0x10, remaining);
  w.utf8(protocolName(v));
  w.u8(p.bridge === true ? v | 0x80 : v);
  const will = p.will;
  let flags = p.clean ? F_CLEAN : 0;
  if (will !== undefined) flags |= F_WILL_FLAG | (will.qos << 3) | (will.retain ? F_WILL_RETAIN : 0);
  if (p.username !== undefined) flags |= F_USERNAME;
  if (p.password !== undefined) flags |= F_PASSWORD;
  w.u8(flags);
  w.u16(p.keepalive);
  if (v === 5) writeProperties(w, p.properties, propLen);
  w.utf8(p.clientId);
  if (will !== undefined) {
    if (v === 5) writeProperties(w, will.properties, willPropLen);
    w.utf8(will.topic);
    w.binary(will.payload);
  }
  if (p.username !== undefined) w.utf8(p.username);
  if (p.password !== undefined) w.binary(p.password);
  return w.done();
}

function readLevel(r: Reader): { version: ProtocolVersion; bridge: boolean } {
  const name = r.utf8('protocol name');
  const byte = r.u8('protocol level');
  const level = byte & 0x7f;
  if (name !== 'MQTT' && name !== 'MQIsdp') throw new MalformedPacketError('MQTT-3.1.2-1', `unknown protocol name '${name}'`);
  if ((name === 'MQIsdp' && level !== 3) || (name === 'MQTT' && level !== 4 && level !== 5)) {
    throw new MalformedPacketError('MQTT-3.1.2-2', `unsupported protocol level ${level} for '${name}'`);
  }
  return { version: level as ProtocolVersion, bridge: (byte & 0x80) !== 0 };
}

export function decodeConnect(r: Reader): ConnectPacket {
  const { version, bridge } = readLevel(r);
  const flags = r.u8('connect flags');
  if ((flags & F_RESERVED) !== 0) throw new MalformedPacketError('MQTT-3.1.2-3', 'CONNECT reserved flag is set');
  const hasWill = (flags & F_WILL_FLAG) !== 0;
  const willQoS = (flags >> 3) & 0x03;
  const willRetain = (flags & F_WILL_RETAIN) !== 0;
  if (!hasWill && willQoS !== 0) throw new MalformedPacketError('MQTT-3.1.2-11', 'will QoS is set without the will flag');
  if (!hasWill && willRetain) throw new MalformedPacketError('MQTT-3.1.2-13', 'will retain is set without the will flag');
  if (willQoS === 3) throw new MalformedPacketError('MQTT-3.1.2-12', 'will QoS is 3');
  const hasUsername = (flags & F_USERNAME) !== 0;
  const hasPassword = (flags & F_PASSWORD) !== 0;
  if (version < 5 && hasPassword && !hasUsername) {
    throw new MalformedPacketError('MQTT-3.1.2-22', 'password flag set without the user name flag');
  }
  const keepalive = r.u16('keep alive');
  const properties = version === 5 ? readProperties(r, 'connect') : undefined;
  const clientId = r.utf8('client identifier');
  const packet: ConnectPacket = { type: 'connect', protocolVersion: version, clean: (flags & F_CLEAN) !== 0, keepalive, clientId };
  if (bridge) packet.bridge = true;
  if (hasWill) {
    const willProps: Properties | undefined = version === 5 ? readProperties(r, 'will') : undefined;
    const will: Will = { topic: r.utf8('will topic'), payload: r.binary('will payload'), qos: willQoS as QoS, retain: willRetain };
    if (willProps !== undefined) will.properties = willProps;
    packet.will = will;
  }
  if (hasUsername) packet.username = r.utf8('user name');
  if (hasPassword) packet.password = r.binary('password');
  if (properties !== undefined) packet.properties = properties;
  r.done('CONNECT');
  return packet;
}
