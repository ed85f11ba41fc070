// Options are validated once, in the constructor: bad ones throw a typed error and nothing is dialled.
import { MqttClient, MqttError, type MqttClientOptions } from '../../src';

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
    ['reconnect: true', { reconnect: true }],
    ['a full reconnect object', { reconnect: { minDelay: 0, maxDelay: 0, multiplier: 1, jitter: 1, maxAttempts: 0 } }],
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
