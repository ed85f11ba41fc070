// The browser build has no DNS API: its platform (swapped in here as tsup's plugin swaps it) refuses srv.
import { MqttClient, MqttError } from '../../src';
import { nodeTransport } from '../../src/transport/node';

jest.mock('../../src/transport/platform', () => jest.requireActual('../../src/transport/platform.browser'));

describe('srv in the browser build', () => {
  it('refuses srv without a resolver of its own, from the constructor', () => {
    let error: unknown;
    try {
      new MqttClient({ srv: 'example.com' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MqttError);
    expect(error).toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/^srv needs a DNS lookup, and a browser has none: pass srv\.resolve/) });
  });

  it('with srv.resolve, the default (WebSocket) transport still refuses MQTT over TCP', () => {
    expect(() => new MqttClient({ srv: { domain: 'example.com', resolve: async () => [] } })).toThrow(
      expect.objectContaining({ code: 'invalid-argument', message: expect.stringMatching(/^A browser has no TCP sockets/) }),
    );
  });

  it('with srv.resolve and a transport of its own, it is accepted', () => {
    expect(() => new MqttClient({ srv: { domain: 'example.com', resolve: async () => [] }, transport: nodeTransport })).not.toThrow();
  });
});
