/**
 * Shared pieces of the client integration specs: the brokers (aedes in-process,
 * mosquitto as a child process), client factories that clean up after themselves, and
 * small waits that fail with a message instead of hanging.
 */

import { filter, firstValueFrom, NEVER, take, timeout, toArray, type Observable } from 'rxjs';
import type { ProtocolVersion } from '../../src/codec';
import { MqttClient, type MqttClientOptions, type TransportOptions } from '../../src';
import type { ConnectionState } from '../../src/client';
import { startAedes, type AedesHandle } from '../support/aedes';
import { startMosquitto, type MosquittoHandle, type MosquittoOptions } from '../support/mosquitto';

export interface Broker {
  name: string;
  port: number;
  close(): Promise<void>;
  aedes?: AedesHandle;
  mosquitto?: MosquittoHandle;
}

export const brokerKinds = ['aedes', 'mosquitto'] as const;
export type BrokerKind = (typeof brokerKinds)[number];
export const versions: ProtocolVersion[] = [4, 5];

/** Versions each broker speaks: aedes 1.x implements MQTT 3.1.1 only (it refuses 5.0). */
export const brokerVersions: Record<BrokerKind, ProtocolVersion[]> = { aedes: [4], mosquitto: [4, 5] };

export async function startBroker(kind: BrokerKind, options: MosquittoOptions = {}): Promise<Broker> {
  if (kind === 'aedes') {
    const aedes = await startAedes();
    return { name: kind, port: aedes.port, close: () => aedes.close(), aedes };
  }
  const mosquitto = await startMosquitto(options);
  return { name: kind, port: mosquitto.port, close: () => mosquitto.close(), mosquitto };
}

let clientCounter = 0;

/** Clients made by `makeClient` are disconnected by `closeClients` (call it in afterEach). */
const open = new Set<MqttClient>();

export function makeClient(port: number, version: ProtocolVersion, options: MqttClientOptions = {}): MqttClient {
  const client = new MqttClient({
    host: '127.0.0.1',
    port,
    protocolVersion: version,
    clientId: `spec-${process.pid}-${++clientCounter}`,
    connectTimeout: 5000,
    ...options,
  });
  open.add(client);
  return client;
}

export async function closeClients(): Promise<void> {
  const clients = [...open];
  open.clear();
  await Promise.all(clients.map((c) => firstValueFrom(c.disconnect(), { defaultValue: undefined })));
}

export async function connected(client: MqttClient) {
  return firstValueFrom(client.connect().pipe(timeout(8000)));
}

/** The next `n` values of `source`, or a timeout error naming what was awaited. */
export function nextValues<T>(source: Observable<T>, n: number, what: string, ms = 5000): Promise<T[]> {
  return firstValueFrom(
    source.pipe(
      take(n),
      toArray(),
      timeout({ first: ms, with: () => Promise.reject(new Error(`timed out after ${ms} ms waiting for ${n} × ${what}`)) }),
    ),
  );
}

export function stateOf(client: MqttClient, type: ConnectionState['type'], ms = 8000): Promise<ConnectionState> {
  return firstValueFrom(
    client.connectionState$.pipe(
      filter((s) => s.type === type),
      timeout({ first: ms, with: () => Promise.reject(new Error(`timed out waiting for state ${type}`)) }),
    ),
  );
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** The options a client built from `options` hands its transport (dialled once, then closed). */
export function seenByTransport(options: MqttClientOptions): TransportOptions & { protocol: string } {
  let captured: (TransportOptions & { protocol: string }) | undefined;
  const client = new MqttClient({
    ...options,
    transport: (resolved) => {
      captured = resolved;
      return NEVER;
    },
  });
  client.connect().subscribe({ error: () => undefined }).unsubscribe();
  client.disconnect().subscribe(); // stops the connect timer
  if (captured === undefined) throw new Error('the transport was not called');
  return captured;
}
