// Session stores (option `store`): re-exports only.
export type { SessionStore, PersistedSession, PersistedFlow, PersistedMessage, PersistedQueued, SessionChange } from './types';
export { memoryStore } from './memory';
export { localStorageStore, type KeyValueStorage, type LocalStorageStoreOptions } from './local-storage';
export { fileStore, type FileStoreOptions } from './platform';
