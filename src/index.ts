// Public entry point: re-exports only.
export * from './errors';
export * from './codec';
export { MqttClient, MqttMessage } from './client';
export type {
  MqttClientOptions,
  Logger,
  WillOptions,
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
} from './client';
export type { ConnAck, PublishAck, SubAck, UnsubAck } from './session';
export { backoff, backoffDelay, type BackoffConfig, type BackoffCurve, type BackoffRetry } from './operators';
export { topicMatches, validateTopicName, validateTopicFilter, TopicTrie } from './topic';
export type { TlsOptions, Transport, SocketEvent, SocketWriter, TransportOptions, WebSocketOptions, ProxyOptions, ProxyType } from './transport';
