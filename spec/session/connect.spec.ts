import { MqttError } from '../../src/errors';
import { initialState, nextDeadline, validateSessionConfig, type SessionConfig } from '../../src/session';
import { config, connack, connected, effects, ofType, recv, run, sent } from './helpers';

describe('session: CONNECT', () => {
  it('answers transportOpened with CONNECT carrying every configured field', () => {
    const will = { topic: 'w', payload: new Uint8Array([1]), qos: 1 as const, retain: true };
    const cfg = config({
      username: 'u',
      password: new Uint8Array([9]),
      will,
      bridge: true,
      keepalive: 30,
      connectProperties: { sessionExpiryInterval: 10 },
    });
    const { commands } = run(initialState(cfg), [{ type: 'transportOpened', now: 100 }]);
    expect(commands).toEqual([
      {
        type: 'sendPacket',
        packet: {
          type: 'connect',
          protocolVersion: 5,
          bridge: true,
          clean: true,
          keepalive: 30,
          clientId: 'c1',
          username: 'u',
          password: new Uint8Array([9]),
          will,
          properties: { sessionExpiryInterval: 10 },
        },
      },
    ]);
  });

  it('omits absent optional fields and properties in 3.x', () => {
    const { commands } = run(initialState(config({ protocolVersion: 4, clean: false })), [{ type: 'transportOpened' }]);
    expect(sent(commands)).toEqual([{ type: 'connect', protocolVersion: 4, clean: false, keepalive: 60, clientId: 'c1' }]);
  });

  it.each<[SessionConfig['clean'], boolean[]]>([
    [true, [true, true, true]],
    [false, [false, false, false]],
    ['first-only', [true, false, false]],
  ])('clean %p gives clean flags %p over three connections', (clean, expected) => {
    for (const version of [4, 5] as const) {
      let state = initialState(config({ clean, protocolVersion: version }));
      const flags: boolean[] = [];
      for (let i = 0; i < 3; i++) {
        const r = run(state, [{ type: 'transportOpened' }, recv(connack(false)), { type: 'transportClosed' }]);
        const c = sent(r.commands)[0];
        flags.push(c.type === 'connect' && c.clean);
        state = r.state;
      }
      expect(flags).toEqual(expected);
    }
  });

  it("'first-only' stays clean after a refused first attempt", () => {
    const r1 = run(initialState(config({ clean: 'first-only' })), [{ type: 'transportOpened' }, recv(connack(false, 0x87))]);
    const r2 = run(r1.state, [{ type: 'transportOpened' }]);
    expect(sent(r2.commands)[0]).toMatchObject({ type: 'connect', clean: true });
  });
});

describe('session: CONNACK', () => {
  it('emits connected and arms keepalive from the CONNECT time', () => {
    const r = run(initialState(config({ keepalive: 10 })), [{ type: 'transportOpened', now: 1000 }, recv(connack(false), 1200)]);
    expect(effects(r.commands).slice(1)).toEqual([{ type: 'connected', connack: { sessionPresent: false, reasonCode: 0 } }]);
    expect(r.state.connection.type).toBe('connected');
    expect(nextDeadline(r.state)).toBe(11000);
  });

  it.each([0x80, 0x84, 0x85, 0x86, 0x87, 0x88, 0x8a, 0x9c])('refusal code %d closes with connection-refused', (code) => {
    const r = run(initialState(config()), [{ type: 'transportOpened' }, recv(connack(false, code, { reasonString: 'nope' }))]);
    const closes = ofType(r.commands, 'closeTransport');
    expect(closes).toHaveLength(1);
    expect(closes[0].error).toBeInstanceOf(MqttError);
    expect(closes[0].error).toMatchObject({ code: 'connection-refused', reasonCode: code });
    expect(closes[0].error?.message).toContain('nope');
    expect(ofType(r.commands, 'connected')).toHaveLength(0);
    expect(r.state.connection).toEqual({ type: 'offline' });
    expect(nextDeadline(r.state)).toBeUndefined();
  });

  it('Server Keep Alive overrides ours [MQTT-3.2.2-21]', () => {
    const state = connected({ keepalive: 60 }, connack(false, 0, { serverKeepAlive: 5 }));
    expect(nextDeadline(state)).toBe(5000);
  });

  it('stores the broker limits in connection scope', () => {
    const state = connected({}, connack(false, 0, { receiveMaximum: 3, maximumPacketSize: 1000, topicAliasMaximum: 7, maximumQoS: 1, retainAvailable: 0 }));
    expect(state.connection).toMatchObject({ receiveMaximum: 3, maximumPacketSize: 1000, topicAliasMaximum: 7, maximumQoS: 1, retainAvailable: false });
  });

  it('uses the Assigned Client Identifier on later CONNECTs', () => {
    const s1 = connected({ clientId: '', clean: false }, connack(false, 0, { assignedClientIdentifier: 'auto-1' }));
    const r = run(s1, [{ type: 'transportClosed' }, { type: 'transportOpened' }]);
    expect(sent(r.commands)[0]).toMatchObject({ type: 'connect', clientId: 'auto-1' });
  });

  it('Session Present after a clean start is a protocol error', () => {
    const r = run(initialState(config({ clean: true })), [{ type: 'transportOpened' }, recv(connack(true))]);
    expect(sent(r.commands).slice(1)).toEqual([{ type: 'disconnect', reasonCode: 0x82 }]);
    expect(ofType(r.commands, 'closeTransport')[0].error).toMatchObject({ code: 'protocol-error', rule: 'MQTT-3.2.2-2' });
  });
});

describe('session: connect timeout', () => {
  it('closes with connect-timeout when no CONNACK arrives in time', () => {
    const opened = run(initialState(config({ connectTimeout: 3000 })), [{ type: 'transportOpened', now: 500 }]);
    expect(nextDeadline(opened.state)).toBe(3500);
    const early = run(opened.state, [{ type: 'tick', now: 3499 }]);
    expect(early.commands).toEqual([]);
    const late = run(opened.state, [{ type: 'tick', now: 3500 }]);
    expect(late.commands).toEqual([{ type: 'closeTransport', error: expect.objectContaining({ code: 'connect-timeout' }) }]);
    expect(nextDeadline(late.state)).toBeUndefined();
  });

  it('is disarmed by CONNACK and absent when connectTimeout is 0', () => {
    const ok = run(initialState(config({ connectTimeout: 3000, keepalive: 0 })), [{ type: 'transportOpened' }, recv(connack(), 10), { type: 'tick', now: 9999 }]);
    expect(ofType(ok.commands, 'closeTransport')).toHaveLength(0);
    expect(nextDeadline(ok.state)).toBeUndefined();
    const none = run(initialState(config({ connectTimeout: 0 })), [{ type: 'transportOpened' }]);
    expect(nextDeadline(none.state)).toBeUndefined();
  });
});

describe('validateSessionConfig', () => {
  it.each<[Partial<SessionConfig>, string | undefined]>([
    [{ protocolVersion: 3, clientId: '' }, 'invalid-argument'],
    [{ protocolVersion: 4, clientId: '', clean: false }, 'invalid-argument'],
    [{ protocolVersion: 4, clientId: '', clean: 'first-only' }, 'invalid-argument'],
    [{ protocolVersion: 4, clientId: '', clean: true }, undefined],
    [{ protocolVersion: 5, clientId: '', clean: false }, undefined],
    [{ keepalive: 65536 }, 'invalid-argument'],
    [{ keepalive: 1.5 }, 'invalid-argument'],
    [{ maxInflight: -1 }, 'invalid-argument'],
    [{ maxQueued: 0.5 }, 'invalid-argument'],
    [{ connectTimeout: -1 }, 'invalid-argument'],
    [{ protocolVersion: 4, password: new Uint8Array([1]) }, 'invalid-argument'],
    [{ protocolVersion: 4, connectProperties: {} }, 'invalid-argument'],
    [{ connectProperties: { receiveMaximum: 0 } }, 'invalid-argument'],
    [{}, undefined],
  ])('%p → %p', (overrides, expected) => {
    expect(validateSessionConfig(config(overrides))?.code).toBe(expected);
  });
});
