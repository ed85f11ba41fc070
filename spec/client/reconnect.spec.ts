/**
 * After a dropped connection, `connect()` again: the session resumes where the broker kept
 * it (queued messages arrive, publishes made while offline go out), and `messages$`
 * subscriptions are restored where the broker lost them.
 */

import { firstValueFrom, Observable } from 'rxjs';
import type { ProtocolVersion } from '../../src';
import { nodeTransport, type SocketEvent, type Transport } from '../../src/transport';
import type { NodeTransportOptions } from '../../src/transport';
import { closeClients, connected, delay, makeClient, nextValues, startBroker, stateOf, type Broker } from './helpers';

/** A real TCP transport with a switch that cuts the current socket, as a network failure would. */
function cuttable(): { transport: (o: NodeTransportOptions) => Transport; cut(): void } {
  let cutCurrent = (): void => undefined;
  return {
    transport: (options) =>
      new Observable<SocketEvent>((subscriber) => {
        // An observer object, not `subscriber` itself: RxJS would chain their teardowns.
        const inner = nodeTransport(options).subscribe({
          next: (event) => subscriber.next(event),
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        });
        cutCurrent = () => {
          inner.unsubscribe();
          subscriber.error(new Error('cable cut'));
        };
        return inner;
      }),
    cut: () => cutCurrent(),
  };
}

describe.each([4, 5] as ProtocolVersion[])('reconnecting to mosquitto at level %i', (version) => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker('mosquitto');
  });
  afterAll(() => broker?.close());
  afterEach(() => closeClients());

  it('resumes a persistent session: queued messages arrive, offline publishes complete', async () => {
    const link = cuttable();
    const persistent = { clientId: `resume-${version}-${process.pid}`, clean: false, ...(version === 5 ? { properties: { sessionExpiryInterval: 60 } } : {}) };
    const client = makeClient(broker.port, version, { ...persistent, transport: link.transport });
    const received = nextValues(client.messages$('resume/in', { qos: 1 }), 2, 'messages across the drop', 8000);
    await connected(client);
    const other = makeClient(broker.port, version);
    await connected(other);
    await delay(100);
    await firstValueFrom(other.publish('resume/in', 'before', { qos: 1 }));

    link.cut();
    const dropped = await stateOf(client, 'disconnected');
    expect(dropped).toMatchObject({ type: 'disconnected', serverDisconnect: false });
    await firstValueFrom(other.publish('resume/in', 'while away', { qos: 1 }));
    const echo = nextValues(other.messages$('resume/out', { qos: 1 }), 1, 'the offline publish');
    await delay(100);
    const offlinePublish = firstValueFrom(client.publish('resume/out', 'sent after reconnecting', { qos: 1 }));

    const connack = await connected(client);
    expect(connack.sessionPresent).toBe(true);
    expect((await received).map((m) => m.text())).toEqual(['before', 'while away']);
    expect((await offlinePublish).reasonCode).toBe(0);
    expect((await echo)[0].text()).toBe('sent after reconnecting');
  });

  it('restores messages$ subscriptions when the broker lost the session (clean start)', async () => {
    const link = cuttable();
    const client = makeClient(broker.port, version, { transport: link.transport });
    const received = nextValues(client.messages$('restore/t', { qos: 1 }), 1, 'a message after reconnecting', 8000);
    await connected(client);
    link.cut();
    await stateOf(client, 'disconnected');
    const connack = await connected(client);
    expect(connack.sessionPresent).toBe(false);
    await delay(150); // the restored SUBSCRIBE reaches the broker
    const other = makeClient(broker.port, version);
    await connected(other);
    await firstValueFrom(other.publish('restore/t', 'after', { qos: 1 }));
    expect((await received)[0].text()).toBe('after');
  });
});
