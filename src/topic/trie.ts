/**
 * `TopicTrie<T>`: routes a Topic Name to the values registered under matching filters.
 *
 * Theory of operation: each filter is stored as a path of levels from the root. A node
 * keeps its literal children in a Map keyed by level string, its `+` child apart, and
 * the values of filters ending in `#` at that node in `hashValues`. Routing a topic
 * walks its levels by index (one `indexOf('/')` and one substring per level, no split
 * array) and, at each node, follows at most three branches: the literal level, `+`, and
 * `#`. The cost is proportional to topic depth × matching branches, independent of how
 * many filters are stored.
 *
 * Semantics are those of `topicMatches`: `#` also matches the parent level (`a/#`
 * matches `a`), `+` matches one possibly-empty level, and a topic starting with `$` is
 * not matched by a filter whose first level is a wildcard [MQTT-4.7.2-1].
 *
 * Values form a multiset of (filter, value) pairs: adding the same pair twice stores it
 * twice, and `delete` removes one. A value registered under several filters that match a
 * topic is visited once per filter (and once per registration).
 *
 * Shared filters `$share/{ShareName}/{filter}` are stored under their inner filter, so
 * `$share/g/a/+` and `a/+` are the same key for `add`, `delete` and `has`.
 */

import { validateTopicFilter, parseSharedFilter } from './validate';

interface TrieNode<T> {
  /** Children by literal level (which may be the empty string). */
  children: Map<string, TrieNode<T>> | undefined;
  /** The child for a `+` level. */
  plus: TrieNode<T> | undefined;
  /** Values of filters that end at this node. */
  values: T[] | undefined;
  /** Values of filters that end with `#` below this node. */
  hashValues: T[] | undefined;
}

function newNode<T>(): TrieNode<T> {
  return { children: undefined, plus: undefined, values: undefined, hashValues: undefined };
}

function isEmpty<T>(node: TrieNode<T>): boolean {
  return node.values === undefined && node.hashValues === undefined && node.plus === undefined && node.children === undefined;
}

export class TopicTrie<T> {
  private readonly root: TrieNode<T> = newNode();
  private count = 0;

  /** The number of (filter, value) pairs stored. */
  get size(): number {
    return this.count;
  }

  /**
   * Registers `value` under `filter`. Throws an `invalid-argument` `MqttError` if the
   * filter is invalid (see `validateTopicFilter`): nothing is stored then.
   */
  add(filter: string, value: T): void {
    const error = validateTopicFilter(filter);
    if (error !== undefined) throw error;
    const levels = levelsOf(filter);
    let node = this.root;
    const last = levels.length - 1;
    for (let i = 0; i < last; i++) node = child(node, levels[i]);
    if (levels[last] === '#') (node.hashValues ??= []).push(value);
    else (child(node, levels[last]).values ??= []).push(value);
    this.count++;
  }

  /**
   * Removes one registration of `value` under `filter` and prunes nodes left empty.
   * Returns false if there was none (or the filter is invalid).
   */
  delete(filter: string, value: T): boolean {
    if (validateTopicFilter(filter) !== undefined) return false;
    const levels = levelsOf(filter);
    const last = levels.length - 1;
    const hash = levels[last] === '#';
    const depth = hash ? last : last + 1;
    const path: TrieNode<T>[] = [this.root];
    let node: TrieNode<T> | undefined = this.root;
    for (let i = 0; i < depth; i++) {
      node = levels[i] === '+' ? node.plus : node.children?.get(levels[i]);
      if (node === undefined) return false;
      path.push(node);
    }
    if (!removeOne(node, hash ? 'hashValues' : 'values', value)) return false;
    this.count--;
    // Prune from the deepest node up; the root stays.
    for (let i = depth; i > 0 && isEmpty(path[i]); i--) {
      const parent = path[i - 1];
      const level = levels[i - 1];
      if (level === '+') {
        parent.plus = undefined;
      } else if (parent.children !== undefined) {
        parent.children.delete(level);
        if (parent.children.size === 0) parent.children = undefined;
      }
    }
    return true;
  }

  /** True if at least one value is registered under `filter` (or its inner filter, if shared). */
  has(filter: string): boolean {
    if (validateTopicFilter(filter) !== undefined) return false;
    const levels = levelsOf(filter);
    const last = levels.length - 1;
    const hash = levels[last] === '#';
    let node: TrieNode<T> | undefined = this.root;
    for (let i = 0; i < (hash ? last : last + 1); i++) {
      node = levels[i] === '+' ? node.plus : node.children?.get(levels[i]);
      if (node === undefined) return false;
    }
    return (hash ? node.hashValues : node.values) !== undefined;
  }

  /** The values whose filters match `topic`, once per matching registration, in no set order. */
  match(topic: string): T[] {
    const out: T[] = [];
    this.forEachMatch(topic, (value) => out.push(value));
    return out;
  }

  /**
   * Calls `fn` with each value whose filter matches `topic`, once per matching
   * registration. The routing hot path: it allocates only a substring per topic level.
   * `topic` is assumed to be a valid Topic Name (validated where it entered).
   * `fn` must not add or delete while the walk is running.
   */
  forEachMatch(topic: string, fn: (value: T) => void): void {
    if (topic.length === 0) return;
    const root = this.root;
    if (topic.charCodeAt(0) === 0x24 /* $ */) {
      // [MQTT-4.7.2-1]: skip root-level '+' and '#'; only literal first levels match.
      const end = levelEnd(topic, 0);
      const next = root.children?.get(topic.substring(0, end));
      if (next !== undefined) walk(next, topic, end + 1, fn);
    } else {
      walk(root, topic, 0, fn);
    }
  }
}

/**
 * Visits `node`'s matches for the topic levels starting at `pos`; `pos === topic.length
 * + 1` means the topic has no levels left (`pos === topic.length` is an empty last level).
 */
function walk<T>(node: TrieNode<T>, topic: string, pos: number, fn: (value: T) => void): void {
  const hashValues = node.hashValues;
  if (hashValues !== undefined) visit(hashValues, fn); // '#' matches here, below, and the parent
  const tlen = topic.length;
  if (pos > tlen) {
    const values = node.values;
    if (values !== undefined) visit(values, fn);
    return;
  }
  const end = levelEnd(topic, pos);
  if (node.plus !== undefined) walk(node.plus, topic, end + 1, fn);
  const children = node.children;
  if (children !== undefined) {
    const next = children.get(topic.substring(pos, end));
    if (next !== undefined) walk(next, topic, end + 1, fn);
  }
}

function visit<T>(values: T[], fn: (value: T) => void): void {
  for (let i = 0; i < values.length; i++) fn(values[i]);
}

/** The index of the '/' ending the level at `pos`, or the topic's length. */
function levelEnd(topic: string, pos: number): number {
  const slash = topic.indexOf('/', pos);
  return slash === -1 ? topic.length : slash;
}

/** The levels of a valid filter, the `$share/{ShareName}/` prefix removed. */
function levelsOf(filter: string): string[] {
  return (parseSharedFilter(filter)?.filter ?? filter).split('/');
}

function child<T>(node: TrieNode<T>, level: string): TrieNode<T> {
  if (level === '+') return (node.plus ??= newNode());
  const children = (node.children ??= new Map());
  let next = children.get(level);
  if (next === undefined) {
    next = newNode();
    children.set(level, next);
  }
  return next;
}

/** Removes the last occurrence of `value` (registrations are usually undone LIFO). */
function removeOne<T>(node: TrieNode<T>, key: 'values' | 'hashValues', value: T): boolean {
  const list = node[key];
  if (list === undefined) return false;
  const i = list.lastIndexOf(value);
  if (i === -1) return false;
  if (list.length === 1) node[key] = undefined;
  else list.splice(i, 1);
  return true;
}
