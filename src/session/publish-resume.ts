/**
 * In-flight and queued publishes across connections: resent in order when the session
 * resumes, failed when the broker lost it, handed back to their callers when the user
 * disconnects, and the backlog settled when it is given up.
 */
import type { MqttError } from '../errors';
import { fifoFromArray, fifoToArray } from './fifo';
import { filterFlows, mapFlows, tableValues } from './id-table';
import type { PublishFlow } from './state';
import { fail, patchSession, send, type Step } from './step';
import { withTopicAlias } from './topic-alias-out';

function publishFlowsInOrder(s: Step): PublishFlow[] {
  const out: PublishFlow[] = [];
  for (const flow of tableValues(s.state.session.flows)) if (flow.type === 'publish') out.push(flow);
  return out.sort((a, b) => a.seq - b.seq);
}

/**
 * Session resumed: resend every unacknowledged PUBLISH (DUP=1) and PUBREL in send order
 * [MQTT-4.4.0-1]. A resent PUBLISH carries its full topic: it may set an alias on this
 * connection, never use one alone (topic-alias-out.ts).
 */
export function resendInflight(s: Step): void {
  for (const flow of publishFlowsInOrder(s)) {
    const packetId = flow.packet.packetId ?? 0;
    if (flow.awaiting === 'pubcomp') send(s, { type: 'pubrel', packetId, reasonCode: 0 });
    else send(s, withTopicAlias(s, { ...flow.packet, dup: true }, true));
  }
}

/** The broker has no session for us: every in-flight publish is lost. */
export function failInflight(s: Step, error: (packetId: number) => MqttError): void {
  const ordered = publishFlowsInOrder(s);
  if (ordered.length === 0) return;
  for (const flow of ordered) {
    if (flow.requestId !== undefined) fail(s, flow.requestId, error(flow.packet.packetId ?? 0));
  }
  patchSession(s, { flows: filterFlows(s.state.session.flows, (f) => f.type !== 'publish'), inflight: 0 });
}

/** The user disconnected: callers learn now, but the flows stay (silent) for a resumed session. */
export function abandonInflight(s: Step, error: MqttError): void {
  const ordered = publishFlowsInOrder(s).filter((f) => f.requestId !== undefined);
  if (ordered.length === 0) return;
  for (const flow of ordered) if (flow.requestId !== undefined) fail(s, flow.requestId, error);
  const silent = mapFlows(s.state.session.flows, (f) => (f.type === 'publish' && f.requestId !== undefined ? { ...f, requestId: undefined } : f));
  patchSession(s, { flows: silent });
}

/** Settles and empties the backlog. */
export function failQueued(s: Step, error: MqttError): void {
  const items = fifoToArray(s.state.session.queue);
  if (items.length === 0) return;
  for (const item of items) fail(s, item.requestId, error);
  patchSession(s, { queue: fifoFromArray<(typeof items)[number]>([]) });
}
