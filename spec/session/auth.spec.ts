// Enhanced authentication (MQTT 5 §4.12, AUTH §3.15) in the session reducer: table-driven, no I/O.
import type { AuthPacket, Packet } from '../../src/codec/types';
import { MqttError } from '../../src/errors';
import { initialState, nextDeadline, validateSessionConfig, type SessionConfig, type SessionState } from '../../src/session';
import { config, connack, effects, ofType, payload, recv, run, sent } from './helpers';

const METHOD = 'SCRAM-SHA-256';
const withAuth = (verify = false, extra: Partial<SessionConfig> = {}): SessionConfig => config({ auth: { method: METHOD, verify }, ...extra });
const auth = (reasonCode: number, data?: string, method: string | undefined = METHOD): AuthPacket => ({
  type: 'auth',
  reasonCode,
  properties: { ...(method === undefined ? {} : { authenticationMethod: method }), ...(data === undefined ? {} : { authenticationData: payload(data) }) },
});
const okConnack = (data?: string) => connack(false, 0, { authenticationMethod: METHOD, ...(data ? { authenticationData: payload(data) } : {}) });

/** CONNECT sent with `first` as Authentication Data. */
function opened(cfg: SessionConfig = withAuth(), first = 'client-first'): SessionState {
  return run(initialState(cfg), [{ type: 'transportOpened', authData: payload(first) }]).state;
}

/** Connected through one challenge/response. */
function authenticated(verify = false): SessionState {
  let r = run(opened(withAuth(verify)), [recv(auth(0x18, 'server-first'))]);
  r = run(r.state, [{ type: 'authAnswered', stepId: ofType(r.commands, 'authStep')[0].stepId, data: payload('client-final') }, recv(okConnack('server-final'))]);
  if (verify) r = run(r.state, [{ type: 'authAnswered', stepId: ofType(r.commands, 'authStep')[0].stepId }]);
  expect(r.state.connection.type).toBe('connected');
  return r.state;
}

function expectViolation(commands: ReturnType<typeof run>['commands'], rule: string, disconnect = true): void {
  expect(sent(commands).filter((p) => p.type === 'disconnect')).toEqual(disconnect ? [{ type: 'disconnect', reasonCode: 0x82 }] : []);
  expect(ofType(commands, 'closeTransport')[0].error).toMatchObject({ code: 'protocol-error', rule });
}

describe('session: enhanced authentication during CONNECT', () => {
  it('CONNECT names the method and carries the data given on transportOpened [MQTT-3.1.2.11.9/10]', () => {
    const r = run(initialState(withAuth(false, { connectProperties: { sessionExpiryInterval: 5 } })), [{ type: 'transportOpened', authData: payload('n') }]);
    expect(sent(r.commands)[0]).toMatchObject({ type: 'connect', properties: { sessionExpiryInterval: 5, authenticationMethod: METHOD, authenticationData: payload('n') } });
  });

  it('AUTH 0x18 → an authStep for the app; its answer → AUTH 0x18 with our method and its data [MQTT-4.12.0-3]; CONNACK → connected', () => {
    let r = run(opened(), [recv(auth(0x18, 'server-first'))]);
    expect(effects(r.commands)).toEqual([
      { type: 'authStep', stepId: 1, step: { kind: 'challenge', reasonCode: 0x18, data: payload('server-first'), properties: auth(0x18, 'server-first').properties, reauthentication: false } },
    ]);
    r = run(r.state, [{ type: 'authAnswered', stepId: 1, data: payload('client-final') }]);
    expect(sent(r.commands)).toEqual([{ type: 'auth', reasonCode: 0x18, properties: { authenticationMethod: METHOD, authenticationData: payload('client-final') } }]);
    r = run(r.state, [recv(okConnack('server-final'))]);
    expect(ofType(r.commands, 'connected')[0].connack.properties?.authenticationData).toEqual(payload('server-final'));
  });

  it('the app may take its time: other events meanwhile, then its answer', () => {
    const r = run(opened(), [recv(auth(0x18, 'c')), { type: 'tick', now: 100 }, { type: 'authAnswered', stepId: 1, data: payload('a'), now: 200 }]);
    expect(sent(r.commands).map((p) => p.type)).toEqual(['auth']);
  });

  it.each<[string, Packet, string]>([
    ['AUTH naming another method', auth(0x18, 'x', 'PLAIN'), 'MQTT-4.12.0-5'],
    ['AUTH naming no method', { type: 'auth', reasonCode: 0x18, properties: { authenticationData: payload('x') } }, 'MQTT-4.12.0-5'],
    ['a successful CONNACK naming no method', connack(), 'MQTT-4.12.0-5'],
    ['a successful CONNACK naming another method', connack(false, 0, { authenticationMethod: 'PLAIN' }), 'MQTT-4.12.0-5'],
    ['AUTH 0x00 (Success) before CONNACK', auth(0x00), 'MQTT-4.12.0-2'],
    ['AUTH 0x19 (Re-authenticate) from the broker', auth(0x19), 'MQTT-3.15.2.1'],
  ])('%s → DISCONNECT 0x82, protocol-error', (_name, packet, rule) => {
    expectViolation(run(opened(), [recv(packet)]).commands, rule);
  });

  it('a second AUTH before the app answered the first is a protocol error', () => {
    expectViolation(run(opened(), [recv(auth(0x18, 'a')), recv(auth(0x18, 'b'))]).commands, 'MQTT-4.12.0-3');
  });

  it.each<[string, Packet]>([
    ['AUTH', { type: 'auth', reasonCode: 0x18 }],
    ['a CONNACK naming a method', connack(false, 0, { authenticationMethod: METHOD })],
  ])('without a method in our CONNECT, %s is a protocol error [MQTT-4.12.0-6]', (_name, packet) => {
    const r = run(initialState(config()), [{ type: 'transportOpened' }, recv(packet)]);
    expectViolation(r.commands, 'MQTT-4.12.0-6');
  });

  it('AUTH in MQTT 3.1.1 is a protocol error (no DISCONNECT in 3.x)', () => {
    const r = run(initialState(config({ protocolVersion: 4 })), [{ type: 'transportOpened' }, recv(connack()), recv({ type: 'auth', reasonCode: 0x18 })]);
    expectViolation(r.commands, 'MQTT-2.1.2 AUTH is MQTT 5 only', false);
  });

  it('the connect timeout covers the whole exchange, the app’s turn included', () => {
    const s = run(opened(withAuth(false, { connectTimeout: 1000 })), [recv(auth(0x18, 'c'), 600)]).state;
    expect(nextDeadline(s)).toBe(1000);
    const r = run(s, [{ type: 'tick', now: 1000 }]);
    expect(ofType(r.commands, 'closeTransport')[0].error).toMatchObject({ code: 'connect-timeout' });
  });

  it.each<[string, 'challenge' | 'success', number]>([
    ['a responder failure', 'challenge', 0x83],
    ['a verify refusal', 'success', 0x80],
  ])('%s → DISCONNECT 0x%s and auth-failed', (_name, kind, code) => {
    const s = kind === 'challenge' ? run(opened(), [recv(auth(0x18, 'c'))]).state : run(opened(withAuth(true)), [recv(okConnack('proof'))]).state;
    const cause = new Error('boom');
    const r = run(s, [{ type: 'authRefused', stepId: 1, error: new MqttError('auth-failed', 'boom', { cause }) }]);
    expect(sent(r.commands)).toEqual([{ type: 'disconnect', reasonCode: code }]);
    const error = ofType(r.commands, 'closeTransport')[0].error;
    expect(error).toMatchObject({ code: 'auth-failed', reasonCode: code });
    expect(error?.cause).toBe(cause);
    expect(ofType(r.commands, 'connected')).toEqual([]);
  });

  it('an answer to a step of an ended connection is ignored', () => {
    const s = run(opened(), [recv(auth(0x18, 'c')), { type: 'transportClosed' }, { type: 'transportOpened', authData: payload('again') }]).state;
    const r = run(s, [{ type: 'authAnswered', stepId: 1, data: payload('late') }, { type: 'authRefused', stepId: 1, error: new MqttError('auth-failed', 'late') }]);
    expect(effects(r.commands)).toEqual([]);
    expect(r.state.connection.type).toBe('awaitingConnack');
  });

  it('each connection runs the exchange again: step ids go on across connections', () => {
    const r = run(opened(), [recv(auth(0x18, 'c')), { type: 'transportClosed' }, { type: 'transportOpened', authData: payload('n2') }, recv(auth(0x18, 'c2'))]);
    expect(ofType(r.commands, 'authStep').map((c) => c.stepId)).toEqual([1, 2]);
    expect(sent(r.commands).filter((p) => p.type === 'connect')).toMatchObject([{ properties: { authenticationData: payload('n2') } }]);
  });

  describe('verify', () => {
    it('the CONNACK counts only once the app approves; packets behind it wait, then arrive in order', () => {
      const publish: Packet = { type: 'publish', topic: 't', payload: payload('m'), qos: 0, retain: false, dup: false };
      let r = run(opened(withAuth(true)), [recv(okConnack('server-final')), recv(publish)]);
      expect(effects(r.commands)).toEqual([
        { type: 'authStep', stepId: 1, step: { kind: 'success', reasonCode: 0, data: payload('server-final'), properties: okConnack('server-final').properties, reauthentication: false } },
      ]);
      expect(r.state.connection.type).toBe('awaitingConnack');
      r = run(r.state, [{ type: 'authAnswered', stepId: 1 }]);
      expect(effects(r.commands).map((c) => c.type)).toEqual(['connected', 'deliverMessage']);
    });

    it('a refusal delivers nothing that was held', () => {
      const publish: Packet = { type: 'publish', topic: 't', payload: payload('m'), qos: 0, retain: false, dup: false };
      const r = run(opened(withAuth(true)), [recv(okConnack('x')), recv(publish), { type: 'authRefused', stepId: 1, error: new MqttError('auth-failed', 'no') }]);
      expect(ofType(r.commands, 'deliverMessage')).toEqual([]);
      expect(r.state.connection.type).toBe('offline');
    });
  });

  it('validateSessionConfig refuses auth before MQTT 5, an empty method, and a method in connectProperties', () => {
    expect(validateSessionConfig(config({ protocolVersion: 4, auth: { method: METHOD, verify: false } }))).toMatchObject({ code: 'invalid-argument' });
    expect(validateSessionConfig(config({ auth: { method: '', verify: false } }))).toMatchObject({ code: 'invalid-argument' });
    expect(validateSessionConfig(config({ connectProperties: { authenticationMethod: METHOD } }))).toMatchObject({ code: 'invalid-argument' });
    expect(validateSessionConfig(withAuth())).toBeUndefined();
  });
});

describe('session: re-authentication [MQTT-4.12.1-1]', () => {
  it('AUTH 0x19 with our method → 0x18 → the app → AUTH 0x18 → AUTH 0x00 settles the request with the broker’s data', () => {
    let r = run(authenticated(), [{ type: 'reauthenticateRequested', requestId: 7, data: payload('again') }]);
    expect(sent(r.commands)).toEqual([{ type: 'auth', reasonCode: 0x19, properties: { authenticationMethod: METHOD, authenticationData: payload('again') } }]);
    r = run(r.state, [recv(auth(0x18, 'ch'))]);
    expect(ofType(r.commands, 'authStep')[0].step).toMatchObject({ kind: 'challenge', reauthentication: true, data: payload('ch') });
    const stepId = ofType(r.commands, 'authStep')[0].stepId;
    r = run(r.state, [{ type: 'authAnswered', stepId, data: payload('resp') }]);
    expect(sent(r.commands)).toEqual([{ type: 'auth', reasonCode: 0x18, properties: { authenticationMethod: METHOD, authenticationData: payload('resp') } }]);
    r = run(r.state, [recv(auth(0x00, 'proof'))]);
    expect(effects(r.commands)).toEqual([{ type: 'settleRequest', requestId: 7, result: { ok: true, value: { reasonCode: 0, data: payload('proof'), properties: auth(0, 'proof').properties } } }]);
    expect(r.state.connection).toMatchObject({ type: 'connected', reauth: undefined });
  });

  it('with verify, AUTH 0x00 settles only once the app approves', () => {
    let r = run(authenticated(true), [{ type: 'reauthenticateRequested', requestId: 7 }, recv(auth(0x00, 'proof'))]);
    const step = ofType(r.commands, 'authStep')[0];
    expect(step.step).toMatchObject({ kind: 'success', reauthentication: true });
    expect(ofType(r.commands, 'settleRequest')).toEqual([]);
    r = run(r.state, [{ type: 'authAnswered', stepId: step.stepId }]);
    expect(ofType(r.commands, 'settleRequest')[0].result.ok).toBe(true);
  });

  it('publishes go on during a re-authentication', () => {
    const r = run(authenticated(), [{ type: 'reauthenticateRequested', requestId: 7 }, { type: 'publishRequested', requestId: 8, message: { topic: 't', payload: payload('x'), qos: 1, retain: false } }]);
    expect(sent(r.commands).map((p) => p.type)).toEqual(['auth', 'publish']);
  });

  it.each<[string, () => SessionState, string]>([
    ['before CONNACK', () => opened(), 'connection-closed'],
    ['offline', () => initialState(withAuth()), 'connection-closed'],
    ['without the auth option', () => run(initialState(config()), [{ type: 'transportOpened' }, recv(connack())]).state, 'invalid-argument'],
    ['in MQTT 3.1.1', () => run(initialState(config({ protocolVersion: 4 })), [{ type: 'transportOpened' }, recv(connack())]).state, 'invalid-argument'],
    ['while one is in progress', () => run(authenticated(), [{ type: 'reauthenticateRequested', requestId: 1 }]).state, 'invalid-argument'],
  ])('refused %s (%s), nothing sent', (_name, state, code) => {
    const r = run(state(), [{ type: 'reauthenticateRequested', requestId: 9 }]);
    expect(sent(r.commands)).toEqual([]);
    expect(ofType(r.commands, 'settleRequest')[0]).toMatchObject({ requestId: 9, result: { ok: false, error: { code } } });
  });

  it.each<[string, Packet, string]>([
    ['AUTH 0x18 with no re-authentication in progress (the broker cannot start one)', auth(0x18, 'x'), 'MQTT-4.12.1-1'],
    ['AUTH 0x00 with no re-authentication in progress', auth(0x00), 'MQTT-4.12.1-1'],
    ['AUTH 0x19 from the broker', auth(0x19), 'MQTT-3.15.2.1'],
    ['AUTH naming another method', auth(0x18, 'x', 'PLAIN'), 'MQTT-4.12.0-5'],
  ])('%s → protocol error', (_name, packet, rule) => {
    expectViolation(run(authenticated(), [recv(packet)]).commands, rule);
  });

  it('a drop during a re-authentication fails its request with the reason', () => {
    const r = run(authenticated(), [{ type: 'reauthenticateRequested', requestId: 7 }, recv({ type: 'disconnect', reasonCode: 0x87 })]);
    expect(ofType(r.commands, 'settleRequest')[0]).toMatchObject({ requestId: 7, result: { ok: false, error: { code: 'server-disconnected', reasonCode: 0x87 } } });
  });

  it('a CONNACK ≥ 0x80 during a re-authentication is read as the refusal (mosquitto 2.0); outside one it is a second CONNACK', () => {
    const r = run(authenticated(), [{ type: 'reauthenticateRequested', requestId: 7 }, recv(connack(false, 0x87))]);
    expect(sent(r.commands).map((p) => p.type)).toEqual(['auth']);
    expect(ofType(r.commands, 'settleRequest')[0]).toMatchObject({ requestId: 7, result: { ok: false, error: { code: 'connection-refused', reasonCode: 0x87 } } });
    expectViolation(run(authenticated(), [recv(connack(false, 0x87))]).commands, 'MQTT-3.2.0-2');
  });

  it('a responder failure during a re-authentication fails the request and the connection with auth-failed', () => {
    const s = run(authenticated(), [{ type: 'reauthenticateRequested', requestId: 7 }, recv(auth(0x18, 'x'))]);
    const stepId = ofType(s.commands, 'authStep')[0].stepId;
    const r = run(s.state, [{ type: 'authRefused', stepId, error: new MqttError('auth-failed', 'no') }]);
    expect(sent(r.commands)).toEqual([{ type: 'disconnect', reasonCode: 0x83 }]);
    expect(ofType(r.commands, 'settleRequest')[0]).toMatchObject({ requestId: 7, result: { ok: false, error: { code: 'auth-failed' } } });
  });
});
