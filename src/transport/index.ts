// Transports: re-exports only. tcp/tls/websocket/node/srv-node import Node's net/tls/dns (and `ws`), so the client
// imports platform.ts and url.ts, never this index: the browser build swaps platform.ts for
// platform.browser.ts (tsup.config.ts) and must reach only types, url, common and browser-websocket.
export type { SocketEvent, SocketWriter, Transport, TransportOptions, TlsOptions, TlsMaterial, TlsVersion, BrokerProtocol, WebSocketOptions, ProxyOptions, ProxyType } from './types';
export { parseBrokerUrl, type BrokerUrl } from './url';
export { orderSrvTargets, srvTransport, type SrvDialConfig, type SrvRecord, type SrvResolver } from './srv';
export { nodeSrvResolver } from './srv-node';
export { tcpTransport } from './tcp';
export { tlsTransport } from './tls';
export { webSocketTransport } from './websocket';
export { browserWebSocketTransport } from './browser-websocket';
export { nodeTransport, type NodeTransportOptions } from './node';
