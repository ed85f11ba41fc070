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
} from './client';
export type { ConnAck, PublishAck, SubAck, UnsubAck } from './session';
export { topicMatches, validateTopicName, validateTopicFilter, TopicTrie } from './topic';
export type { TlsOptions, Transport, SocketEvent, SocketWriter, TransportOptions } from './transport';
