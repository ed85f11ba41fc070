import { nextDeadline } from '../../src/session';
import { connected, effects, ofType, recv, run, sent } from './helpers';

// keepalive 10 s, connected at t=0 (CONNECT and CONNACK both at 0).
const base = () => connected({ keepalive: 10 });

describe('session: keepalive', () => {
  it('sends PINGREQ after keepalive with nothing sent [MQTT-3.1.2-23], and not before', () => {
    expect(nextDeadline(base())).toBe(10000);
    expect(run(base(), [{ type: 'tick', now: 9999 }]).commands).toEqual([]);
    const r = run(base(), [{ type: 'tick', now: 10000 }]);
    expect(r.commands).toEqual([{ type: 'sendPacket', packet: { type: 'pingreq' } }]);
    expect(nextDeadline(r.state)).toBe(20000); // the grace: one more keepalive
  });

  it('any packet sent pushes the PINGREQ back while packets also arrive', () => {
    const r = run(base(), [
      { type: 'publishRequested', requestId: 1, message: { topic: 't', payload: new Uint8Array(), qos: 1, retain: false }, now: 6000 },
      recv({ type: 'puback', packetId: 1, reasonCode: 0 }, 7000),
    ]);
    expect(nextDeadline(r.state)).toBe(16000);
    expect(run(r.state, [{ type: 'tick', now: 15999 }]).commands).toEqual([]);
    expect(sent(run(r.state, [{ type: 'tick', now: 16000 }]).commands)).toEqual([{ type: 'pingreq' }]);
  });

  it('also pings when nothing was received for keepalive (Paho), though we kept sending', () => {
    const r = run(base(), [{ type: 'publishRequested', requestId: 1, message: { topic: 't', payload: new Uint8Array(), qos: 0, retain: false }, now: 9000 }]);
    expect(nextDeadline(r.state)).toBe(10000);
    expect(sent(run(r.state, [{ type: 'tick', now: 10000 }]).commands)).toEqual([{ type: 'pingreq' }]);
  });

  it('PINGRESP (or any packet) clears the outstanding PINGREQ', () => {
    const r = run(base(), [{ type: 'tick', now: 10000 }, recv({ type: 'pingresp' }, 10500), { type: 'tick', now: 20000 }]);
    expect(ofType(r.commands, 'closeTransport')).toEqual([]);
    expect(sent(r.commands)).toEqual([{ type: 'pingreq' }, { type: 'pingreq' }]);
    const any = run(base(), [{ type: 'tick', now: 10000 }, recv({ type: 'publish', topic: 'x', payload: new Uint8Array(), qos: 0, retain: false, dup: false }, 10500)]);
    expect(any.state.connection).toMatchObject({ pingSentAt: undefined, lastReceivedAt: 10500 });
  });

  it('closes with keepalive-timeout when nothing arrives within the grace', () => {
    const r1 = run(base(), [{ type: 'tick', now: 10000 }, { type: 'tick', now: 19999 }]);
    expect(ofType(r1.commands, 'closeTransport')).toEqual([]);
    const r2 = run(r1.state, [{ type: 'tick', now: 20000 }]);
    expect(effects(r2.commands)).toEqual([{ type: 'closeTransport', error: expect.objectContaining({ code: 'keepalive-timeout' }) }]);
    expect(r2.state.connection.type).toBe('offline');
    expect(nextDeadline(r2.state)).toBeUndefined();
  });

  it('keepalive 0 arms nothing', () => {
    const s = connected({ keepalive: 0 });
    expect(nextDeadline(s)).toBeUndefined();
    expect(run(s, [{ type: 'tick', now: 1e9 }]).commands).toEqual([]);
  });

  it('a late tick fires once, not once per missed period', () => {
    const r = run(base(), [{ type: 'tick', now: 55000 }]);
    expect(sent(r.commands)).toEqual([{ type: 'pingreq' }]);
  });
});
