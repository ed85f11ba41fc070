// Transports: re-exports only. tcp/tls/websocket/node import Node's net/tls (and `ws`), so the client
// imports platform.ts and url.ts, never this index: the browser build swaps platform.ts for
// platform.browser.ts (tsup.config.ts) and must reach only types, url, common and browser-websocket.
export type { SocketEvent, SocketWriter, Transport, TransportOptions, TlsOptions, TlsMaterial, TlsVersion, BrokerProtocol, WebSocketOptions, ProxyOptions, ProxyType } from './types';
export { parseBrokerUrl, type BrokerUrl } from './url';
export { tcpTransport } from './tcp';
export { tlsTransport } from './tls';
export { webSocketTransport } from './websocket';
export { browserWebSocketTransport } from './browser-websocket';
export { nodeTransport, type NodeTransportOptions } from './node';
