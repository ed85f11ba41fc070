/**
 * The browser build's platform.ts: a browser has no file system, so `fileStore` refuses
 * with `invalid-argument` (use `localStorageStore`). Imports nothing of Node's.
 */
import { MqttError } from '../errors';
import type { SessionStore } from './types';

export interface FileStoreOptions {
  fsync?: boolean;
  compactBytes?: number;
}

export function fileStore(_directory: string, _options: FileStoreOptions = {}): SessionStore {
  throw new MqttError('invalid-argument', 'fileStore needs Node (a file system): in a browser use localStorageStore()');
}
