// The `logger` option (Paho's enable_logger): the session's log lines reach a console-like object.
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { MqttClient } from '../../src';
import { TestBroker } from '../../src/testing';

describe('logger option', () => {
  it('gets the log lines, warning as warn, with the client id; events$ need not be observed', async () => {
    const broker = new TestBroker();
    const lines: string[] = [];
    const client = new MqttClient({
      transport: broker.transport,
      clientId: 'logged',
      keepalive: 0,
      logger: { warn: (m) => lines.push(`warn ${m}`), debug: (m) => lines.push(`debug ${m}`) },
    });
    await firstValueFrom(client.connect());
    broker.send({ type: 'puback', packetId: 999, reasonCode: 0 }); // an ack for nothing: logged, ignored
    await new Promise((r) => setTimeout(r, 10));
    expect(lines.filter((l) => l.startsWith('warn'))).toEqual([expect.stringMatching(/^warn rxmqtt logged: PUBACK for unknown packet id 999/)]);
    await lastValueFrom(client.disconnect(), { defaultValue: undefined });
  });

  it('a logger without a method for a level skips those lines', async () => {
    const broker = new TestBroker();
    const errors: string[] = [];
    const client = new MqttClient({ transport: broker.transport, keepalive: 0, logger: { error: (m) => errors.push(m) } });
    await firstValueFrom(client.connect());
    broker.send({ type: 'puback', packetId: 7, reasonCode: 0 });
    await new Promise((r) => setTimeout(r, 10));
    expect(errors).toEqual([]);
    await lastValueFrom(client.disconnect(), { defaultValue: undefined });
  });
});
