/**
 * `TestBroker` options: how the fake broker answers. Every answer is data or a small
 * function of the packet it answers, so a spec states the broker's behaviour up front
 * and the client under test meets it in virtual time.
 */

import type { SchedulerLike } from 'rxjs';
import type { ConnectPacket, Properties, PublishPacket, QoS, Subscription } from '../codec';

/** What the broker answers a CONNECT with. */
export interface ConnAckReply {
  /** Default false. Must be false when the CONNECT asked for a clean start (the client checks it). */
  sessionPresent?: boolean;
  /**
   * MQTT 5 reason code; default 0 (accepted). For 3.1/3.1.1 clients the codec maps it to
   * the CONNACK return code (0x84→1, 0x85→2, 0x88→3, 0x86→4, 0x87→5). A code ≥ 0x80
   * refuses the connection: the broker closes the socket after sending it.
   */
  reasonCode?: number;
  /** MQTT 5 CONNACK properties (serverKeepAlive, receiveMaximum, maximumQoS, …). */
  properties?: Properties;
}

/** Which packets the broker answers by itself. Each defaults to true. */
export interface AutoAckOptions {
  /** PUBACK (QoS 1) / PUBREC (QoS 2) for the client's PUBLISH, PUBCOMP for its PUBREL, PUBREL for its PUBREC. */
  publish?: boolean;
  /** SUBACK, with the codes of `subackCodes`. */
  subscribe?: boolean;
  /** UNSUBACK (MQTT 5: success for every filter). */
  unsubscribe?: boolean;
  /** PINGRESP. */
  ping?: boolean;
}

export interface TestBrokerOptions {
  /**
   * Where answers are scheduled. Default `asyncScheduler`, which `TestScheduler.run`
   * virtualises; pass the `TestScheduler` itself to be explicit.
   */
  scheduler?: SchedulerLike;
  /**
   * The answer to each CONNECT: a reply (default `{}`: accepted, no session), `false` for
   * no answer at all (the client's connect timeout runs out), or a function of the CONNECT
   * and the connection's number (1 for the first dial, 2 for the next, …).
   */
  connack?: ConnAckReply | false | ((connect: ConnectPacket, connection: number) => ConnAckReply | false);
  /** `false` turns every automatic answer but CONNACK off; an object turns them off one by one. Default true. */
  autoAck?: boolean | AutoAckOptions;
  /**
   * SUBACK code per subscription: a table by topic filter (filters not in it get their
   * requested QoS) or a function. Default: the requested QoS is granted.
   */
  subackCodes?: Readonly<Record<string, number>> | ((subscription: Subscription) => number);
  /** Reason code of the PUBACK/PUBREC answering the client's PUBLISH. Default 0 (success). */
  publishAckCode?: (publish: PublishPacket) => number;
  /** Virtual milliseconds between a packet from the client and the automatic answer. Default 0. */
  replyDelay?: number;
}

/** Options of `TestBroker.deliver`. */
export interface DeliverOptions {
  /** Default 0. */
  qos?: QoS;
  /** Default false. */
  retain?: boolean;
  /** Default false. */
  dup?: boolean;
  /** For QoS 1/2; default: the broker's next packet id (1, 2, …). */
  packetId?: number;
  /** MQTT 5 PUBLISH properties (subscriptionIdentifiers, topicAlias, userProperties, …). */
  properties?: Properties;
}

export interface ResolvedAutoAck {
  publish: boolean;
  subscribe: boolean;
  unsubscribe: boolean;
  ping: boolean;
}

export function resolveAutoAck(autoAck: TestBrokerOptions['autoAck']): ResolvedAutoAck {
  if (autoAck === undefined || typeof autoAck === 'boolean') {
    const on = autoAck ?? true;
    return { publish: on, subscribe: on, unsubscribe: on, ping: on };
  }
  return {
    publish: autoAck.publish ?? true,
    subscribe: autoAck.subscribe ?? true,
    unsubscribe: autoAck.unsubscribe ?? true,
    ping: autoAck.ping ?? true,
  };
}

export function subackCodeOf(codes: TestBrokerOptions['subackCodes'], subscription: Subscription): number {
  if (codes === undefined) return subscription.qos;
  if (typeof codes === 'function') return codes(subscription);
  return codes[subscription.topicFilter] ?? subscription.qos;
}
