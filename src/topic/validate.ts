/**
 * Topic Name and Topic Filter validation (MQTT 3.1.1 / 5.0 §4.7, §4.8.2, §1.5.4).
 *
 * Each validator returns `undefined` for valid input, or an `MqttError` with code
 * `invalid-argument`, `rule` set to the normative id broken, and a message that quotes
 * the offending input. They return rather than throw so callers can refuse an argument
 * in whichever way suits them (an Observable error, a thrown error, a form message).
 *
 * One pass over the UTF-16 code units checks, in order of appearance: U+0000, lone
 * surrogates (which have no UTF-8 encoding), wildcard placement, and the UTF-8 length.
 */

import { MqttError } from '../errors';

/** The prefix that marks a shared subscription [MQTT-4.8.2-1]. */
const SHARE_PREFIX = '$share/';
/** Strings are encoded with a two-byte length prefix [MQTT-4.7.3-3]. */
const MAX_UTF8_BYTES = 65535;
/** How much of a bad input an error message quotes. */
const QUOTE_LIMIT = 80;

/** A shared subscription filter split into its parts. */
export interface SharedFilter {
  /** The ShareName: at least one character, no `/`, `+` or `#`. */
  readonly shareName: string;
  /** The Topic Filter after `$share/{ShareName}/`. */
  readonly filter: string;
}

/**
 * Checks a Topic Name (PUBLISH, Will topic): non-empty, no U+0000, well-formed UTF-16,
 * at most 65,535 UTF-8 bytes, and no wildcard characters [MQTT-4.7.1-1], [MQTT-3.3.2-2].
 * Returns `undefined` if valid, otherwise an `invalid-argument` error naming the rule.
 */
export function validateTopicName(topic: string): MqttError | undefined {
  if (topic === lastValidName) return undefined;
  const error = check(topic, 'topic name', 0, false);
  if (error === undefined) lastValidName = topic;
  return error;
}

/** The last Topic Name found valid: publishers mostly repeat one topic, so it is checked once. */
let lastValidName: string | undefined;

/**
 * Checks a Topic Filter (SUBSCRIBE, UNSUBSCRIBE): the Topic Name rules, except that `#`
 * may stand alone as the last level [MQTT-4.7.1-2] and `+` alone in any level
 * [MQTT-4.7.1-3]; a `$share/{ShareName}/{filter}` must have a non-empty ShareName
 * without `/`, `+`, `#` and a filter after it [MQTT-4.8.2-1], [MQTT-4.8.2-2].
 * Returns `undefined` if valid, otherwise an `invalid-argument` error naming the rule.
 */
export function validateTopicFilter(filter: string): MqttError | undefined {
  if (!isSharedFilter(filter)) return check(filter, 'topic filter', 0, true);
  const nameEnd = filter.indexOf('/', SHARE_PREFIX.length);
  const shareName = filter.slice(SHARE_PREFIX.length, nameEnd === -1 ? undefined : nameEnd);
  if (shareName.length === 0) {
    return invalid('topic filter', filter, 'MQTT-4.8.2-1', 'a shared subscription needs a ShareName of at least one character');
  }
  if (shareName.includes('+') || shareName.includes('#')) {
    return invalid('topic filter', filter, 'MQTT-4.8.2-2', `the ShareName ${quote(shareName)} must not contain '+' or '#'`);
  }
  if (nameEnd === -1 || nameEnd === filter.length - 1) {
    return invalid('topic filter', filter, 'MQTT-4.8.2-2', 'the ShareName must be followed by \'/\' and a topic filter');
  }
  return check(filter, 'topic filter', nameEnd + 1, true);
}

/** True if `filter` is a shared subscription, i.e. starts with `$share/` [MQTT-4.8.2-1]. */
export function isSharedFilter(filter: string): boolean {
  return filter.startsWith(SHARE_PREFIX);
}

/**
 * Splits `$share/{ShareName}/{filter}` into its parts; `undefined` if `filter` is not a
 * shared filter or lacks a ShareName or the `/` after it. The parts are not validated:
 * use `validateTopicFilter` for that.
 */
export function parseSharedFilter(filter: string): SharedFilter | undefined {
  if (!isSharedFilter(filter)) return undefined;
  const nameEnd = filter.indexOf('/', SHARE_PREFIX.length);
  if (nameEnd <= SHARE_PREFIX.length) return undefined;
  return { shareName: filter.slice(SHARE_PREFIX.length, nameEnd), filter: filter.slice(nameEnd + 1) };
}

/**
 * The shared checks. `levelStart` is where the (inner) filter begins: a wildcard there
 * starts a level even though no `/` precedes it.
 */
function check(s: string, what: string, levelStart: number, wildcards: boolean): MqttError | undefined {
  if (s.length === 0) return invalid(what, s, 'MQTT-4.7.3-1', 'it must be at least one character long');
  // Each UTF-16 code unit takes at least one UTF-8 byte: too long whatever it holds.
  if (s.length > MAX_UTF8_BYTES) return tooLong(what, s, '> 65535');
  const n = s.length;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      bytes += 1;
      if (c === 0) return invalid(what, s, 'MQTT-4.7.3-2', `it contains the null character U+0000 at index ${i}`);
      if (c === 0x23 /* # */) {
        if (!wildcards) return wildcardInName(s, '#', i);
        const alone = (i === levelStart || s.charCodeAt(i - 1) === 0x2f) && i === n - 1;
        if (!alone) {
          return invalid(what, s, 'MQTT-4.7.1-2', `'#' at index ${i} must be the last character and alone in its level`);
        }
      } else if (c === 0x2b /* + */) {
        if (!wildcards) return wildcardInName(s, '+', i);
        const alone = (i === levelStart || s.charCodeAt(i - 1) === 0x2f) && (i === n - 1 || s.charCodeAt(i + 1) === 0x2f);
        if (!alone) return invalid(what, s, 'MQTT-4.7.1-3', `'+' at index ${i} must occupy an entire level`);
      }
    } else if (c < 0x800) {
      bytes += 2;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 4; // a surrogate pair is one code point above U+FFFF
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate has no UTF-8 encoding [MQTT-1.5.4-1].
      const hex = c.toString(16).toUpperCase();
      return invalid(what, s, 'MQTT-1.5.4-1', `it contains a lone surrogate U+${hex} at index ${i}, which is not valid UTF-8`);
    } else {
      bytes += 3;
    }
  }
  if (bytes > MAX_UTF8_BYTES) return tooLong(what, s, String(bytes));
  return undefined;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function wildcardInName(s: string, char: string, i: number): MqttError {
  return invalid('topic name', s, 'MQTT-4.7.1-1', `the wildcard '${char}' at index ${i} is only allowed in topic filters`);
}

function tooLong(what: string, s: string, bytes: string): MqttError {
  return invalid(what, s, 'MQTT-4.7.3-3', `it encodes to ${bytes} UTF-8 bytes, more than 65535`);
}

function invalid(what: string, s: string, rule: string, reason: string): MqttError {
  return new MqttError('invalid-argument', `Invalid ${what} ${quote(s)}: ${reason} [${rule}]`, { rule });
}

/** JSON quoting escapes U+0000 and lone surrogates; long input is cut with an ellipsis. */
function quote(s: string): string {
  if (s.length <= QUOTE_LIMIT) return JSON.stringify(s);
  let cut = QUOTE_LIMIT;
  if (isLowSurrogate(s.charCodeAt(cut))) cut--; // do not split a surrogate pair
  return `${JSON.stringify(s.slice(0, cut))}… (${s.length} characters)`;
}
