// topicMatches tables: every example of MQTT 3.1.1 / 5.0 §4.7 and Paho's topic_matches_sub cases.
import fc from 'fast-check';
import { topicMatches } from '../../src/topic';

type Row = [filter: string, topic: string, matches: boolean];

const spec47: Row[] = [
  // §4.7.1.2 multi-level wildcard
  ['sport/tennis/player1/#', 'sport/tennis/player1', true],
  ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
  ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
  ['sport/#', 'sport', true],
  ['#', 'sport/tennis', true],
  ['sport/tennis/#', 'sport/tennis/x', true],
  // §4.7.1.3 single-level wildcard
  ['sport/tennis/+', 'sport/tennis/player1', true],
  ['sport/tennis/+', 'sport/tennis/player2', true],
  ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
  ['sport/+', 'sport', false],
  ['sport/+', 'sport/', true],
  ['+/tennis/#', 'sport/tennis/player1', true],
  ['sport/+/player1', 'sport/tennis/player1', true],
  ['+/+', '/finance', true],
  ['/+', '/finance', true],
  ['+', '/finance', false],
  // §4.7.2 topics beginning with $ [MQTT-4.7.2-1]
  ['#', '$SYS/broker/uptime', false],
  ['+/monitor/Clients', '$SYS/monitor/Clients', false],
  ['$SYS/#', '$SYS/monitor/Clients', true],
  ['$SYS/#', '$SYS', true],
  ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
  // §4.7.3 case-sensitive, spaces, leading '/'
  ['ACCOUNTS', 'Accounts', false],
  ['Accounts', 'Accounts', true],
  ['Accounts payable', 'Accounts payable', true],
  ['/finance', 'finance', false],
  ['finance', '/finance', false],
  // §4.8.2 shared subscriptions match by their inner filter
  ['$share/consumer1/sport/tennis/+', 'sport/tennis/player1', true],
  ['$share/consumer2/sport/tennis/+', 'sport/tennis/player1/x', false],
  ['$share/consumer1//finance', '/finance', true],
  ['$share/consumer1//finance', 'finance', false],
  ['$share/g/#', 'a/b', true],
  ['$share/g/#', '$SYS/x', false],
  ['$share/g/+/x', '$SYS/x', false],
  ['$share/g/$SYS/#', '$SYS/x', true],
];

const paho: Row[] = [
  ['foo/bar', 'foo/bar', true],
  ['foo/+', 'foo/bar', true],
  ['foo/+/baz', 'foo/bar/baz', true],
  ['foo/+/#', 'foo/bar/baz', true],
  ['A/B/+/#', 'A/B/B/C', true],
  ['#', 'foo/bar/baz', true],
  ['#', '/foo/bar', true],
  ['/#', '/foo/bar', true],
  ['$SYS/bar', '$SYS/bar', true],
  ['foo/#', 'foo/$bar', true],
  ['foo/+/baz', 'foo/$bar/baz', true],
  ['foo/#', 'foo', true],
  ['foo/#', 'foo/', true],
  ['foo/+/#', 'foo/bar', true],
  ['/+', '/foo', true],
  ['+/+', '/foo', true],
  ['$SYS/#', '$SYS/x', true],
  ['test/6/#', 'test/3', false],
  ['foo/bar', 'foo', false],
  ['foo/+', 'foo/bar/baz', false],
  ['foo/+/baz', 'foo/bar/bar', false],
  ['foo/+/#', 'fo2/bar/baz', false],
  ['/#', 'foo/bar', false],
  ['#', '$SYS/bar', false],
  ['#', '$SYS/x', false],
  ['$BOB/bar', '$SYS/bar', false],
  ['+/bar', '$SYS/bar', false],
  ['+/monitor/Clients', '$SYS/monitor/Clients', false],
  ['foo/+', 'foo', false],
];

const edges: Row[] = [
  ['+', 'a', true],
  ['+', '$a', false],
  ['a', 'a/', false],
  ['a/', 'a/', true],
  ['a/', 'a', false],
  ['+/', 'a/', true],
  ['+/+', 'a', false],
  ['//', '//', true],
  ['+/+/+', '//', true],
  ['/', '/', true],
  ['#', '/', true],
  ['+', '', false], // an empty topic name is invalid [MQTT-4.7.3-1]
  ['ab', 'a', false],
  ['a', 'ab', false],
  ['a/b/c', 'a/b', false],
  ['a/b', 'a/b/c', false],
  ['a/#', 'b', false],
  ['a/+/c', 'a//c', true],
  ['x/$y', 'x/$y', true],
];

// Invalid input never matches.
const invalid: Row[] = [
  ['', 'a', false],
  ['a/#/b', 'a/#/b', false],
  ['sport/tennis#', 'sport/tennis#', false],
  ['sport+', 'sport+', false],
  ['a/+', 'a/+', false],
  ['#', 'a/#', false],
  ['+/b', '+/b', false],
  ['a/b', 'a/+', false],
  ['$share/', 'a', false],
  ['$share/g', 'g', false],
  ['$share//a', 'a', false],
  ['$share/g/', 'g', false],
];

describe('topicMatches', () => {
  describe.each([
    ['MQTT §4.7 / §4.8.2 examples', spec47],
    ["Paho's topic_matches_sub cases", paho],
    ['edge cases', edges],
    ['invalid input', invalid],
  ])('%s', (_name, rows) => {
    it.each(rows)('%j vs %j → %s', (filter, topic, matches) => {
      expect(topicMatches(filter, topic)).toBe(matches);
    });
  });
});

// An independent, obviously-correct oracle for valid input: split into levels and compare.
function naiveMatches(filter: string, topic: string): boolean {
  const f = filter.startsWith('$share/') ? filter.split('/').slice(2) : filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

describe('topicMatches property', () => {
  const level = fc.constantFrom('a', 'b', '', '$x');
  const topicArb = fc.array(level, { minLength: 1, maxLength: 5 }).map((l) => l.join('/')).filter((t) => t.length > 0);
  const filterArb = fc
    .tuple(fc.array(fc.constantFrom('a', 'b', '', '$x', '+'), { minLength: 1, maxLength: 5 }), fc.boolean(), fc.boolean())
    .map(([levels, hash, shared]) => {
      const inner = (hash ? [...levels.slice(0, -1), '#'] : levels).join('/') || '#';
      return shared ? `$share/g/${inner}` : inner;
    });

  it('agrees with a split-based oracle on valid filters and topics', () => {
    fc.assert(
      fc.property(filterArb, topicArb, (filter, topic) => {
        expect(topicMatches(filter, topic)).toBe(naiveMatches(filter, topic));
      }),
      { numRuns: 5000 },
    );
  });
});
