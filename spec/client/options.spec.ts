// Options are validated once, in the constructor: bad ones throw a typed error and nothing is dialled.
import { MqttClient, MqttError, type MqttClientOptions, type TransportOptions } from '../../src';
import { seenByTransport } from './helpers';
import { resolveOptions } from '../../src/client/resolve-options';
import { parseBrokerUrl } from '../../src/transport/url';

describe('MqttClient options', () => {
  const refused: Array<[string, MqttClientOptions, RegExp]> = [
    ['protocol version 6', { protocolVersion: 6 as never }, /protocolVersion/],
    ['an empty client id at 3.1', { protocolVersion: 3, clientId: '' }, /client/i],
    ['an empty client id at 3.1.1 without a clean session', { protocolVersion: 4, clientId: '', clean: false }, /client/i],
    ['a password without a username before 5.0', { protocolVersion: 4, password: 'x' }, /username/],
    ['CONNECT properties before 5.0', { protocolVersion: 4, properties: { sessionExpiryInterval: 10 } }, /protocolVersion 5/],
    ['a negative keepalive', { keepalive: -1 }, /keepalive/],
    ['a keepalive over 65535 s', { keepalive: 70000 }, /keepalive/],
    ['a port out of range', { port: 70000 }, /port/],
    ['a will with a wildcard topic', { will: { topic: 'a/#' } }, /wildcard|topic/i],
    ['a will with QoS 3', { will: { topic: 'a', qos: 3 as never } }, /qos/i],
    ['an unknown URL scheme', { url: 'http://localhost' }, /./],
    ["clean: 'sometimes'", { clean: 'sometimes' as never }, /clean/],
    ["reconnect: 'yes'", { reconnect: 'yes' as never }, /reconnect must be/],
    ['a negative reconnect minDelay', { reconnect: { minDelay: -1 } }, /reconnect: minDelay/],
    ['a reconnect maxDelay below minDelay', { reconnect: { minDelay: 5000, maxDelay: 1000 } }, /reconnect: maxDelay/],
    ['a reconnect multiplier below 1', { reconnect: { multiplier: 0.5 } }, /reconnect: multiplier/],
    ['a reconnect jitter above 1', { reconnect: { jitter: 2 } }, /reconnect: jitter/],
    ['a fractional reconnect maxAttempts', { reconnect: { maxAttempts: 2.5 } }, /reconnect: maxAttempts/],
    ['the ws option with an mqtt:// url', { url: 'mqtt://localhost', ws: { path: '/mqtt' } }, /ws option needs a ws:\/\/ or wss:\/\/ url/],
    ['the ws option without a url', { ws: {} }, /ws option needs/],
    ['TLS settings with an mqtt:// url (it would send in clear)', { url: 'mqtt://localhost', tls: { rejectUnauthorized: true } }, /tls option needs a TLS url/],
    ['TLS settings with a ws:// url', { url: 'ws://localhost', tls: {} }, /tls option needs a TLS url/],
    ['a ws path without a leading slash', { url: 'ws://localhost', ws: { path: 'mqtt' } }, /ws\.path must start with "\/"/],
    ['a ws path with a space', { url: 'ws://localhost', ws: { path: '/a b' } }, /ws\.path/],
    ['a ws header name with a colon', { url: 'ws://localhost', ws: { headers: { 'X:Y': '1' } } }, /not a valid HTTP header name/],
    ['a ws header value with CR LF', { url: 'ws://localhost', ws: { headers: { 'X-A': '1\r\nX-B: 2' } } }, /control characters/],
    ['a ws header the handshake sets', { url: 'wss://localhost', ws: { headers: { 'Sec-WebSocket-Protocol': 'mqtt' } } }, /set by the WebSocket handshake/],
    ['a non-string ws header value', { url: 'ws://localhost', ws: { headers: { 'X-A': 1 as never } } }, /must be a string/],
    ['empty ws protocols', { url: 'ws://localhost', ws: { protocols: [] } }, /non-empty array/],
    ['a ws subprotocol with a comma', { url: 'ws://localhost', ws: { protocols: ['mqtt,x'] } }, /not a valid subprotocol/],
    ['a ws subprotocol listed twice', { url: 'ws://localhost', ws: { protocols: ['mqtt', 'mqtt'] } }, /listed twice/],
    ["topicAliases: 'yes'", { protocolVersion: 5, topicAliases: 'yes' as never }, /topicAliases must be/],
    ['topicAliases: null', { protocolVersion: 5, topicAliases: null as never }, /topicAliases must be/],
    ['a topicAliases maximum over 65535', { protocolVersion: 5, topicAliases: { maximum: 70000 } }, /topicAliases\.maximum/],
    ['a negative topicAliases maximum', { protocolVersion: 5, topicAliases: { maximum: -1 } }, /topicAliases\.maximum/],
    ['a fractional topicAliases maximum', { protocolVersion: 5, topicAliases: { maximum: 1.5 } }, /topicAliases\.maximum/],
  ];
  it.each(refused)('refuses %s with invalid-argument', (_name, options, message) => {
    let error: unknown;
    try {
      new MqttClient(options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MqttError);
    expect(error).toMatchObject({ code: 'invalid-argument' });
    expect((error as Error).message).toMatch(message);
  });

  it.each<[string, MqttClientOptions]>([
    ['an empty client id at 3.1.1 with a clean session', { protocolVersion: 4, clientId: '' }],
    ['an empty client id at 5.0 (the broker assigns one)', { protocolVersion: 5, clientId: '', clean: false }],
    ['a password without a username at 5.0', { protocolVersion: 5, password: 'x' }],
    ['credentials and TLS from the URL', { url: 'mqtts://user:pw@example.test:8884' }],
    ['ws:// and wss:// urls with ws options', { url: 'wss://example.test/ws?token=x', ws: { headers: { Authorization: 'Bearer x' }, protocols: ['mqtt'] } }],
    ['reconnect: true', { reconnect: true }],
    ['a full reconnect object', { reconnect: { minDelay: 0, maxDelay: 0, multiplier: 1, jitter: 1, maxAttempts: 0 } }],
    ['topicAliases: true', { protocolVersion: 5, topicAliases: true }],
    ['topicAliases with a maximum', { protocolVersion: 5, topicAliases: { maximum: 3 } }],
    ['topicAliases before MQTT 5 (simply not used)', { protocolVersion: 4, topicAliases: true }],
  ])('accepts %s', (_name, options) => {
    expect(() => new MqttClient(options)).not.toThrow();
  });

  it('starts idle and sends nothing until connect() is subscribed (cold)', async () => {
    let dialled = 0;
    const client = new MqttClient({
      transport: () => {
        dialled++;
        throw new Error('never dialled in this test');
      },
    });
    const states: string[] = [];
    client.connectionState$.subscribe((s) => states.push(s.type));
    client.connect(); // not subscribed
    client.publish('a', 'b');
    expect(dialled).toBe(0);
    expect(states).toEqual(['idle']);
  });
});

describe('MqttClient options: topicAliases reach the session as its cap', () => {
  const cap = (topicAliases: MqttClientOptions['topicAliases']) =>
    resolveOptions({ protocolVersion: 5, topicAliases }, parseBrokerUrl).session.outboundTopicAliases;
  it.each<[string, MqttClientOptions['topicAliases'], number | undefined]>([
    ['absent: off', undefined, undefined],
    ['false: off', false, undefined],
    ['true: as many as the broker allows', true, 65535],
    ['{}: as many as the broker allows', {}, 65535],
    ['{ maximum: 3 }', { maximum: 3 }, 3],
    ['{ maximum: 0 }: off', { maximum: 0 }, undefined],
  ])('%s', (_name, option, expected) => {
    expect(cap(option)).toBe(expected);
  });
});

describe('MqttClient options: what reaches the transport', () => {
  const seen = seenByTransport;

  it.each<[string, MqttClientOptions, Partial<TransportOptions> & { protocol: string }]>([
    ['ws:// with its default path and port', { url: 'ws://broker.test' }, { protocol: 'ws', port: 80, ws: { path: '/mqtt' } }],
    ['the path and query of a ws:// url', { url: 'ws://broker.test:8080/ws?x=1' }, { protocol: 'ws', port: 8080, ws: { path: '/ws?x=1' } }],
    ['ws.path over the url path', { url: 'ws://broker.test/a', ws: { path: '/b' } }, { protocol: 'ws', ws: { path: '/b' } }],
    ['wss:// with TLS defaults, headers and protocols', { url: 'wss://broker.test', ws: { headers: { 'X-A': '1' }, protocols: ['mqttv3.1'] } },
      { protocol: 'wss', port: 443, tls: {}, ws: { path: '/mqtt', headers: { 'X-A': '1' }, protocols: ['mqttv3.1'] } }],
  ])('%s', (_name, options, expected) => {
    expect(seen(options)).toMatchObject(expected);
  });

  it('gives no ws settings to a TCP transport', () => {
    expect(seen({ url: 'mqtt://broker.test' }).ws).toBeUndefined();
  });
});
