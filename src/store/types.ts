/**
 * `SessionStore`: where a client keeps its session state between processes (option
 * `store`), as Paho's `MQTTClientPersistence` does.
 *
 * Theory of operation. The store is synchronous, so the write-ahead rule is one ordering
 * in the engine: after a run of the session reducer changed the persisted part of the
 * session, the engine calls `append` and only then hands that run's packets to the
 * socket. What the store holds is never behind the wire: a QoS 1/2 PUBLISH is stored
 * before it leaves, the PUBREL stage before a PUBREL leaves, an inbound QoS 2 id before
 * its PUBREC leaves. Removals may lag (a crash before one is written costs a resend the
 * protocol tolerates) but never lead. Node's `fs.*Sync` and `localStorage` are synchronous;
 * Paho C persists synchronously too.
 *
 * The data is the session's persisted form (`PersistedSession`, `SessionChange`): plain
 * JSON-able objects, payloads in base64. A store may keep the snapshot and rewrite it on
 * every `append` (simple, O(session) per run) or append the changes to a log and compact
 * it now and then (`fileStore`).
 */
import type { PersistedSession, SessionChange } from '../session/persist';

export type { PersistedSession, PersistedFlow, PersistedMessage, PersistedQueued, SessionChange } from '../session/persist';

export interface SessionStore {
  /**
   * The session saved for `clientId`, or undefined when there is none. Throws
   * `MqttError('store-error')` when what is stored cannot be read: `connect()` then errors
   * with it and nothing is sent.
   */
  load(clientId: string): PersistedSession | undefined;
  /** Replaces what is stored for `clientId` with `session` (after `load`, and to compact). */
  reset(clientId: string, session: PersistedSession): void;
  /**
   * Records `changes` (in order) before returning: the engine sends the packets they
   * cover only afterwards. `snapshot()` gives the whole session as it is after them, for
   * a store that rewrites or compacts (it costs O(session): call it only when needed).
   * Throws `MqttError('store-error')` when it cannot write: the connection is then closed
   * with it, and nothing more is sent.
   */
  append(clientId: string, changes: readonly SessionChange[], snapshot: () => PersistedSession): void;
  /** Forgets `clientId`'s session (a clean start: `clean: true`). */
  clear(clientId: string): void;
}
