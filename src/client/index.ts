// The Rx client: re-exports only.
export { MqttClient, type DisconnectOptions } from './client';
export type { RequestOptions } from './request';
export type { Logger, MqttClientOptions, TopicAliasOptions, WillOptions } from './options';
export type { ReconnectOptions } from './reconnect-policy';
export type { SrvOptions } from './srv-options';
export type { PublishOptions, SubscribeOptions, SubscribeRequest } from './args';
export type { ConnectionState } from './state';
export type { ClientEvent, LogLevel } from './events';
export { MqttMessage } from './message';
export type { Payload } from './payload';
export type { EnhancedAuthOptions, AuthChallenge, AuthVerification, AuthResponse, AuthVerdict } from './auth';
