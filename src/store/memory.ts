/**
 * `memoryStore()`: a `SessionStore` in this process's memory. A client without the
 * `store` option keeps its session in memory anyway, for its own lifetime; this store
 * lets a later `MqttClient` with the same client id (in the same process) resume it.
 * It keeps the last snapshot lazily: `append` costs nothing, `load` builds it.
 */
import type { PersistedSession, SessionChange } from '../session/persist';
import type { SessionStore } from './types';

export function memoryStore(): SessionStore {
  const sessions = new Map<string, () => PersistedSession>();
  return {
    load: (clientId) => sessions.get(clientId)?.(),
    reset: (clientId, session) => void sessions.set(clientId, () => session),
    append: (clientId, _changes: readonly SessionChange[], snapshot) => void sessions.set(clientId, snapshot),
    clear: (clientId) => void sessions.delete(clientId),
  };
}
