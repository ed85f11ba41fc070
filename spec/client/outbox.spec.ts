/**
 * The outbox on its own: one write per run, settles after it, backlog while blocked,
 * and a settle that detaches the socket from inside the settling loop.
 */
import { Outbox } from '../../src/client/outbox';
import type { Packet } from '../../src/codec';
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
});
