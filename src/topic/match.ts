/**
 * `topicMatches(filter, topic)`: does a Topic Filter match a Topic Name? (§4.7)
 *
 * Semantics are Paho's `topic_matches_sub`:
 * - `+` matches exactly one level, which may be empty [MQTT-4.7.1-3];
 * - `#` matches its level and every level below, and also the parent level, so `a/#`
 *   matches `a` [MQTT-4.7.1-2];
 * - a topic starting with `$` is not matched by a filter whose first level is a
 *   wildcard [MQTT-4.7.2-1];
 * - `$share/{ShareName}/{filter}` matches as its inner filter (§4.8.2).
 *
 * Both strings are walked by index, level by level: no regex, no split, no allocation.
 * Invalid input never matches: an empty string, a wildcard in the topic, a misplaced
 * wildcard in the filter, or a malformed shared filter all give `false`.
 */

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;
const DOLLAR = 0x24;
const SHARE_PREFIX = '$share/';

/** True if the Topic Filter `filter` matches the Topic Name `topic`. */
export function topicMatches(filter: string, topic: string): boolean {
  const tlen = topic.length;
  const flen = filter.length;
  if (tlen === 0) return false;
  let f = 0;
  if (filter.startsWith(SHARE_PREFIX)) {
    const nameEnd = filter.indexOf('/', SHARE_PREFIX.length);
    if (nameEnd <= SHARE_PREFIX.length) return false; // no ShareName, or no '/' after it
    f = nameEnd + 1;
  }
  if (f >= flen) return false;
  const first = filter.charCodeAt(f);
  if (topic.charCodeAt(0) === DOLLAR && (first === PLUS || first === HASH)) return false; // [MQTT-4.7.2-1]

  // `t` is where the current topic level starts; `t === tlen + 1` means the topic has
  // no more levels (as opposed to `t === tlen`: an empty last level after a '/').
  let t = 0;
  for (;;) {
    // `f` is at the start of a filter level.
    const c = filter.charCodeAt(f);
    if (c === HASH && f + 1 === flen) return noWildcards(topic, t); // this level, below, or the parent
    if (t > tlen) return false; // the filter has a level the topic lacks
    if (c === PLUS && (f + 1 === flen || filter.charCodeAt(f + 1) === SLASH)) {
      f++;
      for (; t < tlen; t++) {
        const d = topic.charCodeAt(t);
        if (d === SLASH) break;
        if (d === PLUS || d === HASH) return false;
      }
    } else {
      for (; f < flen; f++, t++) {
        const d = filter.charCodeAt(f);
        if (d === SLASH) break;
        // A wildcard here is misplaced; equal characters also keep them out of the topic.
        if (d === PLUS || d === HASH || t >= tlen || topic.charCodeAt(t) !== d) return false;
      }
      if (t < tlen && topic.charCodeAt(t) !== SLASH) return false; // the topic level is longer
    }
    // Both are now at a '/' or at their end.
    if (f === flen) return t === tlen;
    f++;
    t++; // past the '/', or to tlen + 1 when the topic has ended
  }
}

/** True if `topic` has no wildcard character from index `from` on. */
function noWildcards(topic: string, from: number): boolean {
  for (let i = from; i < topic.length; i++) {
    const d = topic.charCodeAt(i);
    if (d === PLUS || d === HASH) return false;
  }
  return true;
}
