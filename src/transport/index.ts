// Transports: re-exports only. tcp/tls/websocket/node import Node's net/tls (and `ws`): browser builds
// must reach only types and url.
export type { SocketEvent, SocketWriter, Transport, TransportOptions, TlsOptions, TlsMaterial, TlsVersion, BrokerProtocol, WebSocketOptions } from './types';
export { parseBrokerUrl, type BrokerUrl } from './url';
export { tcpTransport } from './tcp';
export { tlsTransport } from './tls';
export { webSocketTransport } from './websocket';
export { nodeTransport, type NodeTransportOptions } from './node';
