/**
 * `fileStore(directory)`: a `SessionStore` in files, for Node (Paho's
 * `MqttDefaultFilePersistence`, reshaped as a log).
 *
 * Layout: one file per client id, `<directory>/session-<encodeURIComponent(id)>.jsonl`.
 * Its first line is a snapshot (`PersistedSession`); every later line is the JSON list
 * of `SessionChange`s one engine run made. `append` writes one line with one
 * `fs.writeSync` on a file descriptor kept open: a QoS 1 publish costs a line when it
 * leaves and one when its PUBACK ends it, however large the session. Once the lines
 * after the snapshot outgrow both `compactBytes` and twice the snapshot, the file is
 * compacted: the current snapshot goes to `<file>.tmp`, which is renamed over the file
 * (atomic on POSIX), so a crash at any point leaves either the old log or the new one.
 *
 * Durability: what `writeSync` handed to the kernel survives the process dying (a crash,
 * SIGKILL). Surviving a power cut needs `fsync: true` (an fsync per run: much slower).
 *
 * Reading: a last line without its newline is an append the process died in — its
 * packets never left (write-ahead), so it is dropped. Any other line that does not parse
 * or check is a `store-error`: `connect()` errors with it, and the file is left as it is
 * for a human to look at (delete it to start afresh).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MqttError } from '../errors';
import { applyChanges, corrupt, type PersistedSession } from '../session/persist';
import { checkChanges, checkPersisted } from '../session/persist-check';
import type { SessionStore } from './types';

export interface FileStoreOptions {
  /** fsync after every append and before every compaction's rename (survives power loss; slower). Default false. */
  fsync?: boolean;
  /** Log bytes after the snapshot before compacting (also at least twice the snapshot). Default 256 KiB. */
  compactBytes?: number;
}

interface OpenLog {
  fd: number;
  /** Bytes written after the snapshot line. */
  logBytes: number;
  snapshotBytes: number;
}

/**
 * ## Example
 * ```ts
 * const client = new MqttClient({ url: 'mqtt://localhost', clientId: 'meter-7', clean: false, store: fileStore('./mqtt-session') });
 * ```
 */
export function fileStore(directory: string, options: FileStoreOptions = {}): SessionStore {
  const sync = options.fsync === true;
  const compactBytes = options.compactBytes ?? 256 * 1024;
  const open = new Map<string, OpenLog>();
  const fileOf = (clientId: string): string => path.join(directory, `session-${encodeURIComponent(clientId)}.jsonl`);

  const failed = (what: string, err: unknown): MqttError =>
    err instanceof MqttError ? err : new MqttError('store-error', `fileStore: cannot ${what} (${(err as Error)?.message ?? String(err)})`, { cause: err });

  const close = (clientId: string): void => {
    const log = open.get(clientId);
    if (log === undefined) return;
    open.delete(clientId);
    try {
      fs.closeSync(log.fd);
    } catch {
      // already closed: nothing to release
    }
  };

  const writeAll = (fd: number, text: string): void => {
    const bytes = Buffer.from(text, 'utf8');
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
    if (sync) fs.fsyncSync(fd);
  };

  const reset = (clientId: string, session: PersistedSession): void => {
    try {
      close(clientId);
      fs.mkdirSync(directory, { recursive: true });
      const file = fileOf(clientId);
      const tmp = `${file}.tmp`;
      const line = JSON.stringify(session) + '\n';
      const fd = fs.openSync(tmp, 'w');
      try {
        writeAll(fd, line);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
      open.set(clientId, { fd: fs.openSync(file, 'a'), logBytes: 0, snapshotBytes: line.length });
    } catch (err) {
      throw failed(`write ${fileOf(clientId)}`, err);
    }
  };

  return {
    load(clientId) {
      const file = fileOf(clientId);
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw failed(`read ${file}`, err);
      }
      const lines = text.split('\n');
      // The last element is '' when the file ends with a newline, else a torn append.
      lines.pop();
      if (lines.length === 0) return undefined;
      const parse = (line: string, n: number): unknown => {
        try {
          return JSON.parse(line);
        } catch (err) {
          throw corrupt(`${file} line ${n + 1} is not JSON`, err);
        }
      };
      let session = checkPersisted(parse(lines[0], 0));
      for (let i = 1; i < lines.length; i++) session = applyChanges(session, checkChanges(parse(lines[i], i)));
      return session;
    },
    reset,
    append(clientId, changes, snapshot) {
      const log = open.get(clientId);
      if (log === undefined) {
        reset(clientId, snapshot());
        return;
      }
      const line = JSON.stringify(changes) + '\n';
      try {
        writeAll(log.fd, line);
      } catch (err) {
        throw failed(`append to ${fileOf(clientId)}`, err);
      }
      log.logBytes += line.length;
      if (log.logBytes > compactBytes && log.logBytes > 2 * log.snapshotBytes) reset(clientId, snapshot());
    },
    clear(clientId) {
      close(clientId);
      try {
        fs.rmSync(fileOf(clientId), { force: true });
      } catch (err) {
        throw failed(`remove ${fileOf(clientId)}`, err);
      }
    },
  };
}
