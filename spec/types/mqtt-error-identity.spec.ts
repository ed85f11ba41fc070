/**
 * `instanceof MqttError` across copies of the module: `rxmqtt` and `rxmqtt/testing` are
 * separate bundles, and a process may load both the ESM and the CJS build.
 */
import { MalformedPacketError, MqttError, PacketEncodeError } from '../../src/errors';

describe('MqttError identity', () => {
  it('recognises an MqttError made by another copy of the module', () => {
    let Other: typeof MqttError | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      Other = (require('../../src/errors') as typeof import('../../src/errors')).MqttError;
    });
    expect(Other).toBeDefined();
    expect(Other).not.toBe(MqttError); // really a second copy
    const foreign = new Other!('timeout', 'from the other copy');
    expect(foreign instanceof MqttError).toBe(true);
    expect(new MqttError('timeout', 'x') instanceof Other!).toBe(true);
  });

  it('keeps the ordinary checks: subclasses, plain errors, non-objects', () => {
    const malformed = new MalformedPacketError('MQTT-1.5.4-2', 'U+0000');
    expect(malformed).toBeInstanceOf(MqttError);
    expect(malformed).toBeInstanceOf(MalformedPacketError);
    expect(malformed instanceof PacketEncodeError).toBe(false);
    expect(new MqttError('timeout', 'x') instanceof MalformedPacketError).toBe(false);
    expect(new Error('plain') instanceof MqttError).toBe(false);
    for (const v of [null, undefined, 1, 'MqttError', { code: 'timeout' }]) expect(v instanceof MqttError).toBe(false);
  });
});
