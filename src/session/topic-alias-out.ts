/**
 * Outbound topic aliases (MQTT 5, §3.3.2.3.4): with the `topicAliases` option the client
 * stands a two-byte alias in for the topics it publishes.
 *
 * Theory of operation.
 * - How many: aliases 1..maximum, where maximum = min(our own cap, the broker's Topic
 *   Alias Maximum from CONNACK) [MQTT-3.3.2-9]; never 0 [MQTT-3.3.2-8]. In 3.x, with a
 *   broker maximum of 0 (or none), or with the option off, the connection scope holds no
 *   table (`outAliases` undefined) and nothing here runs.
 * - One table per network connection: built empty at CONNACK (connect.ts), dropped with
 *   the connection scope. The broker forgets its mappings with the connection
 *   [MQTT-3.3.2-7], so a PUBLISH never leans on a mapping made on another connection.
 * - A topic's first PUBLISH on a connection carries the topic and a new alias (the
 *   broker records the mapping); later ones carry an empty topic and the alias. When
 *   every alias is taken, one is replaced: the topic and that alias go out together
 *   again, which re-maps it at the broker.
 * - Which alias is replaced: CLOCK ("second chance"), the usual approximation of least
 *   recently used. Each mapping has a `used` bit, set when the alias is used again; the
 *   hand walks the aliases in a circle, clearing set bits, and takes the first whose bit
 *   is clear. A topic published again since the hand last passed survives a sweep; a
 *   topic published once is the first to go. Unlike exact LRU it needs no write on a
 *   hit whose bit is already set, so the steady state (the topics in use fit) is a pure
 *   lookup.
 * - What gets no alias: a topic of fewer than 4 characters (the 3-byte alias property
 *   would save nothing); a new mapping whose topic + alias PUBLISH would exceed the
 *   broker's Maximum Packet Size [MQTT-3.1.2-24] (it goes out plain). An alias-only
 *   PUBLISH of a topic of 4 or more characters is never longer than the plain one, so
 *   only new mappings are measured.
 * - Resends after a reconnect (DUP, [MQTT-4.4.0-1]) carry their full topic: a flow keeps
 *   the PUBLISH as built, without an alias (publish-out.ts), and a resend may set an
 *   alias on the new connection but never uses one alone.
 *
 * Data: the table is plain immutable data like the rest of the state. Topics are found
 * by a 32-bit FNV-1a hash in an `IdTable` (id-table.ts: an update copies two 16-slot
 * arrays and one small leaf, whatever the maximum), with a bucket per hash for the rare
 * collision; aliases map back to topics in a second `IdTable`, for the hand.
 */
import { encodedLength } from '../codec/encode';
import type { Properties, PublishPacket } from '../codec/types';
import { deleteFlow, emptyTable, getFlow, setFlow, type IdTable } from './id-table';
import type { ConnectedScope } from './state';
import { patchConnected, type Step } from './step';

/** One mapping. `properties` is `{ topicAlias }`, made once, for PUBLISHes that carry no properties of their own. */
export interface AliasEntry {
  readonly topic: string;
  readonly alias: number;
  /** Used again since the hand last passed it (CLOCK's reference bit). */
  readonly used: boolean;
  readonly properties: Properties;
}

export interface OutboundAliases {
  /** Aliases are 1..maximum: min(our cap, the broker's Topic Alias Maximum). */
  readonly maximum: number;
  /** Aliases handed out: 1..count are mapped; at `maximum`, a new topic replaces one. */
  readonly count: number;
  /** CLOCK's hand: the next alias the replacement looks at, 1..maximum. */
  readonly hand: number;
  /** Mappings by the topic's hash (a bucket of entries per hash). */
  readonly byTopic: IdTable<readonly AliasEntry[]>;
  /** Alias → topic. */
  readonly byAlias: IdTable<string>;
}

/** Shorter topics get no alias: `topicAlias` costs 3 bytes, the topic 2 + its length. */
export const MIN_ALIASED_TOPIC_LENGTH = 4;

export function emptyOutboundAliases(maximum: number): OutboundAliases {
  return { maximum, count: 0, hand: 1, byTopic: emptyTable(), byAlias: emptyTable() };
}

/**
 * The PUBLISH to put on the wire for `packet` on this connection: alias-only when its
 * topic is mapped (topic + alias when `resend`), topic + a new alias when it can get one,
 * else `packet` itself. Records the mapping in the connection scope. `packet` is not
 * changed: the caller keeps it, full topic and all, for a resend on a later connection.
 */
export function withTopicAlias(s: Step, packet: PublishPacket, resend: boolean): PublishPacket {
  const conn = s.state.connection;
  if (conn.type !== 'connected' || conn.outAliases === undefined) return packet;
  const table = conn.outAliases;
  const topic = packet.topic;
  if (topic.length < MIN_ALIASED_TOPIC_LENGTH) return packet;
  const hash = topicHash(topic);
  const entry = findEntry(table.byTopic, hash, topic);
  if (entry !== undefined) {
    if (!entry.used) {
      const byTopic = putEntry(table.byTopic, hash, { topic, alias: entry.alias, used: true, properties: entry.properties });
      patchConnected(s, { outAliases: { ...table, byTopic } });
    }
    return aliased(packet, resend ? topic : '', entry);
  }
  return mapNew(s, conn, table, packet, hash);
}

/** Gives `packet`'s topic an alias (a free one, or CLOCK's victim) and sends topic + alias, if it fits. */
function mapNew(s: Step, conn: ConnectedScope, table: OutboundAliases, packet: PublishPacket, hash: number): PublishPacket {
  let { byTopic, hand } = table;
  let alias: number;
  if (table.count < table.maximum) {
    alias = table.count + 1;
  } else {
    const victim = replaceable(table);
    ({ alias, byTopic, hand } = victim);
  }
  const entry: AliasEntry = { topic: packet.topic, alias, used: false, properties: Object.freeze({ topicAlias: alias }) };
  const wire = aliased(packet, packet.topic, entry);
  if (!fits(conn, packet, wire)) return packet; // nothing recorded: the hand's sweep is dropped too
  patchConnected(s, {
    outAliases: {
      maximum: table.maximum,
      count: Math.max(table.count, alias),
      hand,
      byTopic: putEntry(byTopic, hash, entry),
      byAlias: setFlow(table.byAlias, alias, packet.topic),
    },
  });
  return wire;
}

/**
 * CLOCK: from the hand, clear set `used` bits until a mapping with a clear one; that
 * alias is replaced (its entry removed). Ends within one turn plus one step: a full
 * turn clears every bit.
 */
function replaceable(table: OutboundAliases): { alias: number; byTopic: OutboundAliases['byTopic']; hand: number } {
  let { byTopic, hand } = table;
  for (let step = 0; step <= table.maximum; step++) {
    const next = hand === table.maximum ? 1 : hand + 1;
    const topic = getFlow(table.byAlias, hand);
    const hash = topic === undefined ? 0 : topicHash(topic);
    const entry = topic === undefined ? undefined : findEntry(byTopic, hash, topic);
    if (topic === undefined || entry === undefined) return { alias: hand, byTopic, hand: next }; // unmapped: free to take
    if (!entry.used) return { alias: hand, byTopic: removeEntry(byTopic, hash, topic), hand: next };
    byTopic = putEntry(byTopic, hash, { topic, alias: entry.alias, used: false, properties: entry.properties });
    hand = next;
  }
  return { alias: hand, byTopic, hand: hand === table.maximum ? 1 : hand + 1 }; // unreachable: a turn clears every bit
}

/** `packet` with `topic` (the full one, or '' for alias-only) and the entry's alias. Same shape as publish-out's `newPublish`. */
function aliased(packet: PublishPacket, topic: string, entry: AliasEntry): PublishPacket {
  const own = packet.properties;
  const out: PublishPacket = {
    type: 'publish',
    topic,
    payload: packet.payload,
    qos: packet.qos,
    retain: packet.retain,
    dup: packet.dup,
    packetId: packet.packetId,
    properties: own === undefined ? entry.properties : { ...own, topicAlias: entry.alias },
  };
  return out;
}

/**
 * Whether the topic + alias PUBLISH fits the broker's Maximum Packet Size. Without
 * properties of its own an upper bound settles it (fixed header ≤ 5, topic 2 + ≤ 3
 * bytes a UTF-16 unit, packet id 2, property length 1 + the alias 3); otherwise the
 * codec measures it. The plain `packet` was checked at the API edge.
 */
function fits(conn: ConnectedScope, packet: PublishPacket, wire: PublishPacket): boolean {
  const max = conn.maximumPacketSize;
  if (max === undefined) return true;
  if (packet.properties === undefined && 13 + 3 * packet.topic.length + packet.payload.length <= max) return true;
  return encodedLength(wire, 5) <= max;
}

/** 32-bit FNV-1a over the UTF-16 units: spreads topics that differ anywhere, one multiply a character. */
export function topicHash(topic: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < topic.length; i++) h = Math.imul(h ^ topic.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function findEntry(byTopic: OutboundAliases['byTopic'], hash: number, topic: string): AliasEntry | undefined {
  const bucket = getFlow(byTopic, hash);
  if (bucket === undefined) return undefined;
  for (let i = 0; i < bucket.length; i++) if (bucket[i].topic === topic) return bucket[i];
  return undefined;
}

/** Adds `entry`, or replaces the entry of the same topic. */
function putEntry(byTopic: OutboundAliases['byTopic'], hash: number, entry: AliasEntry): OutboundAliases['byTopic'] {
  const bucket = getFlow(byTopic, hash);
  if (bucket === undefined) return setFlow(byTopic, hash, [entry]);
  return setFlow(byTopic, hash, [...bucket.filter((e) => e.topic !== entry.topic), entry]);
}

function removeEntry(byTopic: OutboundAliases['byTopic'], hash: number, topic: string): OutboundAliases['byTopic'] {
  const bucket = getFlow(byTopic, hash);
  if (bucket === undefined) return byTopic;
  const kept = bucket.filter((e) => e.topic !== topic);
  return kept.length === 0 ? deleteFlow(byTopic, hash) : setFlow(byTopic, hash, kept);
}
