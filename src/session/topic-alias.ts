/**
 * Inbound topic aliases (MQTT 5, §3.3.2.3.4). The broker may send aliases only up to
 * the Topic Alias Maximum we put in CONNECT (none when we sent none), never 0
 * [MQTT-3.3.2-11, MQTT-3.3.2-8]. A PUBLISH with a topic and an alias sets the mapping;
 * with an empty topic it uses it, and one never set is a Protocol Error (§3.3.2.3.4).
 * Mappings belong to the connection: they start empty on each one [MQTT-3.3.2-7], which
 * is why they live in the connection scope.
 */
import type { PublishPacket } from '../codec/types';
import { protocolViolation } from './disconnect';
import type { ConnectedScope } from './state';
import { patchConnected, type Step } from './step';

/** The PUBLISH with its topic resolved, or undefined after closing for a protocol error. */
export function resolveTopicAlias(s: Step, packet: PublishPacket, conn: ConnectedScope): PublishPacket | undefined {
  const alias = packet.properties?.topicAlias;
  if (alias === undefined) {
    if (packet.topic === '') protocolViolation(s, 'PUBLISH with an empty topic and no topic alias', 'MQTT-3.3.2-1');
    return packet.topic === '' ? undefined : packet;
  }
  const maximum = s.state.config.connectProperties?.topicAliasMaximum ?? 0;
  if (alias === 0 || alias > maximum) {
    protocolViolation(s, `Topic alias ${alias} is outside 1..${maximum}`, alias === 0 ? 'MQTT-3.3.2-8' : 'MQTT-3.3.2-11', 0x94);
    return undefined;
  }
  if (packet.topic !== '') {
    if (conn.inboundAliases[alias] !== packet.topic) {
      patchConnected(s, { inboundAliases: { ...conn.inboundAliases, [alias]: packet.topic } });
    }
    return packet;
  }
  const topic = conn.inboundAliases[alias];
  if (topic === undefined) {
    protocolViolation(s, `Topic alias ${alias} was never set on this connection`, '§3.3.2.3.4');
    return undefined;
  }
  return { ...packet, topic };
}
