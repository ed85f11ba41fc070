/**
 * Type-level tests of the public API (NgRx's spec/types habit): this file must compile
 * under ts-jest's diagnostics. Each `@ts-expect-error` fails the build if the line it
 * guards ever type-checks, so misuse stays a compile error.
 */
import type { Observable } from 'rxjs';
import {
  MqttClient,
  MqttError,
  type ConnAck,
  type ConnectionState,
  type MqttClientOptions,
  type MqttMessage,
  type ProxyOptions,
  type ProxyType,
  type PublishAck,
  type SrvOptions,
  type SrvRecord,
  type SrvResolver,
  type TopicAliasOptions,
  type SubAck,
  type UnsubAck,
  type SessionStore,
  type PersistedSession,
  fileStore,
  localStorageStore,
  memoryStore,
} from '../../src';
import { TestBroker } from '../../src/testing';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(): T => true as T;

describe('public API types', () => {
  const client = new MqttClient({ transport: new TestBroker().transport, protocolVersion: 5 });

  it('every method returns the Observable DESIGN.md promises', () => {
    assertType<Equals<ReturnType<typeof client.connect>, Observable<ConnAck>>>();
    assertType<Equals<ReturnType<typeof client.reconnect>, Observable<ConnAck>>>();
    assertType<Equals<ReturnType<typeof client.publish>, Observable<PublishAck>>>();
    assertType<Equals<ReturnType<typeof client.subscribe>, Observable<SubAck>>>();
    assertType<Equals<ReturnType<typeof client.unsubscribe>, Observable<UnsubAck>>>();
    assertType<Equals<ReturnType<typeof client.messages$>, Observable<MqttMessage>>>();
    assertType<Equals<ReturnType<typeof client.request>, Observable<MqttMessage>>>();
    assertType<Equals<ReturnType<typeof client.disconnect>, Observable<void>>>();
    assertType<Equals<typeof client.connectionState$, Observable<ConnectionState>>>();
    expect(client).toBeInstanceOf(MqttClient);
  });

  it('narrows ConnectionState by its type tag', () => {
    const describe = (s: ConnectionState): string => {
      switch (s.type) {
        case 'connected':
          return String(s.connack.sessionPresent);
        case 'reconnecting':
          return `${s.attempt} ${s.delay} ${s.error.code}`;
        case 'disconnected':
          return s.error?.code ?? String(s.serverDisconnect);
        case 'idle':
        case 'connecting':
        case 'closed':
          return s.type;
        default: {
          const never: never = s;
          return never;
        }
      }
    };
    expect(describe({ type: 'idle' })).toBe('idle');
  });

  it('refuses misuse at compile time', () => {
    const misuse = (): void => {
      // @ts-expect-error QoS 3 does not exist
      client.publish('a', 'b', { qos: 3 });
      // @ts-expect-error retainHandling is 0, 1 or 2
      client.subscribe('a', { retainHandling: 3 });
      // @ts-expect-error payloads are strings, bytes, numbers or null
      client.publish('a', { not: 'bytes' });
      // @ts-expect-error protocol levels are 3, 4 and 5
      new MqttClient({ protocolVersion: 6 });
      // @ts-expect-error clean is boolean or 'first-only'
      new MqttClient({ clean: 'sometimes' });
      // @ts-expect-error WebSocket headers are strings
      new MqttClient({ url: 'ws://localhost', ws: { headers: { 'X-Retry': 1 } } });
      // @ts-expect-error subprotocols are a list
      new MqttClient({ url: 'ws://localhost', ws: { protocols: 'mqtt' } });
      // @ts-expect-error topicAliases is a boolean or { maximum }, not a number
      new MqttClient({ protocolVersion: 5, topicAliases: 10 });
      // @ts-expect-error proxy types are socks5, socks4 and http
      new MqttClient({ proxy: { type: 'socks6', host: 'proxy' } });
      // @ts-expect-error a proxy needs a host
      new MqttClient({ proxy: { type: 'socks5' } });
      // @ts-expect-error a proxy port is a number
      new MqttClient({ proxy: { type: 'http', host: 'proxy', port: '8080' } });
    };
    expect(typeof misuse).toBe('function');
  });

  it('srv: a domain, or { domain, resolve } with a resolver of SrvRecords (Node dns.resolveSrv’s shape)', () => {
    const records: SrvRecord[] = [{ name: 'broker.example.com', port: 8883, priority: 10, weight: 5 }];
    const resolve: SrvResolver = async (_name, { signal }) => (signal.aborted ? [] : records);
    const options: SrvOptions = { domain: 'example.com', resolve };
    assertType<Equals<Parameters<SrvResolver>[0], string>>();
    const misuse = (): void => {
      // @ts-expect-error srv is a domain or an object with one
      new MqttClient({ srv: true });
      // @ts-expect-error a resolver resolves with records, not host names
      new MqttClient({ srv: { domain: 'example.com', resolve: async () => ['broker.example.com'] } });
    };
    expect([new MqttClient({ srv: 'example.com' }), new MqttClient({ srv: options })]).toHaveLength(2);
    expect(typeof misuse).toBe('function');
  });

  it('exports the topicAliases option’s type', () => {
    const options: TopicAliasOptions = { maximum: 10 };
    assertType<Equals<MqttClientOptions['topicAliases'], boolean | TopicAliasOptions | undefined>>();
    expect(new MqttClient({ protocolVersion: 5, topicAliases: options, transport: new TestBroker().transport })).toBeInstanceOf(MqttClient);
  });

  it('takes a proxy as an object (ProxyOptions) or a URL', () => {
    const socks: ProxyOptions = { type: 'socks5', host: '10.0.0.1', port: 1080, username: 'u', password: 'p', remoteDns: false };
    const type: ProxyType = socks.type;
    expect(() => new MqttClient({ proxy: socks })).not.toThrow();
    expect(() => new MqttClient({ proxy: 'http://proxy:3128' })).not.toThrow();
    expect(type).toBe('socks5');
  });

  it('takes a SessionStore as store: the three built in, or one of your own', () => {
    assertType<Equals<MqttClientOptions['store'], SessionStore | undefined>>();
    const own: SessionStore = { load: (): PersistedSession | undefined => undefined, reset: () => undefined, append: () => undefined, clear: () => undefined };
    const stores: SessionStore[] = [fileStore('/tmp/rxmqtt-types'), localStorageStore({ storage: { getItem: () => null, setItem: () => undefined, removeItem: () => undefined } }), memoryStore(), own];
    const misuse = (): void => {
      // @ts-expect-error a directory is not a store
      new MqttClient({ store: './sessions' });
      // @ts-expect-error store errors are store-error
      const code: MqttError['code'] = 'store-failed';
      expect(code).toBeDefined();
    };
    expect(stores).toHaveLength(4);
    expect(typeof misuse).toBe('function');
  });

  it('MqttError codes are a closed union', () => {
    const code: MqttError['code'] = 'queue-full';
    // @ts-expect-error not an error code
    const wrong: MqttError['code'] = 'oops';
    expect([code, wrong]).toHaveLength(2);
  });
});
