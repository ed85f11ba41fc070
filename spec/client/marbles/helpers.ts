/**
 * Shared pieces of the client marble specs: a TestScheduler whose assertions are Jest's,
 * a client wired to a `TestBroker` on that scheduler, and small projections that turn
 * packets, states and errors into strings a marble diagram can show.
 *
 * Every spec runs inside `TestScheduler.run`, so all time is virtual: frames are
 * milliseconds of the client's scheduler.
 */

import { catchError, filter, map, Observable, throwError, type OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { MqttClient, MqttError, type ConnectionState, type MqttClientOptions, type Packet, type PacketType } from '../../../src';
import type { MqttMessage } from '../../../src/client';
import { TestBroker, type TestBrokerOptions } from '../../../src/testing';

export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

export interface Rig {
  broker: TestBroker;
  client: MqttClient;
}

/**
 * A client on `scheduler` talking to a fresh TestBroker. Keepalive is off unless asked
 * for: an armed keepalive re-arms forever, and `run` flushes until nothing is scheduled.
 */
export function rig(scheduler: TestScheduler, client: MqttClientOptions = {}, broker: TestBrokerOptions = {}): Rig {
  const testBroker = new TestBroker({ scheduler, ...broker });
  const mqtt = new MqttClient({
    clientId: 'marble',
    keepalive: 0,
    ...client,
    scheduler,
    transport: client.transport ?? testBroker.transport,
  });
  return { broker: testBroker, client: mqtt };
}

/**
 * The client's transport, with each socket's lifetime mirrored on `probe` (a `cold('-')`
 * that never emits): `expectSubscriptions(probe.subscriptions)` then shows
 * when the client dialled and when its socket ended, whichever side ended it.
 */
export function probedTransport(broker: TestBroker, probe: Observable<unknown>): MqttClientOptions['transport'] {
  return () =>
    new Observable((subscriber) => {
      const watch = probe.subscribe();
      const socket = broker.transport().subscribe(subscriber);
      return () => {
        socket.unsubscribe();
        watch.unsubscribe();
      };
    });
}

/** Runs `work` at virtual time `ms`. */
export function at(scheduler: TestScheduler, ms: number, work: () => void): void {
  scheduler.schedule(work, ms);
}

/** An MqttError as a marble error value: its code, and its reason code when it has one. */
export function describeError(err: unknown): unknown {
  if (!(err instanceof MqttError)) return err;
  return err.reasonCode === undefined ? err.code : `${err.code} 0x${err.reasonCode.toString(16)}`;
}

/** Errors become `describeError(err)`, so `#` in a marble compares codes, not messages. */
export function codes<T>(): OperatorFunction<T, T> {
  return catchError((err: unknown) => throwError(() => describeError(err)));
}

/** The packets the broker receives, as their types (optionally only some types). */
export function packetTypes(broker: TestBroker, ...only: PacketType[]): Observable<PacketType> {
  return broker.received$.pipe(
    filter((p) => only.length === 0 || only.includes(p.type)),
    map((p) => p.type),
  );
}

/** The packets of one type the broker receives, shown as `type:packetId`. */
export function packetIds(broker: TestBroker, type: PacketType): Observable<string> {
  return broker.received$.pipe(
    filter((p: Packet) => p.type === type),
    map((p) => `${p.type}:${'packetId' in p ? p.packetId : '-'}`),
  );
}

type HotFactory = Parameters<Parameters<TestScheduler['run']>[0]>[0]['hot'];

/**
 * A hot marble of `topic=payload` strings drives the broker: each value is delivered
 * (QoS 0) at its frame. The same strings are what `text` makes of the messages.
 */
export function deliveries(hot: HotFactory, broker: TestBroker, marbles: string, values: Record<string, string>): void {
  hot(marbles, values).subscribe((value) => {
    const [topic, payload] = value.split('=');
    broker.deliver(topic, payload ?? '');
  });
}

/** A message as `topic=payload`. */
export function text(message: MqttMessage): string {
  return `${message.topic}=${message.text()}`;
}

/** A state as a short string: `connected (session present)`, `reconnecting #2 in 200 after …`. */
export function describeState(s: ConnectionState): string {
  switch (s.type) {
    case 'connected':
      return `connected${s.connack.sessionPresent ? ' (session present)' : ''}`;
    case 'reconnecting':
      return `reconnecting #${s.attempt} in ${s.delay} after ${String(describeError(s.error))}`;
    case 'disconnected':
      return `disconnected ${String(describeError(s.error))}`;
    default:
      return s.type;
  }
}

/** `time: state` for every state the client enters. */
export function timeline(ts: TestScheduler, client: MqttClient): string[] {
  const seen: string[] = [];
  client.connectionState$.subscribe((s) => seen.push(`${ts.now()}: ${describeState(s)}`));
  return seen;
}

export interface Dialled {
  broker: TestBroker;
  client: MqttClient;
  /** The virtual time of each dial. */
  dials: number[];
}

/** A client whose every dial is recorded, on a TestBroker. */
export function dialled(ts: TestScheduler, client: MqttClientOptions, broker: TestBrokerOptions = {}): Dialled {
  const testBroker = new TestBroker({ scheduler: ts, ...broker });
  const dials: number[] = [];
  const transport: MqttClientOptions['transport'] = () => {
    dials.push(ts.now());
    return testBroker.transport();
  };
  return { broker: testBroker, dials, client: rig(ts, { ...client, transport }).client };
}
