// rxmqtt/testing: helpers for marble-testing code built on rxmqtt without a broker. Re-exports only.
export * from './test-broker';
export type { AutoAckOptions, ConnAckReply, DeliverOptions, TestBrokerOptions } from './options';
