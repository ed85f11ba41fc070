import { MqttError } from '../../src/errors';
import { nodeTransport, parseBrokerUrl } from '../../src/transport';
import { startAedes } from '../support/aedes';
import { failure, handshake } from './helpers';

describe('nodeTransport', () => {
  it('dials TCP for mqtt://', async () => {
    const aedes = await startAedes();
    try {
      const url = parseBrokerUrl(`mqtt://127.0.0.1:${aedes.port}`);
      const { connack } = await handshake(nodeTransport(url));
      expect(connack).toEqual([0x20, 0x02, 0x00, 0x00]);
    } finally {
      await aedes.close();
    }
  });

  it('dials TLS for mqtts://: a plain TCP broker hangs up during the handshake', async () => {
    const aedes = await startAedes();
    try {
      const error = await failure(nodeTransport({ protocol: 'mqtts', host: '127.0.0.1', port: aedes.port }));
      expect(error).toBeInstanceOf(MqttError);
      expect((error as MqttError).message).toContain(`127.0.0.1:${aedes.port}`);
      // aedes reads the ClientHello as a malformed packet and closes the socket.
      expect((error as MqttError).code).toBe('connection-closed');
      expect((error as MqttError).message).toMatch(/before secure TLS connection was established/);
    } finally {
      await aedes.close();
    }
  });
});
