// Inbound topic aliases (MQTT 5 §3.3.2.3.4): set, used, refused outside our maximum, reset per connection.
import type { PublishPacket } from '../../src/codec/types';
import { connack, connected, ofType, recv, run, sent } from './helpers';

const publish = (topic: string, topicAlias?: number): PublishPacket => ({
  type: 'publish',
  topic,
  payload: new Uint8Array([1]),
  qos: 0,
  retain: false,
  dup: false,
  ...(topicAlias === undefined ? {} : { properties: { topicAlias } }),
});
const withAliases = { connectProperties: { topicAliasMaximum: 10 } };

describe('session: inbound topic aliases', () => {
  it('a PUBLISH with topic and alias sets it; one with an empty topic uses it', () => {
    const r = run(connected(withAliases), [recv(publish('a/b', 3)), recv(publish('', 3)), recv(publish('c', 3)), recv(publish('', 3))]);
    expect(ofType(r.commands, 'deliverMessage').map((c) => c.message.topic)).toEqual(['a/b', 'a/b', 'c', 'c']);
    expect(ofType(r.commands, 'closeTransport')).toEqual([]);
  });

  it.each([
    ['alias 0', publish('a', 0), 0x94],
    ['an alias over our Topic Alias Maximum', publish('a', 11), 0x94],
    ['an alias never set', publish('', 4), 0x82],
    ['an empty topic without an alias', publish(''), 0x82],
  ])('%s is a protocol error', (_name, packet, code) => {
    const r = run(connected(withAliases), [recv(packet)]);
    expect(sent(r.commands)).toEqual([{ type: 'disconnect', reasonCode: code }]);
    expect(ofType(r.commands, 'closeTransport')[0].error).toMatchObject({ code: 'protocol-error' });
    expect(ofType(r.commands, 'deliverMessage')).toEqual([]);
  });

  it('without a Topic Alias Maximum of ours, any alias is refused [MQTT-3.3.2-11]', () => {
    const r = run(connected(), [recv(publish('a', 1))]);
    expect(sent(r.commands)).toEqual([{ type: 'disconnect', reasonCode: 0x94 }]);
    expect(ofType(r.commands, 'closeTransport')[0].error).toMatchObject({ code: 'protocol-error', rule: 'MQTT-3.3.2-11' });
  });

  it('aliases do not outlive the connection [MQTT-3.3.2-7]', () => {
    const first = run(connected(withAliases), [recv(publish('a/b', 3)), { type: 'transportClosed' }, { type: 'transportOpened' }, recv(connack(false)), recv(publish('', 3))]);
    expect(ofType(first.commands, 'deliverMessage').map((c) => c.message.topic)).toEqual(['a/b']);
    expect(ofType(first.commands, 'closeTransport')[0].error).toMatchObject({ code: 'protocol-error', rule: '§3.3.2.3.4' });
  });
});
