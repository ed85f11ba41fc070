import { allocatePacketId } from '../../src/session/packet-ids';
import { initialState, type SessionState } from '../../src/session';
import { emptyTable, setFlow } from '../../src/session/id-table';
import type { OutboundFlow } from '../../src/session/state';
import { config, connected, pub, recv, run, sent } from './helpers';

const flow = (id: number): OutboundFlow => ({ type: 'unsubscribe', parts: [{ requestId: id, count: 1 }], packet: { type: 'unsubscribe', packetId: id, topicFilters: ['x'] } });

function withFlows(nextPacketId: number, ids: number[]): SessionState['session'] {
  const s = initialState(config()).session;
  return { ...s, nextPacketId, flows: ids.reduce((table, id) => setFlow(table, id, flow(id)), emptyTable<OutboundFlow>()) };
}

describe('session: packet-id allocation', () => {
  it.each<[string, number, number[], { packetId: number; nextPacketId: number } | undefined]>([
    ['first id is 1', 1, [], { packetId: 1, nextPacketId: 2 }],
    ['skips ids in use', 1, [1, 2, 4], { packetId: 3, nextPacketId: 4 }],
    ['65535 then wraps to 1', 65535, [], { packetId: 65535, nextPacketId: 1 }],
    ['wraps past in-use ids at the top', 65534, [65534, 65535, 1], { packetId: 2, nextPacketId: 3 }],
    ['none free', 1, Array.from({ length: 65535 }, (_, i) => i + 1), undefined],
  ])('%s', (_name, next, inUse, expected) => {
    expect(allocatePacketId(withFlows(next, inUse))).toEqual(expected);
  });

  it('an id is free again when its flow completes, but allocation moves on round-robin', () => {
    const r = run(connected(), [pub(1, 1), recv({ type: 'puback', packetId: 1, reasonCode: 0 }), pub(2, 1), pub(3, 1)]);
    expect(sent(r.commands).map((p) => ('packetId' in p ? p.packetId : 0))).toEqual([1, 2, 3]);
    let s: SessionState = connected();
    s = { ...s, session: { ...s.session, nextPacketId: 65535 } };
    const w = run(s, [pub(1, 1), recv({ type: 'puback', packetId: 65535, reasonCode: 0 }), pub(2, 1), pub(3, 1)]);
    expect(sent(w.commands).map((p) => ('packetId' in p ? p.packetId : 0))).toEqual([65535, 1, 2]);
  });
});
