/**
 * Features on top of publish and receive, against mosquitto: MQTT 5 request/response and
 * properties, manual acknowledgement, and what events$ shows (never a password).
 */

import { firstValueFrom, mergeMap } from 'rxjs';
import type { MqttMessage } from '../../src';
import { closeClients, connected, delay, makeClient, nextValues, startBroker, type Broker } from './helpers';

describe('client features against mosquitto', () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker('mosquitto');
  });
  afterAll(() => broker?.close());
  afterEach(() => closeClients());

  it('request() gets the reply that carries its correlation data (MQTT 5)', async () => {
    const responder = makeClient(broker.port, 5);
    const requester = makeClient(broker.port, 5);
    await Promise.all([connected(responder), connected(requester)]);
    responder
      .messages$('svc/double', { qos: 1 })
      .pipe(
        mergeMap((m) =>
          responder.publish(m.properties!.responseTopic!, String(Number(m.text()) * 2), {
            qos: 1,
            properties: { correlationData: m.properties!.correlationData! },
          }),
        ),
      )
      // The last reply's PUBACK may still be in flight when afterEach disconnects.
      .subscribe({ error: () => undefined });
    await delay(100);
    const replies = await Promise.all([21, 50].map((n) => firstValueFrom(requester.request('svc/double', String(n), { timeout: 5000 }))));
    expect(replies.map((r) => r.text())).toEqual(['42', '100']);
  });

  it('request() errors with timeout when nobody answers, and is refused before MQTT 5', async () => {
    const v5 = makeClient(broker.port, 5);
    await connected(v5);
    await expect(firstValueFrom(v5.request('svc/nobody', 'x', { timeout: 300 }))).rejects.toMatchObject({ code: 'timeout' });
    const v4 = makeClient(broker.port, 4);
    await expect(firstValueFrom(v4.request('svc/nobody', 'x'))).rejects.toMatchObject({ code: 'invalid-argument' });
  });

  it('carries MQTT 5 publish properties end to end, user properties in order', async () => {
    const sub = makeClient(broker.port, 5);
    const pub = makeClient(broker.port, 5);
    await Promise.all([connected(sub), connected(pub)]);
    const received = nextValues(sub.messages$('props/t', { qos: 1 }), 1, 'message with properties');
    await delay(100);
    await firstValueFrom(
      pub.publish('props/t', '{"a":1}', {
        qos: 1,
        properties: { contentType: 'application/json', payloadFormatIndicator: 1, userProperties: [['b', '2'], ['a', '1'], ['b', '3']] },
      }),
    );
    const [message] = await received;
    expect(message.json()).toEqual({ a: 1 });
    expect(message.properties).toMatchObject({
      contentType: 'application/json',
      payloadFormatIndicator: 1,
      userProperties: [['b', '2'], ['a', '1'], ['b', '3']],
    });
  });

  it.each([4, 5] as const)('manualAck: the broker redelivers what was not acked, not what was (level %i)', async (version) => {
    const clientId = `manual-${version}-${process.pid}`;
    const options = { clientId, clean: false, manualAck: true, ...(version === 5 ? { properties: { sessionExpiryInterval: 60 } } : {}) };
    const first = makeClient(broker.port, version, options);
    const got = nextValues(first.messages$('manual/t', { qos: 1 }), 2, 'two messages');
    await connected(first);
    const pub = makeClient(broker.port, version);
    await connected(pub);
    await delay(100);
    await firstValueFrom(pub.publish('manual/t', 'acked', { qos: 1 }));
    await firstValueFrom(pub.publish('manual/t', 'not acked', { qos: 1 }));
    const [a] = (await got) as MqttMessage[];
    const sent: string[] = [];
    first.events$.subscribe((e) => e.type === 'packetSent' && sent.push(e.packetType));
    a.ack();
    expect(sent).toEqual(['puback']);
    await delay(100);
    await firstValueFrom(first.disconnect(), { defaultValue: undefined });

    const again = makeClient(broker.port, version, options);
    const redelivered = nextValues(again.messages$('manual/t', { qos: 1 }), 1, 'the redelivered message');
    await connected(again);
    const [r] = await redelivered;
    expect(r.text()).toBe('not acked');
    r.ack();
  });

  it('bridgeMode sets the bridge bit on the protocol level: mosquitto logs a bridge, not a client', async () => {
    const plain = makeClient(broker.port, 4, { clientId: `plain-${process.pid}` });
    const bridge = makeClient(broker.port, 4, { clientId: `bridge-${process.pid}`, bridgeMode: true });
    expect((await connected(plain)).reasonCode).toBe(0);
    expect((await connected(bridge)).reasonCode).toBe(0);
    await delay(100);
    const logs = broker.mosquitto!.logs();
    expect(logs).toContain(`New bridge connected from 127.0.0.1`);
    expect(logs).toMatch(new RegExp(`New bridge connected from [^\\n]* as bridge-${process.pid} `));
    expect(logs).toMatch(new RegExp(`New client connected from [^\\n]* as plain-${process.pid} `));
  });

  it('events$ reports packets by type, id and size, and never the password', async () => {
    const password = 'hunter2-very-secret';
    const client = makeClient(broker.port, 4, { username: 'someone', password });
    const events: string[] = [];
    client.events$.subscribe((e) => events.push(JSON.stringify(e)));
    await connected(client);
    await firstValueFrom(client.publish('ev/t', password, { qos: 1 }));
    expect(events.some((e) => e.includes('"packetSent"') && e.includes('"connect"'))).toBe(true);
    expect(events.some((e) => e.includes('"packetReceived"') && e.includes('"puback"'))).toBe(true);
    expect(events.some((e) => e.includes('"socketOpened"'))).toBe(true);
    expect(events.join('\n')).not.toContain(password);
  });
});
