/**
 * Enhanced authentication (MQTT 5 §4.12) in virtual time: the app's responder and
 * verifier answer asynchronously (Observables on the TestScheduler) and the reducer never
 * waits on them; the connect timeout covers the app's turn; a failing responder ends the
 * connection; reauthenticate() runs beside ordinary traffic. The TestBroker is scripted
 * here: no automatic CONNACK, and AUTH answers sent from a `received$` subscription.
 */

import { delay, filter, of, throwError, timer, map, mergeMap } from 'rxjs';
import type { AuthPacket, Packet } from '../../../src';
import type { EnhancedAuthOptions } from '../../../src/client';
import type { TestBroker } from '../../../src/testing';
import { at, codes, packetTypes, rig, testScheduler } from './helpers';

const METHOD = 'toy';
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? '' : new TextDecoder().decode(b));
const authPacket = (reasonCode: number, data: string): AuthPacket => ({ type: 'auth', reasonCode, properties: { authenticationMethod: METHOD, authenticationData: bytes(data) } });
const connack: Packet = { type: 'connack', sessionPresent: false, reasonCode: 0, properties: { authenticationMethod: METHOD, authenticationData: bytes('proof') } };

/** Challenges every CONNECT and AUTH 0x19 with `challenge`, accepts each AUTH 0x18 (CONNACK or AUTH 0x00), after `ms`. */
function scriptBroker(broker: TestBroker, ms = 0): void {
  broker.received$.pipe(delay(ms)).subscribe((p) => {
    if (p.type === 'connect' || (p.type === 'auth' && p.reasonCode === 0x19)) broker.send(authPacket(0x18, 'challenge'));
    else if (p.type === 'auth' && p.reasonCode === 0x18) broker.send(p.properties?.authenticationData && text(p.properties.authenticationData) === 'reauth-answer' ? authPacket(0x00, 'reproof') : connack);
  });
}

describe('enhanced authentication (marbles)', () => {
  it('an asynchronous responder: AUTH goes out when it answers (20 ms later), connect() emits at the CONNACK', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const challenges: string[] = [];
      const auth: EnhancedAuthOptions = {
        method: METHOD,
        respond: ({ data }) => {
          challenges.push(`${ts.now()}: ${text(data)}`);
          return of(bytes('answer')).pipe(delay(20));
        },
      };
      const { broker, client } = rig(ts, { protocolVersion: 5, auth }, { connack: false });
      scriptBroker(broker, 5);
      expectObservable(packetTypes(broker)).toBe('c 24ms a', { c: 'connect', a: 'auth' });
      expectObservable(client.connect().pipe(map((c) => text(c.properties?.authenticationData)))).toBe('30ms (p|)', { p: 'proof' });
      at(ts, 100, () => expect(challenges).toEqual(['5: challenge']));
    });
  });

  it('the connect timeout covers the app’s turn: a responder slower than it fails connect() and its late answer is never sent', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const auth: EnhancedAuthOptions = { method: METHOD, respond: () => timer(500).pipe(map(() => bytes('late'))) };
      const { broker, client } = rig(ts, { protocolVersion: 5, auth, connectTimeout: 100 }, { connack: false });
      scriptBroker(broker);
      expectObservable(client.connect().pipe(codes())).toBe('100ms #', undefined, 'connect-timeout');
      expectObservable(packetTypes(broker)).toBe('c', { c: 'connect' });
    });
  });

  it('a responder that errors after 10 ms: DISCONNECT 0x83, connect() errors with auth-failed 0x83', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const auth: EnhancedAuthOptions = { method: METHOD, respond: () => timer(10).pipe(mergeMap(() => throwError(() => new Error('no key')))) };
      const { broker, client } = rig(ts, { protocolVersion: 5, auth }, { connack: false });
      scriptBroker(broker);
      expectObservable(client.connect().pipe(codes())).toBe('10ms #', undefined, 'auth-failed 0x83');
      expectObservable(packetTypes(broker)).toBe('c 9ms d', { c: 'connect', d: 'disconnect' });
    });
  });

  it('verify answering 30 ms later: connect() emits only then; a refusal fails it with auth-failed 0x80', () => {
    for (const verdict of [true, false]) {
      const ts = testScheduler();
      ts.run(({ expectObservable }) => {
        const auth: EnhancedAuthOptions = {
          method: METHOD,
          respond: () => bytes('answer'),
          verify: ({ data }) => timer(30).pipe(map(() => verdict && text(data) === 'proof')),
        };
        const { broker, client } = rig(ts, { protocolVersion: 5, auth }, { connack: false });
        scriptBroker(broker);
        if (verdict) expectObservable(client.connect().pipe(map((c) => c.reasonCode))).toBe('30ms (0|)', { 0: 0 });
        else expectObservable(client.connect().pipe(codes())).toBe('30ms #', undefined, 'auth-failed 0x80');
      });
    }
  });

  it('reauthenticate(): AUTH 0x19, the challenge answered, AUTH 0x00 — while a QoS 1 publish completes in between', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      let reauth = false;
      const auth: EnhancedAuthOptions = {
        method: METHOD,
        data: ({ reauthentication }) => bytes(reauthentication ? 'again' : 'first'),
        respond: ({ reauthentication }) => {
          reauth = reauthentication;
          return of(bytes(reauthentication ? 'reauth-answer' : 'answer')).pipe(delay(10));
        },
      };
      const { broker, client } = rig(ts, { protocolVersion: 5, auth }, { connack: false });
      scriptBroker(broker, 2);
      client.connect().subscribe();
      // connect at 0, challenge at 2, answer at 12, CONNACK at 14.
      expectObservable(client.reauthenticate().pipe(map((s) => text(s.data))), '50ms ^').toBe('64ms (r|)', { r: 'reproof' });
      expectObservable(client.publish('t', 'x', { qos: 1 }).pipe(map((a) => a.reasonCode)), '55ms ^').toBe('55ms (0|)', { 0: 0 });
      expectObservable(broker.received$.pipe(filter((p) => p.type === 'auth'), map((p) => `${(p as AuthPacket).reasonCode.toString(16)}:${text((p as AuthPacket).properties?.authenticationData)}`))).toBe(
        '12ms a 37ms b 11ms c',
        { a: '18:answer', b: '19:again', c: '18:reauth-answer' },
      );
      at(ts, 100, () => {
        expect(reauth).toBe(true);
        client.disconnect().subscribe();
      });
    });
  });

  it('a data() that throws fails that connection attempt with auth-failed before CONNECT is sent', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const auth: EnhancedAuthOptions = { method: METHOD, data: () => { throw new Error('no nonce source'); }, respond: () => bytes('a') };
      const { broker, client } = rig(ts, { protocolVersion: 5, auth }, { connack: false });
      expectObservable(client.connect().pipe(codes())).toBe('#', undefined, 'auth-failed');
      expectObservable(packetTypes(broker)).toBe('');
    });
  });

  it('reauthenticate() before CONNACK errors with connection-closed and sends no AUTH 0x19', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const { broker, client } = rig(ts, { protocolVersion: 5, auth: { method: METHOD, respond: () => of(bytes('a')).pipe(delay(50)) } }, { connack: false });
      scriptBroker(broker);
      client.connect().subscribe();
      expectObservable(client.reauthenticate().pipe(codes()), '10ms ^').toBe('10ms #', undefined, 'connection-closed');
      expectObservable(broker.received$.pipe(filter((p) => p.type === 'auth' && p.reasonCode === 0x19))).toBe('');
      at(ts, 200, () => client.disconnect().subscribe());
    });
  });
});
