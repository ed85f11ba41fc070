// Topic Name / Topic Filter validation tables: each invalid kind asserts its rule.
import { MqttError } from '../../src/errors';
import { isSharedFilter, parseSharedFilter, validateTopicFilter, validateTopicName } from '../../src/topic';

const LONE_HIGH = '\uD800';
const LONE_LOW = '\uDC00';
const PAIR = '\u{1F600}'; // 2 UTF-16 units, 4 UTF-8 bytes

describe('validateTopicName', () => {
  it.each([
    'a',
    '/',
    '//',
    '/finance',
    'sport/tennis/player1',
    'Accounts payable',
    '$SYS/broker/uptime',
    '$share/g/x', // an ordinary topic name: $share only means something in filters
    'naïve/日本/' + PAIR,
    'x'.repeat(65535),
    '日'.repeat(21845), // 65,535 UTF-8 bytes
    PAIR.repeat(16383) + 'abc', // 65,535 UTF-8 bytes
  ])('accepts %j', (topic) => {
    expect(validateTopicName(topic)).toBeUndefined();
  });

  it.each([
    ['', 'MQTT-4.7.3-1'],
    ['a\u0000b', 'MQTT-4.7.3-2'],
    ['x'.repeat(65536), 'MQTT-4.7.3-3'],
    ['日'.repeat(21846), 'MQTT-4.7.3-3'], // 65,538 bytes in 21,846 code units
    [PAIR.repeat(16384), 'MQTT-4.7.3-3'], // 65,536 bytes
    ['a/' + LONE_HIGH, 'MQTT-1.5.4-1'],
    [LONE_HIGH + 'x', 'MQTT-1.5.4-1'],
    [LONE_LOW + LONE_HIGH, 'MQTT-1.5.4-1'], // reversed pair
    ['a/' + LONE_LOW, 'MQTT-1.5.4-1'],
    ['sport/+', 'MQTT-4.7.1-1'],
    ['sport/#', 'MQTT-4.7.1-1'],
    ['#', 'MQTT-4.7.1-1'],
    ['a+b', 'MQTT-4.7.1-1'],
  ])('refuses %j with rule %s', (topic, rule) => {
    const error = validateTopicName(topic);
    expect(error).toBeInstanceOf(MqttError);
    expect(error?.code).toBe('invalid-argument');
    expect(error?.rule).toBe(rule);
    expect(error?.message).toContain(`[${rule}]`);
    expect(error?.message).toMatch(/^Invalid topic name /);
  });

  it('remembers only valid names: an invalid one between two valid ones is still refused', () => {
    // validateTopicName skips the check for the last valid name; equal strings only.
    for (let i = 0; i < 3; i++) {
      expect(validateTopicName('a/b')).toBeUndefined();
      expect(validateTopicName('a/+')).toBeInstanceOf(MqttError);
      expect(validateTopicName('a/b\u0000')).toBeInstanceOf(MqttError);
    }
  });

  it('quotes the input in the message', () => {
    expect(validateTopicName('sport/+')?.message).toBe(
      `Invalid topic name "sport/+": the wildcard '+' at index 6 is only allowed in topic filters [MQTT-4.7.1-1]`,
    );
    expect(validateTopicName('a\u0000')?.message).toContain('"a\\u0000"');
    expect(validateTopicName(LONE_HIGH)?.message).toContain('U+D800 at index 0');
  });

  it('truncates long input in the message', () => {
    const message = validateTopicName('y'.repeat(70000))?.message ?? '';
    expect(message).toContain(`"${'y'.repeat(80)}"… (70000 characters)`);
    expect(message.length).toBeLessThan(250);
  });

  it('does not cut a surrogate pair when truncating', () => {
    const message = validateTopicName('y'.repeat(79) + PAIR + '+')?.message ?? '';
    expect(message).toContain(`"${'y'.repeat(79)}"…`);
  });
});

describe('validateTopicFilter', () => {
  it.each([
    '#',
    '+',
    '/',
    '+/+',
    '/+',
    '+/',
    '//#',
    'sport/#',
    'sport/tennis/#',
    'sport/tennis/player1/#',
    '+/tennis/#',
    'sport/+/player1',
    'sport/tennis/+',
    '$SYS/#',
    '$SYS/monitor/+',
    '$share', // no '/': an ordinary filter
    '$shared/x',
    '$share/consumer1/sport/tennis/+',
    '$share/consumer2/sport/tennis/+',
    '$share/consumer1//finance',
    '$share/g/#',
    '$share/g/+',
    '$share/g/+/x/#',
    '$share/g/$share/h/x',
    'x'.repeat(65535),
  ])('accepts %j', (filter) => {
    expect(validateTopicFilter(filter)).toBeUndefined();
  });

  it.each([
    ['', 'MQTT-4.7.3-1'],
    ['a/\u0000', 'MQTT-4.7.3-2'],
    ['a'.repeat(65534) + '/#', 'MQTT-4.7.3-3'],
    ['a/' + LONE_LOW + '/#', 'MQTT-1.5.4-1'],
    ['sport/tennis#', 'MQTT-4.7.1-2'],
    ['sport/tennis/#/ranking', 'MQTT-4.7.1-2'],
    ['#/', 'MQTT-4.7.1-2'],
    ['##', 'MQTT-4.7.1-2'],
    ['#a', 'MQTT-4.7.1-2'],
    ['sport+', 'MQTT-4.7.1-3'],
    ['+sport', 'MQTT-4.7.1-3'],
    ['a/++', 'MQTT-4.7.1-3'],
    ['a/+b/c', 'MQTT-4.7.1-3'],
    ['+#', 'MQTT-4.7.1-3'],
    ['$share/', 'MQTT-4.8.2-1'],
    ['$share//x', 'MQTT-4.8.2-1'],
    ['$share/g+/x', 'MQTT-4.8.2-2'],
    ['$share/#/x', 'MQTT-4.8.2-2'],
    ['$share/g', 'MQTT-4.8.2-2'],
    ['$share/g/', 'MQTT-4.8.2-2'],
    ['$share/g/a#', 'MQTT-4.7.1-2'],
    ['$share/g/a+', 'MQTT-4.7.1-3'],
    ['$share/g/x\u0000', 'MQTT-4.7.3-2'],
  ])('refuses %j with rule %s', (filter, rule) => {
    const error = validateTopicFilter(filter);
    expect(error).toBeInstanceOf(MqttError);
    expect(error?.code).toBe('invalid-argument');
    expect(error?.rule).toBe(rule);
    expect(error?.message).toContain(`[${rule}]`);
    expect(error?.message).toMatch(/^Invalid topic filter /);
  });

  it('quotes the input and says where the wildcard is', () => {
    expect(validateTopicFilter('sport/tennis/#/ranking')?.message).toBe(
      `Invalid topic filter "sport/tennis/#/ranking": '#' at index 13 must be the last character and alone in its level [MQTT-4.7.1-2]`,
    );
    expect(validateTopicFilter('$share/g+/x')?.message).toContain('"$share/g+/x"');
  });
});

describe('isSharedFilter / parseSharedFilter', () => {
  it.each([
    ['$share/g/a/+', { shareName: 'g', filter: 'a/+' }],
    ['$share/consumer1//finance', { shareName: 'consumer1', filter: '/finance' }],
    ['$share/g/#', { shareName: 'g', filter: '#' }],
  ])('parses %j', (input, parts) => {
    expect(isSharedFilter(input)).toBe(true);
    expect(parseSharedFilter(input)).toEqual(parts);
  });

  it.each(['a/b', '$share', '$shared/g/x', '$SYS/#', 'x/$share/g/y'])('%j is not shared', (input) => {
    expect(isSharedFilter(input)).toBe(false);
    expect(parseSharedFilter(input)).toBeUndefined();
  });

  it.each(['$share/', '$share//x', '$share/g'])('%j is shared but has no parts', (input) => {
    expect(isSharedFilter(input)).toBe(true);
    expect(parseSharedFilter(input)).toBeUndefined();
  });
});
