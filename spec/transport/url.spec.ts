import { MqttError } from '../../src/errors';
import { parseBrokerUrl, type BrokerUrl } from '../../src/transport';

describe('parseBrokerUrl', () => {
  const valid: Array<[string, BrokerUrl]> = [
    ['mqtt://broker.example.com', { protocol: 'mqtt', host: 'broker.example.com', port: 1883 }],
    ['mqtt://broker:1884', { protocol: 'mqtt', host: 'broker', port: 1884 }],
    ['mqtt://broker/', { protocol: 'mqtt', host: 'broker', port: 1883 }],
    ['MQTT://Broker', { protocol: 'mqtt', host: 'Broker', port: 1883 }],
    ['tcp://127.0.0.1:1883', { protocol: 'mqtt', host: '127.0.0.1', port: 1883 }],
    ['mqtts://broker', { protocol: 'mqtts', host: 'broker', port: 8883 }],
    ['ssl://broker:8884', { protocol: 'mqtts', host: 'broker', port: 8884 }],
    ['tls://broker', { protocol: 'mqtts', host: 'broker', port: 8883 }],
    ['ws://broker', { protocol: 'ws', host: 'broker', port: 80, path: '/mqtt' }],
    ['ws://broker/', { protocol: 'ws', host: 'broker', port: 80, path: '/' }],
    ['wss://broker', { protocol: 'wss', host: 'broker', port: 443, path: '/mqtt' }],
    ['wss://broker:8443/ws?token=a%20b', { protocol: 'wss', host: 'broker', port: 8443, path: '/ws?token=a%20b' }],
    ['mqtt://[::1]', { protocol: 'mqtt', host: '::1', port: 1883 }],
    ['mqtt://[::1]:1884', { protocol: 'mqtt', host: '::1', port: 1884 }],
    ['mqtts://[2001:db8::7]:8883', { protocol: 'mqtts', host: '2001:db8::7', port: 8883 }],
    ['mqtt://[fe80::1%25eth0]', { protocol: 'mqtt', host: 'fe80::1%eth0', port: 1883 }],
    ['ws://[::1]:9001/mqtt', { protocol: 'ws', host: '::1', port: 9001, path: '/mqtt' }],
    ['mqtt://alice@broker', { protocol: 'mqtt', host: 'broker', port: 1883, username: 'alice' }],
    ['mqtt://alice:s3cret@broker', { protocol: 'mqtt', host: 'broker', port: 1883, username: 'alice', password: 's3cret' }],
    ['mqtt://alice:@broker', { protocol: 'mqtt', host: 'broker', port: 1883, username: 'alice', password: '' }],
    ['mqtt://a%40b:p%3Aw%2F@broker', { protocol: 'mqtt', host: 'broker', port: 1883, username: 'a@b', password: 'p:w/' }],
    ['mqtt://u:p@[::1]:2000', { protocol: 'mqtt', host: '::1', port: 2000, username: 'u', password: 'p' }],
    ['mqtt://broker:65535', { protocol: 'mqtt', host: 'broker', port: 65535 }],
    ['  mqtt://broker  ', { protocol: 'mqtt', host: 'broker', port: 1883 }],
  ];

  it.each(valid)('parses %s', (url, expected) => {
    expect(parseBrokerUrl(url)).toEqual(expected);
  });

  const invalid: Array<[string, RegExp]> = [
    ['', /expected scheme/],
    ['broker:1883', /expected scheme/],
    ['localhost', /expected scheme/],
    ['http://broker', /unknown scheme "http"/],
    ['mqtt://', /no host/],
    ['mqtt://:1883', /no host/],
    ['mqtt://broker:0', /port "0"/],
    ['mqtt://broker:65536', /port "65536"/],
    ['mqtt://broker:abc', /port "abc"/],
    ['mqtt://broker:', /port ""/],
    ['mqtt://[::1', /expected scheme/],
    ['mqtt://[zz::1]', /not an IPv6 address/],
    ['mqtt://::1', /must be in brackets/],
    ['mqtt://broker#frag', /no #fragment/],
    ['ws://broker/mqtt#frag', /no #fragment/],
    ['mqtt://bro ker', /not a valid host name/],
    ['mqtt://broker/topic', /no path/],
    ['mqtt://broker?x=1', /no path/],
    ['mqtt://a%zz@broker', /percent-encoding/],
  ];

  it.each(invalid)('refuses %j', (url, reason) => {
    let caught: unknown;
    try {
      parseBrokerUrl(url);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MqttError);
    expect((caught as MqttError).code).toBe('invalid-argument');
    expect((caught as MqttError).message).toContain(JSON.stringify(url).slice(1, -1));
    expect((caught as MqttError).message).toMatch(reason);
  });
});
