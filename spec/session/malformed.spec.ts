// A broker that sends bytes the decoder rejects: say why in 5.0, then close with the decoder's error.
import { MalformedPacketError } from '../../src/errors';
import { config, connected, ofType, run, sent } from './helpers';
import { initialState } from '../../src/session';

describe('session: malformed input from the broker', () => {
  const malformed = new MalformedPacketError('MQTT-3.3.1-4', 'QoS 3');
  const tooLarge = new MalformedPacketError('maximum packet size', 'packet of 2000 bytes over 1024');

  it.each([
    ['a broken rule', malformed, 0x81],
    ['a packet over our Maximum Packet Size', tooLarge, 0x95],
  ] as const)('5.0, %s → DISCONNECT 0x%s and closeTransport with the decoder error', (_name, error, code) => {
    const r = run(connected(), [{ type: 'malformedPacketReceived', error }]);
    expect(sent(r.commands)).toEqual([{ type: 'disconnect', reasonCode: code }]);
    expect(ofType(r.commands, 'closeTransport')).toEqual([{ type: 'closeTransport', error }]);
    expect(r.state.connection.type).toBe('offline');
  });

  it('3.1.1 closes without a DISCONNECT (it has no way to say why)', () => {
    const r = run(connected({ protocolVersion: 4 }), [{ type: 'malformedPacketReceived', error: malformed }]);
    expect(sent(r.commands)).toEqual([]);
    expect(ofType(r.commands, 'closeTransport')[0].error).toBe(malformed);
  });

  it('before CONNACK it closes too; offline it does nothing', () => {
    const waiting = run(initialState(config()), [{ type: 'transportOpened' }, { type: 'malformedPacketReceived', error: malformed }]);
    expect(ofType(waiting.commands, 'closeTransport')).toHaveLength(1);
    const offline = run(initialState(config()), [{ type: 'malformedPacketReceived', error: malformed }]);
    expect(offline.commands.filter((c) => c.type !== 'log')).toEqual([]);
  });
});
