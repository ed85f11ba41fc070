/**
 * The `auth` option (MQTT 5 enhanced authentication, §4.12) on the client's side: the
 * app's functions, called when the session asks (`authStep` commands), their answers fed
 * back as session events. The session (session/auth.ts) keeps every protocol rule; this
 * file only runs the app's code — which may answer at once, with a Promise, or with an
 * Observable — and never lets it block the reducer: an answer arrives as an event, later
 * or in the same run.
 */

import { from, isObservable, Observable, take, type Subscription } from 'rxjs';
import type { Properties } from '../codec';
import { MqttError } from '../errors';
import type { AuthStep } from '../session';
import type { EventBody } from './engine-types';
import { invalid } from './resolve-options';

/** A challenge from the broker (AUTH 0x18 Continue authentication) for `respond` to answer. */
export interface AuthChallenge {
  /** 0x18 (Continue authentication). */
  reasonCode: number;
  /** The broker's Authentication Data (e.g. SCRAM's server-first-message), if any. */
  data?: Uint8Array;
  /** All of the AUTH's properties (`authenticationMethod`, `reasonString`, `userProperties`…). */
  properties: Properties;
  /** False during CONNECT, true during a `reauthenticate()`. */
  reauthentication: boolean;
}

/**
 * The broker's word that authentication succeeded — a CONNACK 0x00 during CONNECT, an
 * AUTH 0x00 after `reauthenticate()` — for `verify` to check.
 */
export interface AuthVerification {
  reasonCode: number;
  /** The broker's Authentication Data (e.g. SCRAM's server-final-message with its signature), if any. */
  data?: Uint8Array;
  properties: Properties;
  reauthentication: boolean;
}

/** What `respond` returns: the data of our AUTH 0x18, now or later. `undefined`: an AUTH without data. */
export type AuthResponse = Uint8Array | undefined | PromiseLike<Uint8Array | undefined> | Observable<Uint8Array | undefined>;

/** What `verify` returns: `false` (or a throw, a rejection, an error) refuses; `true` or nothing accepts. */
export type AuthVerdict = boolean | void | PromiseLike<boolean | void> | Observable<boolean | void>;

/**
 * The `auth` option: MQTT 5 enhanced authentication (§4.12). Every CONNECT names `method`
 * and carries `data`; each AUTH 0x18 (Continue authentication) the broker sends is handed
 * to `respond`, whose answer goes back as our AUTH 0x18, until the broker accepts (CONNACK
 * 0x00) or refuses (CONNACK 0x87 Not authorized, 0x8C Bad authentication method…:
 * `connection-refused`). Each new connection (a reconnect too) runs the exchange again,
 * from `data`. `MqttClient.reauthenticate()` runs it on the live connection.
 *
 * Exchanges never overlap, and each one calls `data`, then `respond` once per challenge,
 * then `verify`, in that order, so the state of a multi-step method (a SCRAM nonce, say)
 * can live in a closure between them.
 *
 * ## Example
 * ```ts
 * new MqttClient({
 *   url: 'mqtt://broker', protocolVersion: 5,
 *   auth: {
 *     method: 'SCRAM-SHA-256',
 *     data: () => scram.clientFirst(),                                 // a fresh nonce per exchange
 *     respond: ({ data }) => scram.clientFinal(data!),                 // may return a Promise or an Observable
 *     verify: ({ data }) => data !== undefined && scram.checkServer(data), // false fails the connection
 *   },
 * });
 * ```
 */
export interface EnhancedAuthOptions {
  /** The Authentication Method (e.g. `'SCRAM-SHA-256'`), the same on every CONNECT and AUTH [MQTT-4.12.0-5]. */
  method: string;
  /**
   * The Authentication Data of each CONNECT (and of `reauthenticate()`'s AUTH 0x19 when it
   * is given none): a value, or a function called once at the start of each exchange.
   * A throw fails that connection attempt with `auth-failed`.
   */
  data?: Uint8Array | ((context: { reauthentication: boolean }) => Uint8Array | undefined);
  /**
   * Answers the broker's challenge (AUTH 0x18) with the data of our AUTH 0x18: a value, a
   * Promise, or an Observable (its first value; completing empty answers with no data).
   * It may take its time (the connect timeout still runs during CONNECT). A throw, a
   * rejection or an error ends the connection: DISCONNECT 0x83 (Implementation specific
   * error) and `auth-failed`. Without `respond`, a challenge fails the same way.
   */
  respond?: (challenge: AuthChallenge) => AuthResponse;
  /**
   * Checks the broker's success data (a SCRAM server signature, say) before the connection
   * counts: `connect()` emits, and packets after the CONNACK are delivered, only once it
   * accepts; `reauthenticate()` completes only then. Returning `false`, throwing, rejecting
   * or erroring ends the connection: DISCONNECT 0x80 (Unspecified error) and `auth-failed`.
   * Without `verify`, success data is still visible in `ConnAck.properties.authenticationData`
   * and in what `reauthenticate()` emits.
   */
  verify?: (success: AuthVerification) => AuthVerdict;
}

/** Checks the option at the constructor: `invalid-argument` for anything malformed. */
export function checkAuthOption(auth: EnhancedAuthOptions | undefined, version: number): void {
  if (auth === undefined) return;
  if (version !== 5) throw invalid('The auth option (enhanced authentication) needs protocolVersion 5', 'MQTT-4.12');
  if (typeof auth !== 'object' || auth === null) throw invalid('auth must be { method, data?, respond?, verify? }');
  if (typeof auth.method !== 'string' || auth.method === '') throw invalid('auth.method must be a non-empty string', 'MQTT-3.1.2.11.9');
  if (auth.data !== undefined && typeof auth.data !== 'function' && !(auth.data instanceof Uint8Array)) {
    throw invalid('auth.data must be a Uint8Array or a function returning one');
  }
  for (const key of ['respond', 'verify'] as const) {
    if (auth[key] !== undefined && typeof auth[key] !== 'function') throw invalid(`auth.${key} must be a function`);
  }
}

/** Runs the app's side of each exchange; one step at a time, the older one cancelled by a newer one or a closed socket. */
export class AuthDriver {
  private pending: Subscription | undefined;

  constructor(
    private readonly auth: EnhancedAuthOptions,
    private readonly dispatch: (event: EventBody) => void,
  ) {}

  /** The data for a CONNECT or an AUTH 0x19; throws `auth-failed` when `data()` throws. */
  initialData(reauthentication: boolean): Uint8Array | undefined {
    const { data } = this.auth;
    if (typeof data !== 'function') return data;
    try {
      return data({ reauthentication });
    } catch (err) {
      throw failure('auth.data threw', err);
    }
  }

  /** The session's `authStep`: call `respond` or `verify`, and report the answer as an event. */
  step(stepId: number, step: AuthStep): void {
    this.cancel();
    const refuse = (message: string, cause?: unknown): void => this.dispatch({ type: 'authRefused', stepId, error: failure(message, cause) });
    const { kind, reasonCode, data, properties, reauthentication } = step;
    const info = { reasonCode, properties, reauthentication, ...(data === undefined ? {} : { data }) };
    let answer: unknown;
    const fn = kind === 'challenge' ? this.auth.respond : this.auth.verify;
    if (fn === undefined) {
      if (kind === 'success') return this.dispatch({ type: 'authAnswered', stepId });
      return refuse(`The broker sent an authentication challenge and auth.respond is not set`);
    }
    try {
      answer = fn(info);
    } catch (err) {
      return refuse(`auth.${kind === 'challenge' ? 'respond' : 'verify'} threw: ${messageOf(err)}`, err);
    }
    const settle = (value: unknown): void => {
      if (kind === 'challenge') {
        if (value !== undefined && !(value instanceof Uint8Array)) return refuse('auth.respond answered with something other than a Uint8Array');
        return this.dispatch(value === undefined ? { type: 'authAnswered', stepId } : { type: 'authAnswered', stepId, data: value });
      }
      if (value === false) return refuse("auth.verify refused the broker's authentication data");
      this.dispatch({ type: 'authAnswered', stepId });
    };
    if (!isObservable(answer) && !isPromiseLike(answer)) return settle(answer);
    let done = false;
    const subscription = from(answer as Observable<unknown>).pipe(take(1)).subscribe({
      next: (value) => {
        done = true;
        this.pending = undefined;
        settle(value);
      },
      error: (err: unknown) => {
        done = true;
        this.pending = undefined;
        refuse(`auth.${kind === 'challenge' ? 'respond' : 'verify'} failed: ${messageOf(err)}`, err);
      },
      complete: () => {
        if (done) return;
        this.pending = undefined;
        settle(undefined); // completed empty: no data (respond) / no objection (verify)
      },
    });
    if (!done) this.pending = subscription;
  }

  /** Stop waiting for the app (the connection ended): a late answer would be stale anyway. */
  cancel(): void {
    this.pending?.unsubscribe();
    this.pending = undefined;
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function failure(message: string, cause?: unknown): MqttError {
  return new MqttError('auth-failed', message, cause === undefined ? {} : { cause });
}
