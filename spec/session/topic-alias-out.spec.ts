// Outbound topic aliases (MQTT 5 §3.3.2.3.4, option topicAliases): assigned per connection,
// alias-only after the first PUBLISH of a topic, replaced by CLOCK when all are taken,
// never carried over to another connection, never alone on a resend.
import type { Packet, PublishPacket } from '../../src/codec/types';
import { initialState, type SessionConfig, type SessionState } from '../../src/session';
import { getFlow } from '../../src/session/id-table';
import { topicHash } from '../../src/session/topic-alias-out';
import { config, connack, connected, ofType, pub, recv, run, sent } from './helpers';

const TOPIC_A = 'sensors/a';
const TOPIC_B = 'sensors/b';
const TOPIC_C = 'sensors/c';
const TOPIC_D = 'sensors/d';

/** A state connected to a broker whose CONNACK says Topic Alias Maximum `brokerMaximum`. */
function aliasing(brokerMaximum: number | undefined, cfg: Partial<SessionConfig> = { outboundTopicAliases: 65535 }, extra = {}): SessionState {
  const props = { ...(brokerMaximum === undefined ? {} : { topicAliasMaximum: brokerMaximum }), ...extra };
  return connected(cfg, connack(false, 0, Object.keys(props).length === 0 ? undefined : props));
}

/** What each PUBLISH put on the wire said: [topic, alias]. */
function wire(packets: Packet[]): Array<[string, number | undefined]> {
  return packets.filter((p): p is PublishPacket => p.type === 'publish').map((p) => [p.topic, p.properties?.topicAlias]);
}

const publishes = (state: SessionState, topics: string[], qos: 0 | 1 | 2 = 0, firstId = 1) =>
  run(state, topics.map((t, i) => pub(firstId + i, qos, t)));

describe('session: outbound topic aliases', () => {
  it.each([0, 1, 2] as const)('QoS %i: the first PUBLISH of a topic sets topic + alias, later ones send the alias alone', (qos) => {
    const r = publishes(aliasing(10), [TOPIC_A, TOPIC_A, TOPIC_B, TOPIC_A, TOPIC_B], qos);
    expect(wire(sent(r.commands))).toEqual([
      [TOPIC_A, 1],
      ['', 1],
      [TOPIC_B, 2],
      ['', 1],
      ['', 2],
    ]);
  });

  it('a QoS 1/2 flow keeps its PUBLISH with the full topic and no alias', () => {
    const r = publishes(aliasing(10), [TOPIC_A, TOPIC_A], 1);
    const second = getFlow(r.state.session.flows, 2);
    expect(second?.type === 'publish' && second.packet).toMatchObject({ topic: TOPIC_A, packetId: 2, dup: false, properties: undefined });
  });

  it('merges the alias into the PUBLISH’s own properties without changing them', () => {
    const properties = { contentType: 'text/plain', userProperties: [['k', 'v']] as [string, string][] };
    const message = (requestId: number) => ({ type: 'publishRequested' as const, requestId, message: { topic: TOPIC_A, payload: new Uint8Array(), qos: 0 as const, retain: false, properties } });
    const r = run(aliasing(10), [message(1), message(2)]);
    expect(sent(r.commands)).toEqual([
      expect.objectContaining({ topic: TOPIC_A, properties: { ...properties, topicAlias: 1 } }),
      expect.objectContaining({ topic: '', properties: { ...properties, topicAlias: 1 } }),
    ]);
    expect(properties).toEqual({ contentType: 'text/plain', userProperties: [['k', 'v']] });
  });

  it('uses at most min(our maximum, the broker’s Topic Alias Maximum)', () => {
    const topics = ['topic/1', 'topic/2', 'topic/3', 'topic/4'];
    const byBroker = publishes(aliasing(2), topics);
    expect(wire(sent(byBroker.commands)).map(([, a]) => a)).toEqual([1, 2, 1, 2]);
    const byUs = publishes(aliasing(10, { outboundTopicAliases: 3 }), topics);
    expect(wire(sent(byUs.commands)).map(([, a]) => a)).toEqual([1, 2, 3, 1]);
  });

  it('when all are taken, replaces the alias of a topic not used again (CLOCK), keeping one in use', () => {
    // 2 aliases: A→1, B→2; C replaces A (neither was used again); B is used; D must not take B's.
    const r = publishes(aliasing(2), [TOPIC_A, TOPIC_B, TOPIC_C, TOPIC_B, TOPIC_D, TOPIC_B, TOPIC_C]);
    expect(wire(sent(r.commands))).toEqual([
      [TOPIC_A, 1],
      [TOPIC_B, 2],
      [TOPIC_C, 1], // replaces A: topic + alias again
      ['', 2],
      [TOPIC_D, 1], // B was used since the hand passed: C goes
      ['', 2],
      [TOPIC_C, 1], // B was used again: D, used once, goes
    ]);
  });

  it('topics whose hashes collide keep their own aliases', () => {
    const [x, y] = ['dev/1232789', 'dev/1429192']; // same 32-bit FNV-1a hash
    expect(topicHash(x)).toBe(topicHash(y));
    const r = publishes(aliasing(2), [x, y, x, y, TOPIC_A, y, x]);
    expect(wire(sent(r.commands))).toEqual([
      [x, 1],
      [y, 2],
      ['', 1],
      ['', 2],
      [TOPIC_A, 1], // both were used again: a full turn clears them, and the hand takes x's
      ['', 2],
      [x, 1], // y was used again since: A, used once, goes
    ]);
  });

  it('a replaced topic is sent with its topic again, never with a stale alias', () => {
    const r = publishes(aliasing(1), [TOPIC_A, TOPIC_B, TOPIC_A, TOPIC_A]);
    expect(wire(sent(r.commands))).toEqual([
      [TOPIC_A, 1],
      [TOPIC_B, 1],
      [TOPIC_A, 1],
      ['', 1],
    ]);
  });

  it.each([
    ['the broker allows none (Topic Alias Maximum 0)', aliasing(0)],
    ['the broker says nothing (absent means 0)', aliasing(undefined)],
    ['MQTT 3.1.1', connected({ protocolVersion: 4, outboundTopicAliases: 10 })],
    ['the option is off', aliasing(10, {})],
    ['the option’s maximum is 0', aliasing(10, { outboundTopicAliases: 0 })],
  ])('no aliases when %s', (_name, state) => {
    const r = publishes(state, [TOPIC_A, TOPIC_A, TOPIC_B], 1);
    expect(wire(sent(r.commands))).toEqual([
      [TOPIC_A, undefined],
      [TOPIC_A, undefined],
      [TOPIC_B, undefined],
    ]);
    expect(state.connection.type === 'connected' && state.connection.outAliases).toBeUndefined();
  });

  it('says at CONNACK (a debug log line) how many aliases the connection may use', () => {
    const logs = (state: SessionState, props?: Record<string, number>) =>
      ofType(run(state, [{ type: 'transportOpened' }, recv(connack(false, 0, props))]).commands, 'log').map((c) => c.message);
    expect(logs(initialState(config({ outboundTopicAliases: 5 })), { topicAliasMaximum: 10 })).toContain('topic aliases: up to 5 on this connection');
    expect(logs(initialState(config({ outboundTopicAliases: 5 })))).toContain('topic aliases: not used on this connection (MQTT 3.x, or the broker allows none)');
    expect(logs(initialState(config()), { topicAliasMaximum: 10 }).filter((m) => m.includes('alias'))).toEqual([]);
  });

  it('topics shorter than 4 characters get no alias (it would save nothing)', () => {
    const r = publishes(aliasing(10), ['abc', 'abc', 'abcd', 'abcd']);
    expect(wire(sent(r.commands))).toEqual([
      ['abc', undefined],
      ['abc', undefined],
      ['abcd', 1],
      ['', 1],
    ]);
  });

  it('a new mapping that would exceed the broker’s Maximum Packet Size goes out plain', () => {
    // Plain: 2 header + 2 + 9 topic + 1 property length + payload 'mN' (2) = 16 bytes; with the alias 19.
    const tight = publishes(aliasing(10, undefined, { maximumPacketSize: 16 }), [TOPIC_A, TOPIC_A]);
    expect(wire(sent(tight.commands))).toEqual([
      [TOPIC_A, undefined],
      [TOPIC_A, undefined],
    ]);
    const roomy = publishes(aliasing(10, undefined, { maximumPacketSize: 19 }), [TOPIC_A, TOPIC_A]);
    expect(wire(sent(roomy.commands))).toEqual([
      [TOPIC_A, 1],
      ['', 1],
    ]);
  });

  it('a new connection starts with no mappings [MQTT-3.3.2-7]', () => {
    const first = publishes(aliasing(10), [TOPIC_A, TOPIC_A]);
    const again = run(first.state, [{ type: 'transportClosed' }, { type: 'transportOpened' }, recv(connack(false, 0, { topicAliasMaximum: 10 })), pub(3, 0, TOPIC_A), pub(4, 0, TOPIC_A)]);
    expect(wire(sent(again.commands))).toEqual([
      [TOPIC_A, 1],
      ['', 1],
    ]);
  });

  it('a new connection’s own maximum applies (smaller broker maximum after a reconnect)', () => {
    const first = publishes(aliasing(10), ['topic/1', 'topic/2', 'topic/3']);
    const again = run(first.state, [{ type: 'transportClosed' }, { type: 'transportOpened' }, recv(connack(false, 0, { topicAliasMaximum: 1 })), pub(4, 0, 'topic/3'), pub(5, 0, 'topic/1')]);
    expect(wire(sent(again.commands))).toEqual([
      ['topic/3', 1],
      ['topic/1', 1],
    ]);
  });

  it('after a reconnect, a resent QoS 1/2 PUBLISH carries its full topic (and may set an alias anew)', () => {
    const cfg = { outboundTopicAliases: 10, clean: false as const };
    const first = run(aliasing(10, cfg), [pub(1, 1, TOPIC_A), pub(2, 1, TOPIC_A), pub(3, 2, TOPIC_A), pub(4, 1, TOPIC_B)]);
    expect(wire(sent(first.commands))).toEqual([
      [TOPIC_A, 1],
      ['', 1],
      ['', 1],
      [TOPIC_B, 2],
    ]);
    const again = run(first.state, [{ type: 'transportClosed' }, { type: 'transportOpened' }, recv(connack(true, 0, { topicAliasMaximum: 10 })), pub(5, 0, TOPIC_A)]);
    const resent = sent(again.commands).filter((p): p is PublishPacket => p.type === 'publish');
    expect(resent.map((p) => [p.topic, p.properties?.topicAlias, p.dup, p.packetId])).toEqual([
      [TOPIC_A, 1, true, 1],
      [TOPIC_A, 1, true, 2], // mapped by the resend before it, still sent with its topic
      [TOPIC_A, 1, true, 3],
      [TOPIC_B, 2, true, 4],
      ['', 1, false, undefined], // a new publish may lean on the mapping the resends made
    ]);
  });

  it('a resend to a broker that now allows no aliases carries no alias at all', () => {
    const cfg = { outboundTopicAliases: 10, clean: false as const };
    const first = run(aliasing(10, cfg), [pub(1, 1, TOPIC_A), pub(2, 1, TOPIC_A)]);
    const again = run(first.state, [{ type: 'transportClosed' }, { type: 'transportOpened' }, recv(connack(true))]);
    expect(wire(sent(again.commands))).toEqual([
      [TOPIC_A, undefined],
      [TOPIC_A, undefined],
    ]);
  });

  it('publishes queued offline get their aliases when they are sent', () => {
    const offline = run(initialState(config({ outboundTopicAliases: 10 })), [pub(1, 1, TOPIC_A), pub(2, 0, TOPIC_A), pub(3, 2, TOPIC_B)]);
    expect(sent(offline.commands)).toEqual([]);
    const online = run(offline.state, [{ type: 'transportOpened' }, recv(connack(false, 0, { topicAliasMaximum: 10 })), { type: 'connackHandled' }]);
    expect(wire(sent(online.commands))).toEqual([
      [TOPIC_A, 1],
      ['', 1],
      [TOPIC_B, 2],
    ]);
  });

  it('the table belongs to the connection scope: a drop leaves none behind', () => {
    const r = run(publishes(aliasing(10), [TOPIC_A]).state, [{ type: 'transportClosed' }]);
    expect(r.state.connection).toEqual({ type: 'offline' });
    expect(ofType(r.commands, 'sendPacket')).toEqual([]);
  });
});
