/** A request as an Observable, and turning its settled result into what that Observable emits: one value and completion, or an error. */

import { Observable, type Subscriber } from 'rxjs';
import { MqttError } from '../errors';
import type { SettleResult, SubAck } from '../session';
import type { RequestEvent } from './engine-types';

/** What `ask` needs of the engine. */
export interface Requester {
  request(body: (requestId: number) => RequestEvent, onResult: (result: SettleResult) => void): number;
  forget(requestId: number, withdrawPublish: boolean): void;
}

/**
 * One request as a cold Observable: `prepare` validates (a throw errors the subscriber
 * before anything is sent) and returns the session event; the settled result, through
 * `check`, becomes one value and completion, or an error. Unsubscribing before it
 * settles forgets it — and withdraws a publish not yet sent.
 */
export function ask<T>(
  engine: Requester,
  prepare: () => (requestId: number) => RequestEvent,
  check: (result: SettleResult) => SettleResult,
  withdraw: boolean,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    let event;
    try {
      event = prepare();
    } catch (err) {
      subscriber.error(err);
      return;
    }
    let settled = false;
    const id = engine.request(event, (result) => {
      settled = true;
      settleInto(subscriber, check(result));
    });
    return () => {
      if (!settled) engine.forget(id, withdraw);
    };
  });
}

export function settleInto<T>(subscriber: Subscriber<T>, result: SettleResult): void {
  if (result.ok) {
    subscriber.next(result.value as T);
    subscriber.complete();
  } else {
    subscriber.error(result.error);
  }
}

/** SUBACK/UNSUBACK carry one code per filter: any failure fails the request, with all codes reported. */
export function checkCodes(result: SettleResult, code: 'subscribe-failed' | 'unsubscribe-failed', what: string): SettleResult {
  if (!result.ok) return result;
  const { reasonCodes, packetId } = result.value as SubAck;
  const failed = reasonCodes.find((c) => c >= 0x80);
  if (failed === undefined) return result;
  return {
    ok: false,
    error: new MqttError(code, `The broker refused the ${what} (reason codes ${reasonCodes.map((c) => '0x' + c.toString(16)).join(', ')})`, {
      reasonCode: failed,
      packetId,
    }),
  };
}

