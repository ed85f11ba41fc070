/**
 * The outbox on its own: one write per run, settles after it, backlog while blocked,
 * and a settle that detaches the socket from inside the settling loop.
 */
import { Outbox } from '../../src/client/outbox';
import { encodePacket, type Packet } from '../../src/codec';
import type { SocketWriter } from '../../src/transport';

const PUBACK = (packetId: number): Packet => ({ type: 'puback', packetId, reasonCode: 0 });

function rig(room = Infinity) {
  const writes: Uint8Array[] = [];
  let written = 0;
  const writer: SocketWriter = {
    write: (bytes) => {
      writes.push(bytes);
      written += bytes.length;
      return written < room;
    },
    end: () => undefined,
  };
  let blocked = 0;
  const outbox = new Outbox(4, () => blocked++);
  outbox.attach(writer);
  /** The socket wrote everything out. */
  const drain = (): void => {
    written = 0;
    outbox.drained();
  };
  return { outbox, writer, writes, blocked: () => blocked, drain };
}

describe('Outbox', () => {
  it('writes a run\'s packets at once, then calls its settles in order', () => {
    const { outbox, writes } = rig();
    const order: string[] = [];
    outbox.add(PUBACK(1));
    outbox.afterWrite(() => order.push(`a after ${writes.length} write`));
    outbox.add(PUBACK(2));
    outbox.afterWrite(() => order.push(`b after ${writes.length} write`));
    expect(writes).toHaveLength(0);
    outbox.flush();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toHaveLength(8);
    expect(order).toEqual(['a after 1 write', 'b after 1 write']);
  });

  it('holds settles while the socket is full and calls them, in order, on drained', () => {
    const { outbox, blocked, drain, writes } = rig(8);
    const calls: number[] = [];
    for (let run = 0; run < 3; run++) {
      outbox.add(PUBACK(run + 1));
      outbox.afterWrite(() => calls.push(run));
      outbox.flush();
    }
    // Run 0 fits, run 1 fills the socket: its settle waits, and run 2 (bytes and settle) behind it.
    expect(blocked()).toBe(1);
    expect(writes).toHaveLength(2);
    expect(calls).toEqual([0]);
    drain();
    expect(writes).toHaveLength(3);
    expect(calls).toEqual([0, 1, 2]);
  });

  it('calls every settle once when one of them detaches the socket mid-loop', () => {
    const { outbox, writer } = rig();
    const calls: string[] = [];
    outbox.add(PUBACK(1));
    outbox.afterWrite(() => {
      calls.push('first');
      // The settle's follow-up runs a new packet and settle, then the socket goes.
      outbox.add(PUBACK(2));
      outbox.afterWrite(() => {
        calls.push('nested');
        // Its own follow-up belongs to the next run: not called before that run ends.
        outbox.add(PUBACK(9));
        outbox.afterWrite(() => calls.push('late'));
      });
      outbox.detach();
    });
    outbox.afterWrite(() => calls.push('second'));
    outbox.flush();
    expect(calls).toEqual(['first', 'nested', 'second']);
    outbox.flush();
    expect(calls).toEqual(['first', 'nested', 'second', 'late']);
    calls.length = 0;
    outbox.attach(writer); // reconnected
    // Both queues are usable afterwards: the next runs settle normally.
    for (const name of ['third', 'fourth']) {
      outbox.add(PUBACK(3));
      outbox.afterWrite(() => calls.push(name));
      outbox.flush();
    }
    expect(calls).toEqual(['third', 'fourth']);
  });

  it('with a writer that says what it has sent, reuses buffers only for bytes already sent', () => {
    // The socket sends lazily: views wait in `queue` until `send` copies them out.
    const queue: Uint8Array[] = [];
    let sentBytes = 0;
    const out: number[] = [];
    const send = (n: number): void => {
      for (let i = 0; i < n && queue.length > 0; i++) {
        const bytes = queue.shift()!;
        out.push(...bytes);
        sentBytes += bytes.length;
      }
    };
    const writer: SocketWriter = { write: (bytes) => (queue.push(bytes), true), end: () => undefined, written: () => sentBytes };
    const outbox = new Outbox(4, () => undefined);
    outbox.attach(writer);
    const expected: number[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for (let run = 0; run < 2000; run++) {
      const packet: Packet = { type: 'publish', topic: 't', payload: new Uint8Array(300).fill(run & 0xff), qos: 0, retain: false, dup: false };
      outbox.add(packet);
      outbox.flush();
      expected.push(...encodePacket(packet, 4));
      buffers.add(queue[queue.length - 1]!.buffer);
      if (run % 500 === 499) send(Infinity); // the socket lags by up to ~150 KB (more than two slabs), then catches up
    }
    send(Infinity);
    expect(out.length).toBe(expected.length);
    const firstDifference = out.findIndex((byte, i) => byte !== expected[i]);
    expect(firstDifference).toBe(-1); // (an index, not a 600 KB diff, when it fails)
    // 600 KB went through 64 KiB slabs: without reuse that is ten of them.
    expect(buffers.size).toBeLessThan(10);
  });
});

