/**
 * The engine's side of the `store` option: reading the saved session once, and writing
 * what each run changed before the run's packets reach the socket.
 *
 * Theory of operation.
 * - Reading: at construction (and again at `open()` while it keeps failing) the store's
 *   session is loaded and put into the session scope (`restoreSession`), then written
 *   back whole (`reset`): that compacts the log and gives restored backlog entries their
 *   new keys. Until a read has succeeded nothing is written, so a store the client could
 *   not read is never overwritten; `open()` reports the `store-error` instead of dialling.
 * - Writing (write-ahead): the engine calls `save(scope)` before the outbox hands a run's
 *   bytes to the socket (engine.ts: before `flush` and before a close writes what is
 *   pending). Packets a run sends are only encoded until then, so every QoS 1/2 PUBLISH,
 *   PUBREL and inbound PUBREC reaches the socket after the change that covers it is in
 *   the store. One `append` per run, with whatever that run changed (`sessionChanges`
 *   against the scope last saved).
 * - So the store is never behind the wire, only ahead of it, by at most one run (a crash
 *   between the append and the socket write). Each case of "stored, not sent" is one the
 *   protocol tolerates: a stored flow whose PUBLISH never left is resent with DUP (the
 *   broker sees it once); a stored 'pubcomp' stage whose PUBREL never left resends the
 *   PUBREL, which the broker (holding our PUBREC'd message) answers with PUBCOMP; a
 *   stored held inbound id whose PUBREC never left makes the broker's DUP resend get a
 *   PUBREC without a second delivery (it was delivered once, before the crash); a stored
 *   release whose PUBCOMP never left gets the broker's PUBREL resent, answered with
 *   PUBCOMP (0x92 in 5.0). Removals go in the same run as what caused them, so none lags
 *   behind the wire either: in particular the PUBCOMP answering a PUBREL leaves after the
 *   release is stored, and the broker reuses that id only once it has our PUBCOMP.
 * - `clean: true`: the store is cleared at construction and never written (a clean
 *   start discards the session [MQTT-3.1.2-6] (3.1.1) / [MQTT-3.1.2-4] (5.0)); nothing here runs.
 */
import { MqttError } from '../errors';
import { persistSession, restoreSession } from '../session/persist';
import { sessionChanges } from '../session/persist-diff';
import type { SessionScope, SessionState } from '../session';
import type { SessionStore } from '../store/types';
import type { LogLevel } from './events';
import type { ResolvedOptions } from './resolve-options';

/**
 * The `store` option's Persistence; undefined without a store, and with `clean: true`,
 * whose clean start discards the session [MQTT-3.1.2-6] (3.1.1) / [MQTT-3.1.2-4] (5.0):
 * the store is cleared instead.
 */
export function persistenceFor(options: ResolvedOptions, log: (level: LogLevel, message: string) => void): Persistence | undefined {
  const { store } = options;
  if (store === undefined) return undefined;
  if (options.session.clean !== true) return new Persistence(store, options.session.clientId);
  try {
    store.clear(options.session.clientId);
  } catch (err) {
    log('warning', `store: could not clear the saved session (${toStoreError(err).message})`);
  }
  return undefined;
}

export class Persistence {
  /** The scope the store holds; undefined until a read succeeded. */
  private saved: SessionScope | undefined;
  private error: MqttError | undefined;

  constructor(
    private readonly store: SessionStore,
    private readonly clientId: string,
  ) {}

  /** True once the store has been read into the session. */
  get loaded(): boolean {
    return this.saved !== undefined;
  }

  /** The last read's failure, if the store has not been read yet. */
  get failure(): MqttError | undefined {
    return this.saved === undefined ? this.error : undefined;
  }

  /** `state` with the stored session read into it (once); `state` itself when done before or when the read failed (see `failure`). */
  restore(state: SessionState): SessionState {
    if (this.loaded) return state;
    const session = this.load(state.session);
    return this.failure !== undefined ? state : { config: state.config, session, connection: state.connection };
  }

  /** Reads the store into `scope` (once): the scope to use, or `scope` itself when the read failed (see `failure`). */
  private load(scope: SessionScope): SessionScope {
    if (this.saved !== undefined) return scope;
    try {
      const persisted = this.store.load(this.clientId);
      const restored = persisted === undefined ? scope : restoreSession(scope, persisted);
      this.store.reset(this.clientId, persistSession(restored));
      this.saved = restored;
      this.error = undefined;
      return restored;
    } catch (err) {
      this.error = toStoreError(err);
      return scope;
    }
  }

  /** Writes what changed since the last save. Throws `store-error` when the store cannot. */
  save(scope: SessionScope): void {
    const saved = this.saved;
    if (saved === scope || saved === undefined) return;
    const changes = sessionChanges(saved, scope);
    if (changes.length > 0) this.store.append(this.clientId, changes, () => persistSession(scope));
    this.saved = scope;
  }
}

export function toStoreError(err: unknown): MqttError {
  if (err instanceof MqttError) return err;
  return new MqttError('store-error', `Session store failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}
