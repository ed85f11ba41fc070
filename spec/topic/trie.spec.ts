// TopicTrie: examples, and properties that it agrees with topicMatches and a naive list model.
import fc from 'fast-check';
import { MqttError } from '../../src/errors';
import { TopicTrie, topicMatches } from '../../src/topic';

const sorted = <T>(xs: readonly T[]): T[] => [...xs].sort();

// Random topics and filters over a small alphabet, so that matches are frequent.
const nameLevel = fc.constantFrom('a', 'b', '', '$x', 'ab');
const topicArb = fc
  .array(nameLevel, { minLength: 1, maxLength: 5 })
  .map((levels) => levels.join('/'))
  .filter((t) => t.length > 0);
const filterArb = fc
  .tuple(
    fc.array(fc.constantFrom('a', 'b', '', '$x', '+'), { minLength: 1, maxLength: 5 }),
    fc.boolean(),
    fc.option(fc.constantFrom('g', 'h'), { nil: undefined }),
  )
  .map(([levels, hash, share]) => {
    const inner = hash ? [...levels.slice(0, -1), '#'].join('/') : levels.join('/');
    return inner.length === 0 ? '#' : share === undefined ? inner : `$share/${share}/${inner}`;
  });

describe('TopicTrie', () => {
  it('routes a topic to the values of every matching filter', () => {
    const trie = new TopicTrie<string>();
    trie.add('sport/tennis/+', 'plus');
    trie.add('sport/#', 'hash');
    trie.add('sport/tennis/player1', 'exact');
    trie.add('#', 'all');
    trie.add('other', 'other');
    expect(sorted(trie.match('sport/tennis/player1'))).toEqual(['all', 'exact', 'hash', 'plus']);
    expect(sorted(trie.match('sport'))).toEqual(['all', 'hash']);
    expect(sorted(trie.match('sport/tennis/player1/ranking'))).toEqual(['all', 'hash']);
    expect(trie.match('$SYS/x')).toEqual([]);
    expect(trie.size).toBe(5);
  });

  it('applies [MQTT-4.7.2-1] to $ topics', () => {
    const trie = new TopicTrie<string>();
    trie.add('#', 'hash');
    trie.add('+/monitor/Clients', 'plus');
    trie.add('$SYS/#', 'sys');
    trie.add('$SYS/monitor/+', 'sys-plus');
    trie.add('$SYS', 'sys-exact');
    expect(sorted(trie.match('$SYS/monitor/Clients'))).toEqual(['sys', 'sys-plus']);
    expect(sorted(trie.match('$SYS'))).toEqual(['sys', 'sys-exact']);
    expect(sorted(trie.match('a/monitor/Clients'))).toEqual(['hash', 'plus']);
    expect(sorted(trie.match('a/$SYS'))).toEqual(['hash']);
  });

  it('keeps several values per filter and visits a value once per matching filter', () => {
    const trie = new TopicTrie<string>();
    trie.add('a/+', 'v');
    trie.add('a/#', 'v');
    trie.add('a/+', 'w');
    trie.add('a/+', 'w');
    expect(sorted(trie.match('a/b'))).toEqual(['v', 'v', 'w', 'w']);
    expect(trie.size).toBe(4);
    expect(trie.delete('a/+', 'w')).toBe(true);
    expect(sorted(trie.match('a/b'))).toEqual(['v', 'v', 'w']);
  });

  it('stores a shared filter under its inner filter', () => {
    const trie = new TopicTrie<string>();
    trie.add('$share/g/a/+', 'shared');
    expect(trie.has('a/+')).toBe(true);
    expect(trie.has('$share/h/a/+')).toBe(true);
    expect(trie.match('a/b')).toEqual(['shared']);
    expect(trie.match('$share/g/a/b')).toEqual([]);
    expect(trie.delete('a/+', 'shared')).toBe(true);
    expect(trie.size).toBe(0);
  });

  it('forEachMatch visits what match returns', () => {
    const trie = new TopicTrie<number>();
    trie.add('a/+/c', 1);
    trie.add('a/#', 2);
    trie.add('a/b/c', 3);
    const seen: number[] = [];
    trie.forEachMatch('a/b/c', (v) => seen.push(v));
    expect(sorted(seen)).toEqual([1, 2, 3]);
    expect(sorted(trie.match('a/b/c'))).toEqual(sorted(seen));
  });

  it('refuses an invalid filter and stores nothing', () => {
    const trie = new TopicTrie<string>();
    expect(() => trie.add('a/#/b', 'x')).toThrow(MqttError);
    expect(() => trie.add('', 'x')).toThrow(expect.objectContaining({ code: 'invalid-argument', rule: 'MQTT-4.7.3-1' }));
    expect(trie.size).toBe(0);
    expect(trie.has('a/#/b')).toBe(false);
    expect(trie.delete('a/#/b', 'x')).toBe(false);
  });

  it('delete reports absent pairs and prunes empty nodes', () => {
    const trie = new TopicTrie<string>();
    trie.add('a/b/c', 'x');
    trie.add('a/+/#', 'y');
    expect(trie.delete('a/b/c', 'y')).toBe(false);
    expect(trie.delete('a/b', 'x')).toBe(false);
    expect(trie.delete('a/b/c/d', 'x')).toBe(false);
    expect(trie.delete('a/+/#', 'y')).toBe(true);
    expect(trie.delete('a/+/#', 'y')).toBe(false);
    expect(trie.delete('a/b/c', 'x')).toBe(true);
    expect(trie.size).toBe(0);
    expect(trie.has('a/b/c')).toBe(false);
    // Pruned all the way: the trie is as new.
    expect(trie).toEqual(new TopicTrie<string>());
  });

  it('routes among 10,000 filters', () => {
    const trie = new TopicTrie<number>();
    for (let i = 0; i < 10_000; i++) trie.add(`devices/${i}/+`, i);
    trie.add('devices/#', -1);
    expect(sorted(trie.match('devices/4242/temp'))).toEqual(sorted([4242, -1]));
    expect(trie.size).toBe(10_001);
    let deleted = 0;
    for (let i = 0; i < 10_000; i++) if (trie.delete(`devices/${i}/+`, i)) deleted++;
    expect(deleted).toBe(10_000);
    expect(trie.match('devices/4242/temp')).toEqual([-1]);
  });

  it('property: match(topic) is the multiset of values whose filter topicMatches', () => {
    fc.assert(
      fc.property(fc.array(filterArb, { maxLength: 30 }), fc.array(topicArb, { minLength: 1, maxLength: 10 }), (filters, topics) => {
        const trie = new TopicTrie<number>();
        filters.forEach((f, i) => trie.add(f, i));
        for (const topic of topics) {
          const expected = filters.flatMap((f, i) => (topicMatches(f, topic) ? [i] : []));
          expect(sorted(trie.match(topic))).toEqual(sorted(expected));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('property: add/delete sequences keep size, has and match consistent with a list model', () => {
    const op = fc.record({ add: fc.boolean(), filter: filterArb, value: fc.constantFrom('p', 'q', 'r') });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.array(topicArb, { minLength: 1, maxLength: 5 }), (ops, topics) => {
        const trie = new TopicTrie<string>();
        // The model keys pairs by inner filter, as the trie stores shared filters.
        const inner = (f: string): string => f.replace(/^\$share\/[^/]+\//, '');
        const model: Array<[string, string]> = [];
        for (const { add, filter, value } of ops) {
          if (add) {
            trie.add(filter, value);
            model.push([inner(filter), value]);
          } else {
            const i = model.findIndex(([f, v]) => f === inner(filter) && v === value);
            expect(trie.delete(filter, value)).toBe(i !== -1);
            if (i !== -1) model.splice(i, 1);
          }
          expect(trie.size).toBe(model.length);
          expect(trie.has(filter)).toBe(model.some(([f]) => f === inner(filter)));
        }
        for (const topic of topics) {
          const expected = model.filter(([f]) => topicMatches(f, topic)).map(([, v]) => v);
          expect(sorted(trie.match(topic))).toEqual(sorted(expected));
        }
        // Deleting everything leaves an empty, pruned trie.
        for (const [f, v] of [...model]) expect(trie.delete(f, v)).toBe(true);
        expect(trie.size).toBe(0);
        expect(trie).toEqual(new TopicTrie<string>());
      }),
      { numRuns: 500 },
    );
  });
});
