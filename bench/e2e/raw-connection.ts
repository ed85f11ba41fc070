/**
 * The floor peer's connection: a `node:net` socket and no MQTT library on the hot path.
 * Every packet it sends is encoded once, up front, by our own codec. Per packet it only
 * finds the frame boundary, hands each PUBLISH's payload size to the role, answers
 * QoS 1/2 with an ack whose packet id it copies from the bytes, and hands the id of each
 * PUBACK/PUBCOMP to the role. So it costs the socket, the event loop and the kernel, and
 * nothing else: no Node MQTT client can do less.
 */
import * as net from 'node:net';
import { encodePacket, type Packet } from '../../src';
import { makePayload, type QoS } from './protocol';

const encode = (packet: Packet): Uint8Array => encodePacket(packet, 4);

/** Bytes per read, into one reusable buffer (as src/transport/tcp.ts does). */
const READ_BUFFER = 64 * 1024;
/**
 * The outgoing batch: the acks one read owes and the PUBLISHes queued with them, sent in
 * one write. 64 KiB holds more acks than a 64 KiB read of QoS 1 messages needs, and is
 * also how much a QoS 0 publisher hands the socket per write.
 */
export const OUT_BATCH = 64 * 1024;

// Packet types: the high nibble of the fixed header.
const CONNACK = 2;
const PUBLISH = 3;
const PUBACK = 4;
const PUBREC = 5;
const PUBREL = 6;
const PUBCOMP = 7;
const SUBACK = 9;

/** Each 4-byte ack, encoded once; a reply copies its fixed header and the packet id it answers. */
const ackBytes = (type: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'): Uint8Array => encode({ type, packetId: 1, reasonCode: 0 });
const PUBACK_BYTES = ackBytes('puback');
const PUBREC_BYTES = ackBytes('pubrec');
const PUBREL_BYTES = ackBytes('pubrel');
const PUBCOMP_BYTES = ackBytes('pubcomp');

/** A PUBLISH encoded once; at QoS > 0 each send patches the next packet id (1..65535) into it. */
export class PublishBytes {
  bytes: Uint8Array;
  /** Where the packet id sits: just before the payload. */
  readonly idAt: number;
  id = 0;
  constructor(topic: string, readonly size: number, readonly qos: QoS) {
    this.bytes = encode({ type: 'publish', topic, payload: makePayload(size), qos, retain: false, dup: false, ...(qos ? { packetId: 1 } : {}) });
    this.idAt = this.bytes.length - size - 2;
  }

  /** Writes `id` into the packet, into a fresh copy when `copy` (a queued write still points at these bytes). */
  setId(id: number, copy: boolean): void {
    if (copy) this.bytes = this.bytes.slice();
    this.id = id;
    this.bytes[this.idAt] = id >> 8;
    this.bytes[this.idAt + 1] = id & 0xff;
  }
}

export class RawConnection {
  /** Called with the payload size of every PUBLISH received. */
  onPublish: (payloadSize: number) => void = () => {};
  /** Called with the packet id of every PUBACK and PUBCOMP: one of our QoS 1/2 publishes is done. */
  onAck: (packetId: number) => void = () => {};
  /** Called once a read's packets are handled, before its batch is written: what a publisher queues here leaves with the acks. */
  onReadEnd: () => void = () => {};
  /** Rejects when the socket fails or the broker closes it; every wait races it. */
  readonly lost: Promise<never>;
  private readonly socket: net.Socket;
  /** The start of an incomplete packet left by the previous read (a copy: the read buffer is reused). */
  private partial: Uint8Array | undefined;
  /** The acks (and queued PUBLISHes) of one read, written in one go at its end: one syscall a read, as rxmqtt's one write per turn gives. */
  private out = new Uint8Array(OUT_BATCH);
  private outLength = 0;
  /** Where the body of the packet last framed starts (set by `frameEnd`). */
  private bodyAt = 0;
  private closing = false;
  private onConnack: ((code: number) => void) | undefined;
  private onSuback: ((code: number) => void) | undefined;

  private constructor(host: string, port: number) {
    let fail!: (error: Error) => void;
    this.lost = new Promise<never>((_, reject) => (fail = reject));
    this.lost.catch(() => {}); // awaited through `until` only
    this.socket = net.connect({
      host, port, noDelay: true,
      onread: { buffer: new Uint8Array(READ_BUFFER), callback: (n: number, buffer: Uint8Array) => this.read(n, buffer, fail) },
    });
    this.socket.on('error', fail);
    this.socket.on('close', () => { if (!this.closing) fail(new Error('the broker closed the connection')); });
  }

  /** Connects, sends CONNECT (clean session, no keep-alive: nothing but the job on the wire), waits for CONNACK. */
  static async open(host: string, port: number, clientId: string): Promise<RawConnection> {
    const conn = new RawConnection(host, port);
    const code = new Promise<number>((resolve) => (conn.onConnack = resolve));
    conn.socket.write(encode({ type: 'connect', protocolVersion: 4, clean: true, keepalive: 0, clientId }));
    if ((await conn.until(code)) !== 0) throw new Error(`CONNACK return code ${await code}`);
    return conn;
  }

  /** `promise`, or the connection's failure if that comes first. */
  until<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.lost]);
  }

  /** One SUBSCRIBE (packet id 1); resolves once its SUBACK grants it. */
  async subscribe(filter: string, qos: QoS): Promise<void> {
    const code = new Promise<number>((resolve) => (this.onSuback = resolve));
    this.socket.write(encode({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: filter, qos, noLocal: false, retainAsPublished: false, retainHandling: 0 }] }));
    const granted = await this.until(code);
    if (granted >= 0x80) throw new Error(`SUBACK refused ${filter} (0x${granted.toString(16)})`);
  }

  /** Sends the pre-encoded PUBLISH in a write of its own, at QoS > 0 with packet `id` (default: the one after its last). */
  publish(p: PublishBytes, id = p.id === 65535 ? 1 : p.id + 1): void {
    // A write the kernel has not taken yet still points at these bytes: patch a copy then.
    if (p.qos > 0) p.setId(id, this.socket.writableLength > 0);
    this.socket.write(p.bytes);
  }

  /**
   * Copies the PUBLISH (with packet `id` at QoS > 0) into the outgoing batch, which leaves
   * at the end of the current read or with the next `flush`. A packet larger than the
   * batch goes out at once in its own write instead.
   */
  queuePublish(p: PublishBytes, id: number): void {
    const length = p.bytes.length;
    if (length > OUT_BATCH) {
      this.flush();
      this.publish(p, id);
      return;
    }
    // Only copies of these bytes are ever queued (a packet's size never changes), so patching in place is safe.
    if (p.qos > 0) p.setId(id, false);
    if (this.outLength + length > this.out.length) this.flush();
    this.out.set(p.bytes, this.outLength);
    this.outLength += length;
  }

  /** Writes the batch, if any; returns `socket.write`'s answer (false: wait for `drained`). */
  flush(): boolean {
    if (this.outLength === 0) return true;
    const accepted = this.socket.write(this.out.subarray(0, this.outLength));
    this.outLength = 0;
    // The kernel did not take it all at once: the queued write still points at this buffer.
    if (this.socket.writableLength > 0) this.out = new Uint8Array(OUT_BATCH);
    return accepted;
  }

  /** Resolves on the socket's next 'drain' (or rejects with the connection). */
  drained(): Promise<void> {
    return this.until(new Promise<void>((resolve) => this.socket.once('drain', resolve)));
  }

  /** DISCONNECT, then the socket's end. */
  close(): Promise<void> {
    this.closing = true;
    return new Promise((resolve) => this.socket.end(encode({ type: 'disconnect', reasonCode: 0 }), () => resolve()));
  }

  /** The onread callback: frames every whole packet of this read, carries the rest, flushes the acks. */
  private read(n: number, buffer: Uint8Array, fail: (error: Error) => void): boolean {
    try {
      let at = this.partial ? this.finishPartial(buffer, n) : 0;
      while (at < n) {
        const end = this.frameEnd(buffer, at, n);
        if (end < 0 || end > n) {
          this.partial = buffer.slice(at, n);
          break;
        }
        this.handle(buffer, at, end);
        at = end;
      }
      this.onReadEnd();
      this.flush();
    } catch (error) {
      fail(error as Error);
      this.socket.destroy();
    }
    return true;
  }

  /**
   * Completes the carried packet with the front of this read; returns where the read's
   * own packets start (`n` when the packet is still incomplete).
   */
  private finishPartial(buffer: Uint8Array, n: number): number {
    let partial = this.partial!;
    let at = 0;
    while (at < n) {
      // A cut header borrows the up to 4 bytes its remaining length may need; a known one, exactly the rest.
      const known = this.frameEnd(partial, 0, partial.length);
      const take = Math.min(n - at, known < 0 ? 4 : known - partial.length);
      const joined = new Uint8Array(partial.length + take);
      joined.set(partial);
      joined.set(buffer.subarray(at, at + take), partial.length);
      partial = joined;
      at += take;
      const end = this.frameEnd(partial, 0, partial.length);
      if (end >= 0 && end <= partial.length) {
        this.partial = undefined;
        this.handle(partial, 0, end);
        return at - (partial.length - end); // borrowed bytes past the packet belong to the next one
      }
    }
    this.partial = partial;
    return n;
  }

  /** End of the packet starting at `start` (fixed header + remaining length), or -1 if its header is cut at `limit`. */
  private frameEnd(bytes: Uint8Array, start: number, limit: number): number {
    let remaining = 0;
    for (let i = 1; i <= 4; i++) {
      if (start + i >= limit) return -1;
      const byte = bytes[start + i];
      remaining += (byte & 0x7f) * 128 ** (i - 1);
      if (byte < 0x80) {
        this.bodyAt = start + i + 1;
        return this.bodyAt + remaining;
      }
    }
    throw new Error('malformed remaining length');
  }

  /** One whole packet, `bytes[start, end)`; its body starts at `this.bodyAt`. */
  private handle(bytes: Uint8Array, start: number, end: number): void {
    const body = this.bodyAt;
    switch (bytes[start] >> 4) {
      case PUBLISH: {
        const qos = (bytes[start] >> 1) & 3;
        // Topic length is the first 2 bytes of the body; the packet id follows the topic.
        const idAt = body + 2 + ((bytes[body] << 8) | bytes[body + 1]);
        if (qos > 0) this.ack(qos === 1 ? PUBACK_BYTES : PUBREC_BYTES, bytes, idAt);
        this.onPublish(end - idAt - (qos > 0 ? 2 : 0));
        break;
      }
      case PUBREC: this.ack(PUBREL_BYTES, bytes, body); break; // our QoS 2 publish, step 2
      case PUBREL: this.ack(PUBCOMP_BYTES, bytes, body); break; // a QoS 2 delivery to us, step 3
      case PUBACK: case PUBCOMP: this.onAck((bytes[body] << 8) | bytes[body + 1]); break; // our QoS 1 / QoS 2 publish is done
      case CONNACK: this.onConnack?.(bytes[body + 1]); break;
      case SUBACK: this.onSuback?.(bytes[body + 2]); break;
      default: break;
    }
  }

  /** Queues `template` (a 4-byte ack) with the packet id at `bytes[idAt]`, copied as it is. */
  private ack(template: Uint8Array, bytes: Uint8Array, idAt: number): void {
    if (this.outLength + 4 > this.out.length) this.flush();
    const out = this.out;
    const at = this.outLength;
    out[at] = template[0];
    out[at + 1] = template[1];
    out[at + 2] = bytes[idAt];
    out[at + 3] = bytes[idAt + 1];
    this.outLength = at + 4;
  }
}
