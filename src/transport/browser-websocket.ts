/**
 * MQTT over the browser's WebSocket (the WHATWG API on `globalThis.WebSocket`; MQTT
 * 3.1.1 and 5.0, section 6). The only transport of the browser build.
 *
 * Theory of operation: each subscription opens `ws[s]://host:port/path`, offering the
 * `mqtt` subprotocol [MQTT-6.0.0-3] (or `ws.protocols`), with `binaryType` 'arraybuffer'.
 * `open` becomes `opened`, each binary message one `data` event, a clean `close`
 * completes. The constructor is looked up on `globalThis` when subscribing, so a
 * polyfill (or, in tests, the `ws` package's WHATWG-shaped class) may be installed late.
 *
 * Rules:
 * - MQTT bytes travel in binary frames only; a text frame fails the connection with
 *   `protocol-error` [MQTT-6.0.0-1]. Frame boundaries mean nothing [MQTT-6.0.0-2].
 * - What a browser cannot do is refused with `invalid-argument` (`browserTransportProblem`):
 *   any protocol but ws/wss, extra headers, TLS settings (the browser verifies `wss://`
 *   with its own trust store), a local bind address or port, a proxy.
 * - A browser tells nothing about why a WebSocket failed (the `error` event is a bare
 *   Event, on purpose: pages must not probe networks). Every failure is therefore
 *   `connection-closed`, a refused certificate included: never `tls-error`. A close
 *   before `open` fails with its close code; after `open`, codes 1000, 1001, 1005 and
 *   1006 complete (as in Node), others fail with the code and reason.
 * - `end()` closes with 1000; unsubscribing closes with 1000 at once (a browser has no
 *   `terminate()`), after replacing the handlers so that nothing more is emitted.
 *
 * Backpressure. A browser's WebSocket has no 'drain' event; all it shows is
 * `bufferedAmount`, the bytes sent but not yet handed to the network. `write` answers
 * false once that reaches `WRITE_HIGH_WATER_MARK` (as the Node transports do), and
 * only then a poll on the scheduler reads `bufferedAmount` every `DRAIN_POLL_MS` and
 * emits `drained` once it has fallen to half the mark. Half, not just below the mark:
 * a writer woken at mark − 1 byte would block again after one packet, and each wake-up
 * costs up to one poll period; from half, it has 128 KiB to write. The cost is a timer
 * only while blocked, and up to `DRAIN_POLL_MS` of extra latency then.
 */

import { asyncScheduler, Observable, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs';
import { MqttError } from '../errors';
import { CLEAN_CLOSE_CODES, DEFAULT_WEBSOCKET_PATH, hostPort, MQTT_SUBPROTOCOL, textFrameError, WRITE_HIGH_WATER_MARK } from './common';
import { batchWriter, TurnBatch } from './turn-batch';
import type { BrokerProtocol, SocketEvent, Transport, TransportOptions } from './types';

/** How often `bufferedAmount` is read while `write` has answered false. */
export const DRAIN_POLL_MS = 10;
/** `drained` is emitted once `bufferedAmount` is at most this. */
export const DRAINED_MARK = WRITE_HIGH_WATER_MARK / 2;

/** Handlers left on a closed WebSocket: some implementations (the `ws` package) throw on an 'error' nobody listens to. */
const ignore = (): void => {};

/**
 * Why a browser cannot dial with these options, or undefined when it can. The browser
 * build's `MqttClient` constructor throws it as `invalid-argument`; see the header.
 */
export function browserTransportProblem(options: TransportOptions & { protocol?: BrokerProtocol }): string | undefined {
  const { protocol } = options;
  if (protocol === 'mqtt' || protocol === 'mqtts') {
    return `A browser has no TCP sockets: use a ws:// or wss:// url (the broker protocol is ${protocol}://), or pass a transport`;
  }
  const tlsSettings = Object.entries(options.tls ?? {}).filter(([, value]) => value !== undefined).map(([key]) => `tls.${key}`);
  if (tlsSettings.length > 0) {
    return `The tls option is Node only (got ${tlsSettings.join(', ')}): a browser verifies a wss:// broker with its own trust store`;
  }
  if (options.ws?.headers !== undefined) {
    return 'ws.headers is Node only: a browser WebSocket cannot set HTTP headers (carry a token in the url query, or in username/password)';
  }
  if (options.bindAddress !== undefined || options.bindPort !== undefined) {
    return 'bindAddress and bindPort are Node only: a browser cannot choose its local address';
  }
  if (options.proxy !== undefined) {
    return 'The proxy option is Node only: a browser WebSocket goes through the proxy the browser is configured with';
  }
  return undefined;
}

/**
 * A cold `Transport` over `globalThis.WebSocket`: `wss://` when `options.tls` is set (as
 * for `TransportOptions`), `ws://` otherwise; `options.ws` gives the path and
 * subprotocols. `scheduler` runs the drain poll. Emits and fails as `Transport` says;
 * see the header for the rules.
 */
export function browserWebSocketTransport(options: TransportOptions, scheduler: SchedulerLike = asyncScheduler): Transport {
  const { host, port, ws: w = {} } = options;
  const secure = options.tls !== undefined;
  const url = `${secure ? 'wss' : 'ws'}://${hostPort(host, port)}${w.path ?? DEFAULT_WEBSOCKET_PATH}`;

  return new Observable<SocketEvent>((subscriber) => {
    const problem = browserTransportProblem(options);
    if (problem !== undefined) {
      subscriber.error(new MqttError('invalid-argument', problem));
      return undefined;
    }
    const WebSocketClass = globalThis.WebSocket as typeof WebSocket | undefined;
    if (typeof WebSocketClass !== 'function') {
      subscriber.error(new MqttError('connection-closed', `Cannot connect to ${url}: this environment has no global WebSocket`));
      return undefined;
    }

    let ws: WebSocket;
    try {
      ws = new WebSocketClass(url, w.protocols ?? [MQTT_SUBPROTOCOL]);
    } catch (error) {
      // A SyntaxError for a URL or subprotocol the browser refuses.
      subscriber.error(new MqttError('invalid-argument', `Cannot connect to ${url}: ${(error as Error).message}`, { cause: error }));
      return undefined;
    }
    ws.binaryType = 'arraybuffer';

    let opened = false;
    let poll: Subscription | undefined;
    const waitForDrain = function (this: SchedulerAction<undefined>): void {
      if (ws.bufferedAmount > DRAINED_MARK) {
        this.schedule(undefined, DRAIN_POLL_MS);
        return;
      }
      poll = undefined;
      batch.drained();
      subscriber.next({ type: 'drained' });
    };
    // The packets of a turn go out as one frame (turn-batch.ts). `send` copies the bytes
    // it is given (the HTML standard's "buffer the data"): once it returns they are the
    // browser's, and the client may reuse the buffer they were encoded in.
    let written = 0;
    const batch = new TurnBatch((bytes) => {
      ws.send(bytes);
      written += bytes.length;
      if (ws.bufferedAmount < WRITE_HIGH_WATER_MARK) return true;
      poll ??= scheduler.schedule(waitForDrain, DRAIN_POLL_MS);
      return false;
    });
    const writer = batchWriter(batch, () => ws.close(1000), () => written);

    ws.onopen = () => {
      opened = true;
      subscriber.next({ type: 'opened', writer });
    };
    ws.onmessage = (event: MessageEvent<unknown>) => {
      // With binaryType 'arraybuffer' a binary message is an ArrayBuffer, a text one a
      // string. No `instanceof ArrayBuffer`: the buffer may come from another realm.
      if (typeof event.data === 'string') subscriber.error(textFrameError(url));
      else subscriber.next({ type: 'data', bytes: new Uint8Array(event.data as ArrayBuffer) });
    };
    ws.onerror = (event: Event) => {
      // Browsers give no reason; polyfills such as `ws` put one on `message`.
      const message = (event as { message?: unknown }).message;
      const why = typeof message === 'string' && message !== '' ? message : 'WebSocket error';
      subscriber.error(new MqttError('connection-closed', `${opened ? `Connection to ${url} lost` : `Cannot connect to ${url}`}: ${why}`));
    };
    ws.onclose = (event: CloseEvent) => {
      const why = `WebSocket code ${event.code}${event.reason ? `: ${event.reason}` : ''}`;
      if (!opened) {
        subscriber.error(new MqttError('connection-closed', `Connection to ${url} closed before it was established (${why})`));
      } else if (CLEAN_CLOSE_CODES.has(event.code)) {
        subscriber.complete();
      } else {
        subscriber.error(new MqttError('connection-closed', `Connection to ${url} closed with ${why}`));
      }
    };

    return () => {
      batch.close();
      poll?.unsubscribe();
      ws.onopen = null;
      ws.onmessage = null;
      ws.onerror = ignore;
      ws.onclose = ignore;
      ws.close(1000);
    };
  });
}
