// The srv option at the edge: bad input is refused from the constructor, before any lookup or dial.
import { MqttClient, MqttError, type MqttClientOptions } from '../../src';

describe('the srv option, validated in the constructor', () => {
  it.each<[string, MqttClientOptions, RegExp]>([
    ['an empty domain', { srv: '' }, /srv needs a domain/],
    ['a blank domain', { srv: '  ' }, /srv needs a domain/],
    ['an object without a domain', { srv: {} as never }, /srv needs a domain/],
    ['a number', { srv: 42 as never }, /srv must be a domain or \{ domain, resolve\? \}/],
    ['a domain with a space', { srv: 'exa mple.com' }, /not a valid domain name/],
    ['a domain with an empty label', { srv: 'example..com' }, /not a valid domain name/],
    ['a label over 63 characters', { srv: `${'a'.repeat(64)}.com` }, /not a valid domain name/],
    ['the SRV name instead of the domain', { srv: '_mqtt._tcp.example.com' }, /the domain, not the SRV name: "example\.com"/],
    ['the secure SRV name instead of the domain', { srv: '_secure-mqtt._tcp.example.com' }, /the domain, not the SRV name/],
    ['srv with a url', { srv: 'example.com', url: 'mqtt://broker.example.com' }, /url would contradict it/],
    ['srv with a host', { srv: 'example.com', host: 'broker.example.com' }, /host would contradict it/],
    ['srv with a port', { srv: 'example.com', port: 1883 }, /port would contradict it/],
    ['srv with host and port', { srv: 'example.com', host: 'h', port: 1 }, /host, port would contradict it/],
    ['srv with the ws option', { srv: 'example.com', ws: { path: '/mqtt' } }, /ws option does not apply/],
    ['a resolve that is not a function', { srv: { domain: 'example.com', resolve: 'https://dns.example' as never } }, /srv\.resolve must be a function/],
  ])('refuses %s with invalid-argument, and looks nothing up', (_what, options, message) => {
    const resolve = jest.fn();
    const transport = jest.fn();
    const srv = typeof options.srv === 'object' && options.srv !== null && !('resolve' in options.srv) ? { ...options.srv, resolve } : options.srv;
    let error: unknown;
    try {
      new MqttClient({ ...options, srv, transport }).connect().subscribe({ error: () => {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MqttError);
    expect(error).toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(message) });
    expect(resolve).not.toHaveBeenCalled();
    expect(transport).not.toHaveBeenCalled();
  });

  it.each<[string, MqttClientOptions]>([
    ['a domain', { srv: 'example.com' }],
    ['a fully qualified domain (final dot)', { srv: 'example.com.' }],
    ['a one-label domain', { srv: 'localdomain' }],
    ['{ domain, resolve }', { srv: { domain: 'example.com', resolve: async () => [] } }],
    ['srv with tls (the secure service)', { srv: 'example.com', tls: { rejectUnauthorized: true } }],
    ['srv with bindAddress', { srv: 'example.com', bindAddress: '127.0.0.1' }],
  ])('accepts %s', (_what, options) => {
    expect(() => new MqttClient(options)).not.toThrow();
  });

  it('asks the resolver for the service of the connection: _mqtt._tcp, or _secure-mqtt._tcp with tls; a final dot is dropped', async () => {
    const names: string[] = [];
    const resolve = async (name: string) => {
      names.push(name);
      return [];
    };
    for (const options of [{ srv: { domain: 'example.com.', resolve } }, { srv: { domain: 'Example.COM', resolve }, tls: {} }]) {
      const client = new MqttClient({ ...options, connectTimeout: 1000 });
      const error = await new Promise((resolveError) => client.connect().subscribe({ error: resolveError }));
      expect(error).toMatchObject({ code: 'connection-closed', message: expect.stringMatching(/found no records$/) });
    }
    expect(names).toEqual(['_mqtt._tcp.example.com', '_secure-mqtt._tcp.Example.COM']);
  });
});
