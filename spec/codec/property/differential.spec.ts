/**
 * Differential tests against mqtt-packet 9 (the codec MQTT.js uses), for 3.1.1 and 5.0:
 * - bytes we encode parse in mqtt-packet to the same packet (through `fromMqttPacket`);
 * - bytes mqtt-packet generates from the same packet (through `toMqttPacket`) decode
 *   in ours to that packet;
 * - for 3.1.1, whose encoding has no optional parts, both produce identical bytes.
 *
 * mqtt-packet deviates from the spec in a few places. Each deviation is a documented
 * restriction of the generated packets below (never a relaxed comparison), so any
 * other disagreement fails the test.
 */
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { decodePacket, encodePacket } from '../../../src/codec';
import type { Packet, PacketType, Properties, ProtocolVersion, UserProperty } from '../../../src/codec';
import { packetOf, typesFor } from './arbitraries';
import { flattenUserProperties, fromMqttPacket, groupUserProperties, toMqttPacket } from './mqtt-packet-mapping';
import type { MqttPacketObject } from './mqtt-packet-mapping';

const RUNS = 150;

/**
 * Restriction 1 (both directions). mqtt-packet holds user properties as an object of
 * name → value(s), so it keeps the order of values under one name but not the order
 * across names, and an object puts integer-like names ("0", "42") first. We reorder
 * the pairs into the order that object gives back.
 * Restriction 2 (both directions). Its parser folds a repeated name with a truthiness
 * test (`if (result[name][n])`), so a first value of "" is overwritten by the next
 * value of that name: `[["a",""],["a","x"]]` parses as `{ a: "x" }`. We give the
 * first value of a repeated name one character.
 */
function mqttPacketUserProperties(pairs: UserProperty[]): UserProperty[] {
  const counts = new Map<string, number>();
  for (const [n] of pairs) counts.set(n, (counts.get(n) ?? 0) + 1);
  const seen = new Set<string>();
  const fixed = pairs.map(([n, v]): UserProperty => {
    const first = !seen.has(n);
    seen.add(n);
    return first && v === '' && (counts.get(n) ?? 0) > 1 ? [n, 'v'] : [n, v];
  });
  return flattenUserProperties(groupUserProperties(fixed));
}

function fixProps(p: Properties | undefined): Properties | undefined {
  if (p?.userProperties === undefined) return p;
  return { ...p, userProperties: mqttPacketUserProperties(p.userProperties) };
}

function restrictBoth(p: Packet): Packet {
  const q = { ...p } as Packet;
  if ('properties' in q && q.properties !== undefined) q.properties = fixProps(q.properties);
  if (q.type === 'connect' && q.will?.properties !== undefined) q.will = { ...q.will, properties: fixProps(q.will.properties) };
  return q;
}

/**
 * Restrictions on what mqtt-packet's *parser* is given (our bytes → mqtt-packet):
 * 3. An AUTH with reason code 0 and no properties may have Remaining Length 0 (5.0
 *    §3.15.2.1); mqtt-packet's parser then reads a reason code past the end and
 *    rejects it ("Invalid auth reason code"). We give such AUTH packets a property.
 */
function restrictForParser(p: Packet): Packet {
  if (p.type === 'auth' && p.reasonCode === 0 && p.properties === undefined) {
    return { ...p, properties: { reasonString: 'r' } };
  }
  return p;
}

/**
 * Restrictions on what mqtt-packet's *generator* is given (mqtt-packet bytes → ours):
 * 4. It refuses a password without a user name ("Username is required to use
 *    password"), which 5.0 allows (§3.1.2.9): we drop such passwords.
 * 5. It refuses an empty Client Identifier with Clean Start 0, which 5.0 allows
 *    (§3.1.3.1, the Server may assign one): we set Clean Start for those.
 * 6. With bridge mode on 5.0 it writes protocol level 3 (its version switch knows only
 *    131 and 132): we leave bridge mode out of 5.0 CONNECTs.
 */
function restrictForGenerator(p: Packet): Packet {
  if (p.type !== 'connect') return p;
  const q = { ...p };
  if (q.username === undefined) delete q.password;
  if (q.clientId === '') q.clean = true;
  if (q.protocolVersion === 5) delete q.bridge;
  return q;
}

/** Parses one frame with a fresh mqtt-packet parser; returns what it emitted. */
function mqttPacketParse(bytes: Uint8Array, version: ProtocolVersion): { packets: MqttPacketObject[]; errors: Error[] } {
  const parser = mqttPacket.parser({ protocolVersion: version });
  const packets: MqttPacketObject[] = [];
  const errors: Error[] = [];
  parser.on('packet', (p: unknown) => packets.push(p as MqttPacketObject));
  parser.on('error', (e: Error) => errors.push(e));
  parser.parse(Buffer.from(bytes));
  return { packets, errors };
}

function mqttPacketGenerate(p: Packet, version: ProtocolVersion): Uint8Array {
  const obj = toMqttPacket(p, version) as unknown as mqttPacket.Packet;
  // A plain Uint8Array copy: our decoder's contract is Uint8Array, not Buffer.
  return new Uint8Array(mqttPacket.generate(obj, { protocolVersion: version }));
}

const DIFF_VERSIONS: readonly ProtocolVersion[] = [4, 5];

describe.each(DIFF_VERSIONS)('codec vs mqtt-packet, protocol version %i', (version) => {
  const arb = (type: PacketType) => packetOf(type, version).map(restrictBoth);

  // Checks the mapping itself: through mqtt-packet alone, a packet comes back unchanged.
  it.each(typesFor(version))('%s: the mapping round-trips through mqtt-packet alone', (type) => {
    fc.assert(
      fc.property(arb(type).map(restrictForGenerator).map(restrictForParser), (packet) => {
        const { packets, errors } = mqttPacketParse(mqttPacketGenerate(packet, version), version);
        expect(errors).toEqual([]);
        expect(packets).toHaveLength(1);
        expect(fromMqttPacket(packets[0], version)).toStrictEqual(packet);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(typesFor(version))('%s: our bytes parse in mqtt-packet to the same packet', (type) => {
    fc.assert(
      fc.property(arb(type).map(restrictForParser), (packet) => {
        const { packets, errors } = mqttPacketParse(encodePacket(packet, version), version);
        expect(errors).toEqual([]);
        expect(packets).toHaveLength(1);
        expect(fromMqttPacket(packets[0], version)).toStrictEqual(packet);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(typesFor(version))('%s: mqtt-packet bytes decode in ours to the same packet', (type) => {
    fc.assert(
      fc.property(arb(type).map(restrictForGenerator), (packet) => {
        expect(decodePacket(mqttPacketGenerate(packet, version), version)).toStrictEqual(packet);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('codec vs mqtt-packet, 3.1.1 bytes', () => {
  // 3.1.1 has one encoding per packet (no optional reason codes or properties), so the
  // two libraries must agree byte for byte.
  it.each(typesFor(4))('%s: identical bytes', (type) => {
    fc.assert(
      fc.property(packetOf(type, 4).map(restrictForGenerator), (packet) => {
        expect(Buffer.from(encodePacket(packet, 4)).toString('hex')).toBe(Buffer.from(mqttPacketGenerate(packet, 4)).toString('hex'));
      }),
      { numRuns: RUNS },
    );
  });
});
