// The `auth` option and reauthenticate() at the API edge: refused before anything is sent.
import { firstValueFrom } from 'rxjs';
import { MqttClient, type MqttClientOptions } from '../../src';

const respond = () => new Uint8Array();

describe('auth option (MQTT 5 enhanced authentication): validation', () => {
  it.each<[string, MqttClientOptions]>([
    ['in MQTT 3.1.1', { protocolVersion: 4, auth: { method: 'SCRAM-SHA-1', respond } }],
    ['in MQTT 3.1', { protocolVersion: 3, auth: { method: 'SCRAM-SHA-1', respond } }],
    ['with an empty method', { protocolVersion: 5, auth: { method: '', respond } }],
    ['with a respond that is not a function', { protocolVersion: 5, auth: { method: 'm', respond: 'x' as unknown as typeof respond } }],
    ['with data that is not bytes', { protocolVersion: 5, auth: { method: 'm', data: 'x' as unknown as Uint8Array } }],
    ['with authenticationMethod in properties', { protocolVersion: 5, properties: { authenticationMethod: 'm' } }],
    ['with authenticationData in properties', { protocolVersion: 5, properties: { authenticationData: new Uint8Array([1]) } }],
  ])('the constructor refuses it %s (invalid-argument)', (_name, options) => {
    expect(() => new MqttClient(options)).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
  });

  it('is accepted in MQTT 5', () => {
    expect(() => new MqttClient({ protocolVersion: 5, auth: { method: 'SCRAM-SHA-1', data: new Uint8Array([1]), respond } })).not.toThrow();
  });

  it('reauthenticate() without the option errors with invalid-argument', async () => {
    const client = new MqttClient({ protocolVersion: 5 });
    await expect(firstValueFrom(client.reauthenticate())).rejects.toMatchObject({ code: 'invalid-argument' });
  });

  it('reauthenticate() while offline errors with connection-closed (it does not dial)', async () => {
    const client = new MqttClient({ protocolVersion: 5, auth: { method: 'm', respond } });
    await expect(firstValueFrom(client.reauthenticate())).rejects.toMatchObject({ code: 'connection-closed' });
  });
});
