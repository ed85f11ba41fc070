/**
 * Outbound packet-id allocation. Ids are 1..65535 [MQTT-2.2.1-3] and must not be
 * reused while a flow holds them: a QoS 1/2 PUBLISH until its PUBACK/PUBCOMP (or a
 * failing PUBACK/PUBREC), a SUBSCRIBE/UNSUBSCRIBE until its SUBACK/UNSUBACK
 * [MQTT-2.2.1-3, 2.2.1-4 in 3.1.1; 2.2.1-2..3 in 5.0]. All of them live in
 * `session.flows`, so one lookup per candidate tells whether an id is free.
 * Allocation goes round-robin from `nextPacketId`, wrapping after 65535, so a freed id
 * is not reused at once (which makes late duplicate acks easier to tell apart).
 * Inbound ids (held QoS 2) are the broker's id space and do not collide with ours.
 */
import { hasFlow } from './id-table';
import type { SessionScope } from './state';

export const MAX_PACKET_ID = 65535;

/** A free id and the cursor after it, or undefined when all 65535 are in use. */
export function allocatePacketId(session: SessionScope): { packetId: number; nextPacketId: number } | undefined {
  let candidate = session.nextPacketId;
  for (let tried = 0; tried < MAX_PACKET_ID; tried++) {
    if (!hasFlow(session.flows, candidate)) {
      return { packetId: candidate, nextPacketId: candidate === MAX_PACKET_ID ? 1 : candidate + 1 };
    }
    candidate = candidate === MAX_PACKET_ID ? 1 : candidate + 1;
  }
  return undefined;
}
