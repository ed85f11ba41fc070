// Write-side flow control: while the socket is full, publishes wait in the session queue, bounded by maxQueued.
import { connected, errorCodeOf, ofType, pub, recv, run, sent } from './helpers';

describe('session: socket backpressure', () => {
  it('queues publishes while blocked and sends them, in order, once drained', () => {
    const blocked = run(connected(), [{ type: 'transportBlocked' }, pub(1, 0, 'a'), pub(2, 1, 'b')]);
    expect(sent(blocked.commands)).toEqual([]);
    expect(blocked.state.session.queue.size).toBe(2);
    const drained = run(blocked.state, [{ type: 'transportDrained' }]);
    expect(sent(drained.commands).map((p) => (p.type === 'publish' ? p.topic : p.type))).toEqual(['a', 'b']);
    expect(ofType(drained.commands, 'settleRequest').map((c) => c.requestId)).toEqual([1]); // QoS 0 settles once sent
  });

  it('maxQueued bounds what waits: the overflow errors with queue-full, nothing is sent', () => {
    const r = run(connected({ maxQueued: 1 }), [{ type: 'transportBlocked' }, pub(1, 0), pub(2, 0)]);
    expect(sent(r.commands)).toEqual([]);
    expect(ofType(r.commands, 'settleRequest').map((c) => [c.requestId, errorCodeOf(c)])).toEqual([[2, 'queue-full']]);
  });

  it('acknowledgements still go out while blocked (they are what unblocks the broker)', () => {
    const r = run(connected(), [
      { type: 'transportBlocked' },
      recv({ type: 'publish', topic: 't', payload: new Uint8Array(0), qos: 1, retain: false, dup: false, packetId: 7 }),
    ]);
    expect(sent(r.commands)).toEqual([{ type: 'puback', packetId: 7, reasonCode: 0 }]);
  });

  it('blocked and drained are ignored offline', () => {
    const offline = run(connected(), [{ type: 'transportClosed' }, { type: 'transportBlocked' }, { type: 'transportDrained' }]);
    expect(offline.state.connection.type).toBe('offline');
  });
});
