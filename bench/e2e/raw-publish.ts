/**
 * The floor's publisher: `count` copies of one pre-encoded PUBLISH through a
 * RawConnection, with no MQTT library on the path. Every message is still copied into
 * the outgoing batch (a real publisher has a distinct message to hand the socket each
 * time), and QoS 1/2 keep the same window of publishes outstanding as the other workers.
 */
import type { PublishBytes, RawConnection } from './raw-connection';
import { OUT_BATCH } from './raw-connection';

/** Resolves once all `count` are acknowledged (QoS 1: PUBACK, QoS 2: PUBCOMP) or, at QoS 0, handed to the kernel. */
export function publishAll(conn: RawConnection, p: PublishBytes, count: number, window: number): Promise<void> {
  return p.qos === 0 ? stream(conn, p, count) : windowed(conn, p, count, window);
}

/**
 * QoS 0 has no acks, so no window: fill a batch, write it, and go on while
 * `socket.write()` returns true; on false wait for 'drain'. That is the least a QoS 0
 * publisher can do: the broker's pace reaches it only through TCP back-pressure.
 * Done when the last write is accepted (after its drain if it was not at once).
 */
async function stream(conn: RawConnection, p: PublishBytes, count: number): Promise<void> {
  const perBatch = Math.max(1, Math.floor(OUT_BATCH / p.bytes.length));
  let sent = 0;
  while (sent < count) {
    const n = Math.min(perBatch, count - sent);
    for (let k = 0; k < n; k++) conn.queuePublish(p, 0);
    sent += n;
    if (!conn.flush()) await conn.drained();
  }
}

/**
 * QoS 1/2: `window` publishes outstanding. Acks free slots while a read is handled; the
 * slots are refilled at the end of the read, so the new PUBLISHes leave in the same write
 * as that read's PUBRELs (one write per read, as rxmqtt's one write per turn gives).
 */
function windowed(conn: RawConnection, p: PublishBytes, count: number, window: number): Promise<void> {
  // 1 while the packet id is unacknowledged; a new publish skips those ids.
  const inFlight = new Uint8Array(65536);
  let id = 0;
  let sent = 0;
  let acked = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const refill = (): void => {
    while (sent < count && sent - acked < window) {
      do id = id === 65535 ? 1 : id + 1; while (inFlight[id] === 1);
      inFlight[id] = 1;
      conn.queuePublish(p, id);
      sent++;
    }
  };
  conn.onAck = (ackId) => {
    if (inFlight[ackId] === 0) return; // not one of ours (cannot happen with one publisher per connection)
    inFlight[ackId] = 0;
    if (++acked === count) done();
  };
  conn.onReadEnd = refill;
  refill();
  conn.flush();
  return conn.until(finished).finally(() => {
    conn.onAck = () => {};
    conn.onReadEnd = () => {};
  });
}
