/**
 * fast-check arbitraries for MQTT strings, topic names and topic filters.
 *
 * Every string is valid MQTT UTF-8 ([MQTT-1.5.4]): no U+0000 ([MQTT-1.5.4-2]) and no
 * lone surrogates ([MQTT-1.5.4-1]). We also leave out C0/C1 control characters and
 * Unicode non-characters: the spec says a sender SHOULD NOT send them and a receiver
 * MAY treat them as malformed ([MQTT-1.5.4-3] and the note after it), so a codec that
 * rejects them is conforming and a round trip of them is not a codec obligation.
 *
 * Strings mix ASCII (most of the time, so shrinking finds readable examples) with
 * 2- and 3-byte BMP characters and 4-byte astral characters (emoji, CJK Ext. B).
 */
import fc from 'fast-check';

/** U+FDD0..U+FDEF and the last two code points of every plane. */
function isNonCharacter(cp: number): boolean {
  return (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe;
}

/** One code point as a JS string (one or two UTF-16 units). */
export const utf8Char: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 2, arbitrary: fc.integer({ min: 0xa0, max: 0x7ff }) },
    { weight: 2, arbitrary: fc.integer({ min: 0x800, max: 0xd7ff }) },
    { weight: 1, arbitrary: fc.integer({ min: 0xe000, max: 0xfffd }) },
    { weight: 2, arbitrary: fc.integer({ min: 0x10000, max: 0x10fffd }) },
  )
  .filter((cp) => !isNonCharacter(cp))
  .map((cp) => String.fromCodePoint(cp));

/** A valid MQTT UTF-8 string of up to `maxLength` code points. */
export function utf8String(maxLength = 16, minLength = 0): fc.Arbitrary<string> {
  return fc.string({ unit: utf8Char, minLength, maxLength });
}

/** A character allowed inside one topic level: not a separator, not a wildcard. */
const levelChar = utf8Char.filter((c) => c !== '/' && c !== '+' && c !== '#');

/** One topic level; may be empty ("a//b" and "/a" are valid topics, [MQTT-4.7.1-1]). */
const topicLevel = fc.string({ unit: levelChar, maxLength: 8 });

/** A non-empty topic name without wildcards ([MQTT-4.7.3-1], [MQTT-4.7.1-1]). */
export const topicName: fc.Arbitrary<string> = fc
  .array(topicLevel, { minLength: 1, maxLength: 6 })
  .map((levels) => levels.join('/'))
  .filter((t) => t.length > 0);

/**
 * A valid, non-empty topic filter: `+` only as a whole level, `#` only as the whole
 * last level ([MQTT-4.7.1-2], [MQTT-4.7.1-3]); sometimes a shared subscription
 * `$share/{ShareName}/{filter}` (a valid filter in every version; special in 5.0).
 */
export const topicFilter: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.oneof({ weight: 3, arbitrary: topicLevel }, { weight: 1, arbitrary: fc.constant('+') }), {
      minLength: 0,
      maxLength: 5,
    }),
    fc.boolean(),
    fc.option(fc.string({ unit: levelChar, minLength: 1, maxLength: 6 }), { freq: 5, nil: undefined }),
  )
  .map(([levels, multi, shareName]) => {
    const all = multi ? [...levels, '#'] : levels;
    const filter = all.join('/');
    return shareName === undefined || filter === '' ? filter : `$share/${shareName}/${filter}`;
  })
  .filter((f) => f.length > 0);

/** Binary data of up to `maxLength` bytes, as a plain Uint8Array (never a Buffer). */
export function bytes(maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc.uint8Array({ maxLength }).map((u) => new Uint8Array(u));
}

/** A payload: usually small, sometimes up to 4 KiB. */
export const payload: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: bytes(64) },
  { weight: 1, arbitrary: bytes(4096) },
);
