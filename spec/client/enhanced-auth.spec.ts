/**
 * MQTT 5 enhanced authentication against a real mosquitto 2.0, which runs the toy method
 * "rxmqtt-test" in a C plugin the spec builds (spec/support/auth-plugin.ts): a nonce
 * challenge, a keyed answer, the broker's proof in the success data.
 */

import { filter, firstValueFrom, lastValueFrom, delay as rxDelay, of, timeout } from 'rxjs';
import { MqttError } from '../../src';
import type { AuthChallenge, EnhancedAuthOptions } from '../../src/client';
import { AUTH_METHOD, keyed, mosquittoAuthConfig } from '../support/auth-plugin';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto';
import { closeClients, connected, delay, makeClient, stateOf, text } from './helpers';

const bytes = (s: string) => new TextEncoder().encode(s);
const equal = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

/** The client's half of "rxmqtt-test": remembers this exchange's nonces, answers, checks the broker's proof. */
function testMethod(nonce: (n: number) => string, key?: string) {
  let nc: Uint8Array = new Uint8Array();
  let ns: Uint8Array = new Uint8Array();
  const log = { data: 0, respond: [] as AuthChallenge[], verified: [] as boolean[] };
  const auth: EnhancedAuthOptions = {
    method: AUTH_METHOD,
    data: () => {
      nc = bytes(nonce(++log.data));
      ns = new Uint8Array();
      return nc;
    },
    respond: (challenge) => {
      log.respond.push(challenge);
      ns = challenge.data ?? new Uint8Array();
      return keyed('client', nc, ns, key);
    },
    verify: ({ data }) => {
      const ok = equal(data, keyed('server', nc, ns));
      log.verified.push(ok);
      return ok;
    },
  };
  return { auth, log };
}

describe('enhanced authentication against mosquitto (auth plugin "rxmqtt-test")', () => {
  let broker: MosquittoHandle;
  beforeAll(async () => {
    broker = await startMosquitto({ extraConfig: mosquittoAuthConfig() });
  });
  afterAll(async () => {
    await broker?.close();
  });
  afterEach(closeClients);

  it('CONNECT with the method → AUTH 0x18 challenge → our AUTH 0x18 → CONNACK 0x00 with the proof we verify; QoS 1 round trip', async () => {
    const { auth, log } = testMethod((n) => `nonce-${n}`);
    const client = makeClient(broker.port, 5, { auth });
    const connack = await connected(client);
    expect(connack.reasonCode).toBe(0);
    expect(connack.properties?.authenticationMethod).toBe(AUTH_METHOD);
    expect(log.respond).toHaveLength(1);
    expect(log.respond[0]).toMatchObject({ reasonCode: 0x18, reauthentication: false, properties: { authenticationMethod: AUTH_METHOD } });
    expect(log.respond[0].data).toHaveLength(16);
    expect(log.verified).toEqual([true]);

    const got = firstValueFrom(client.messages$('auth/rt').pipe(timeout(5000)));
    await delay(100);
    await lastValueFrom(client.publish('auth/rt', 'hello', { qos: 1 }));
    expect(text((await got).payload)).toBe('hello');
  });

  it('two challenges in a row: respond is called for each', async () => {
    const { auth, log } = testMethod((n) => `two:${n}`);
    const client = makeClient(broker.port, 5, { auth });
    await connected(client);
    expect(log.respond).toHaveLength(2);
    expect(log.verified).toEqual([true]);
  });

  it('a method that needs no challenge: CONNACK 0x00 at once, its proof verified, respond never called', async () => {
    const { auth, log } = testMethod((n) => `ok:${n}`);
    const client = makeClient(broker.port, 5, { auth });
    const connack = await connected(client);
    expect(connack.properties?.authenticationData).toHaveLength(8);
    expect(log.respond).toHaveLength(0);
    expect(log.verified).toEqual([true]);
  });

  it('a wrong answer: CONNACK 0x87 Not authorized → connection-refused', async () => {
    const { auth, log } = testMethod((n) => `nonce-${n}`, 'wrong-key');
    const client = makeClient(broker.port, 5, { auth });
    const error = await firstValueFrom(client.connect()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MqttError);
    expect(error).toMatchObject({ code: 'connection-refused', reasonCode: 0x87 });
    expect(log.respond).toHaveLength(1);
  });

  it('a method the broker does not know: CONNACK 0x8C Bad authentication method', async () => {
    const client = makeClient(broker.port, 5, { auth: { method: 'SCRAM-SHA-512', respond: () => new Uint8Array() } });
    await expect(firstValueFrom(client.connect())).rejects.toMatchObject({ code: 'connection-refused', reasonCode: 0x8c });
  });

  it("a broker proof that does not check out: verify refuses, DISCONNECT 0x80, auth-failed, and nothing counts as connected", async () => {
    const { auth, log } = testMethod((n) => `lie:${n}`);
    const client = makeClient(broker.port, 5, { auth });
    const states: string[] = [];
    client.connectionState$.subscribe((s) => states.push(s.type));
    const error = await firstValueFrom(client.connect()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'auth-failed', reasonCode: 0x80 });
    expect(log.verified).toEqual([false]);
    expect(states).toEqual(['idle', 'connecting', 'disconnected']);
  });

  it('a responder that fails: DISCONNECT 0x83 and auth-failed, with the cause', async () => {
    const cause = new Error('no key in the keystore');
    const client = makeClient(broker.port, 5, { auth: { method: AUTH_METHOD, data: bytes('x'), respond: () => Promise.reject(cause) } });
    const sent: string[] = [];
    client.events$.subscribe((e) => e.type === 'packetSent' && sent.push(e.packetType));
    const error = (await firstValueFrom(client.connect()).catch((e: unknown) => e)) as MqttError;
    expect(error).toMatchObject({ code: 'auth-failed', reasonCode: 0x83 });
    expect(error.cause).toBe(cause);
    expect(sent).toEqual(['connect', 'disconnect']);
  });

  it('an asynchronous responder (an Observable answering later) still answers within the exchange', async () => {
    let nc: Uint8Array = new Uint8Array();
    const client = makeClient(broker.port, 5, {
      auth: {
        method: AUTH_METHOD,
        data: () => (nc = bytes('slowly')),
        respond: ({ data }) => of(keyed('client', nc, data!)).pipe(rxDelay(300)),
      },
    });
    expect((await connected(client)).reasonCode).toBe(0);
  });

  it('reauthenticate(): AUTH 0x19 → 0x18 → 0x18 → AUTH 0x00 with the proof; traffic goes on meanwhile', async () => {
    const { auth, log } = testMethod((n) => `nonce-${n}`);
    const client = makeClient(broker.port, 5, { auth });
    await connected(client);
    const success = await firstValueFrom(client.reauthenticate().pipe(timeout(5000)));
    expect(success.reasonCode).toBe(0);
    expect(success.properties?.authenticationMethod).toBe(AUTH_METHOD);
    expect(log.respond.map((c) => c.reauthentication)).toEqual([false, true]);
    expect(log.verified).toEqual([true, true]);
    expect(log.data).toBe(2);
    expect(broker.logs()).toMatch(/rxmqtt-test: re-authentication from spec-/);
    await lastValueFrom(client.publish('auth/after', 'x', { qos: 1 }));
    expect((await firstValueFrom(client.connectionState$)).type).toBe('connected');
  });

  it('reauthenticate() with a wrong answer: the broker refuses (mosquitto 2.0: CONNACK 0x87, not DISCONNECT); reauthenticate() errors', async () => {
    let wrong = false;
    const { auth } = testMethod((n) => `nonce-${n}`);
    const respond = auth.respond!;
    const client = makeClient(broker.port, 5, { auth: { ...auth, respond: (c) => (wrong ? bytes('12345678') : respond(c)) } });
    await connected(client);
    wrong = true;
    await expect(firstValueFrom(client.reauthenticate())).rejects.toMatchObject({ code: 'connection-refused', reasonCode: 0x87 });
    expect((await stateOf(client, 'disconnected')).type).toBe('disconnected');
  });

  it('each reconnect runs the exchange again (respond and verify called anew)', async () => {
    const { auth, log } = testMethod((n) => `nonce-${n}`);
    const client = makeClient(broker.port, 5, { auth });
    await connected(client);
    await firstValueFrom(client.reconnect().pipe(timeout(5000)));
    await firstValueFrom(client.reconnect().pipe(timeout(5000)));
    expect(log.data).toBe(3);
    expect(log.respond.map((c) => c.reauthentication)).toEqual([false, false, false]);
    expect(log.verified).toEqual([true, true, true]);
  });

  it('the auto-reconnect after a broker-side drop authenticates again', async () => {
    const { auth, log } = testMethod((n) => `nonce-${n}`);
    const clientId = `auth-reconnect-${process.pid}`;
    const client = makeClient(broker.port, 5, { auth, clientId, reconnect: { minDelay: 50, maxDelay: 100 } });
    await connected(client);
    // A second client with the same id takes the session over: mosquitto drops the first.
    const thief = makeClient(broker.port, 5, { auth: testMethod((n) => `thief-${n}`).auth, clientId });
    await connected(thief);
    await firstValueFrom(client.connectionState$.pipe(filter((s) => s.type === 'reconnecting'), timeout(5000)));
    await lastValueFrom(thief.disconnect(), { defaultValue: undefined });
    await firstValueFrom(client.connectionState$.pipe(filter((s) => s.type === 'connected'), timeout(8000)));
    expect(log.data).toBeGreaterThanOrEqual(2);
    expect(log.verified.every((v) => v)).toBe(true);
  });
});
