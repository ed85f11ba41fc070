// Public entry point: re-exports only.
export * from './errors';
export * from './codec';
export { MqttClient, MqttMessage } from './client';
export type {
  MqttClientOptions,
  Logger,
  WillOptions,
  TopicAliasOptions,
  PublishOptions,
  SubscribeOptions,
  SubscribeRequest,
  ConnectionState,
  ClientEvent,
  LogLevel,
  Payload,
  DisconnectOptions,
  RequestOptions,
  ReconnectOptions,
  SrvOptions,
  EnhancedAuthOptions,
  AuthChallenge,
  AuthVerification,
  AuthResponse,
  AuthVerdict,
} from './client';
export type { AuthSuccess, ConnAck, PublishAck, SubAck, UnsubAck } from './session';
export {
  fileStore,
  localStorageStore,
  memoryStore,
  type FileStoreOptions,
  type KeyValueStorage,
  type LocalStorageStoreOptions,
  type SessionStore,
  type PersistedSession,
  type PersistedFlow,
  type PersistedMessage,
  type PersistedQueued,
  type SessionChange,
} from './store';
export { backoff, backoffDelay, type BackoffConfig, type BackoffCurve, type BackoffRetry } from './operators';
export { topicMatches, validateTopicName, validateTopicFilter, TopicTrie } from './topic';
export type { TlsOptions, Transport, SocketEvent, SocketWriter, TransportOptions, WebSocketOptions, SrvRecord, SrvResolver, ProxyOptions, ProxyType } from './transport';
