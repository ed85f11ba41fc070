/**
 * `localStorageStore()`: a `SessionStore` for browsers, over `localStorage` (or any
 * object with its `getItem`/`setItem`/`removeItem`). One key per client id holding the
 * snapshot as JSON, rewritten on every `append`: O(in-flight + backlog) per run, which
 * is fine for a browser's message rates; `localStorage` is synchronous, so the
 * write-ahead rule holds as it does for the file store. A write that fails (quota
 * exceeded) is a `store-error`.
 */
import { MqttError } from '../errors';
import { corrupt, type PersistedSession } from '../session/persist';
import { checkPersisted } from '../session/persist-check';
import type { SessionStore } from './types';

/** What `localStorageStore` needs of `localStorage`. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface LocalStorageStoreOptions {
  /** Default: the global `localStorage`. */
  storage?: KeyValueStorage;
  /** Key prefix; default `rxmqtt:session:`. */
  prefix?: string;
}

export function localStorageStore(options: LocalStorageStoreOptions = {}): SessionStore {
  const prefix = options.prefix ?? 'rxmqtt:session:';
  const storage = (): KeyValueStorage => {
    const s = options.storage ?? (globalThis as { localStorage?: KeyValueStorage }).localStorage;
    if (s === undefined) throw new MqttError('store-error', 'localStorageStore: no localStorage here (pass options.storage)');
    return s;
  };
  const write = (clientId: string, session: PersistedSession): void => {
    try {
      storage().setItem(prefix + clientId, JSON.stringify(session));
    } catch (err) {
      throw err instanceof MqttError ? err : new MqttError('store-error', `localStorageStore: cannot write (${String(err)})`, { cause: err });
    }
  };
  return {
    load(clientId) {
      const text = storage().getItem(prefix + clientId);
      if (text === null) return undefined;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw corrupt(`${prefix + clientId} is not JSON`, err);
      }
      return checkPersisted(value);
    },
    reset: write,
    append: (clientId, _changes, snapshot) => write(clientId, snapshot()),
    clear: (clientId) => storage().removeItem(prefix + clientId),
  };
}
