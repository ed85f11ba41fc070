// Transports: re-exports only. tcp/tls/node import Node's net/tls: browser builds
// must reach only types and url.
export type { SocketEvent, SocketWriter, Transport, TransportOptions, TlsOptions, TlsMaterial, TlsVersion, BrokerProtocol } from './types';
export { parseBrokerUrl, type BrokerUrl } from './url';
export { tcpTransport } from './tcp';
export { tlsTransport } from './tls';
export { nodeTransport, type NodeTransportOptions } from './node';
