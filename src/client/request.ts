/**
 * MQTT 5 request/response on top of `messages$` and `publish()`: nothing here speaks
 * the protocol, it only composes the two.
 */

import { defer, filter, ignoreElements, merge, take, throwError, timeout, type Observable, type SchedulerLike } from 'rxjs';
import type { Properties, ProtocolVersion, QoS } from '../codec';
import { MqttError } from '../errors';
import type { PublishOptions, SubscribeOptions } from './args';
import type { MqttMessage } from './message';
import type { Payload } from './payload';

export interface RequestOptions {
  /** QoS of the request and of the response subscription; default 1. */
  qos?: QoS;
  /** Where the responder should answer; default `rxmqtt/responses/<clientId>`. */
  responseTopic?: string;
  /** Milliseconds to wait for the response; default 30,000. */
  timeout?: number;
  /** More PUBLISH properties (user properties, content type…). */
  properties?: Properties;
}

interface Streams {
  messages$(filter: string, options: SubscribeOptions): Observable<MqttMessage>;
  publish(topic: string, payload: Payload, options: PublishOptions): Observable<unknown>;
}

/**
 * Subscribes to the response topic, publishes with a Response Topic and fresh
 * Correlation Data, and emits the first reply carrying the same Correlation Data. The
 * SUBSCRIBE goes out before the PUBLISH on the same connection, so no reply can outrun it.
 */
export function request(
  client: Streams,
  topic: string,
  payload: Payload,
  options: RequestOptions,
  context: { protocolVersion: ProtocolVersion; clientId: string; scheduler: SchedulerLike },
): Observable<MqttMessage> {
  return defer(() => {
    if (context.protocolVersion !== 5) {
      return throwError(() => new MqttError('invalid-argument', 'request() needs protocolVersion 5 (Response Topic and Correlation Data)'));
    }
    const qos = options.qos ?? 1;
    const responseTopic = options.responseTopic ?? `rxmqtt/responses/${context.clientId}`;
    const correlationData = new Uint8Array(16);
    globalThis.crypto.getRandomValues(correlationData);
    const ms = options.timeout ?? 30_000;
    const reply = client.messages$(responseTopic, { qos }).pipe(filter((m) => sameBytes(m.properties?.correlationData, correlationData)));
    const send = client.publish(topic, payload, { qos, properties: { ...options.properties, responseTopic, correlationData } }).pipe(ignoreElements());
    return merge(reply, send).pipe(
      take(1),
      timeout({
        first: ms,
        scheduler: context.scheduler,
        with: () => throwError(() => new MqttError('timeout', `No response on '${responseTopic}' within ${ms} ms`)),
      }),
    );
  });
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
