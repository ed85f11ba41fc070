/** Turning a settled request into what its Observable emits: one value and completion, or an error. */

import type { Subscriber } from 'rxjs';
import { MqttError } from '../errors';
import type { SettleResult, SubAck } from '../session';

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

