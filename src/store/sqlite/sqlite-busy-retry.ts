/**
 * Waiting for a SQLite file another process has locked, without stalling the
 * server. better-sqlite3 is synchronous: with SQLite's own busy timeout every
 * write to a locked file would freeze the event loop (health checks, gRPC,
 * every other call) for the whole wait. Instead the synchronous wait is a few
 * milliseconds and the statement is retried after an asynchronous pause,
 * for as long as the busy timeout used to allow; then the call fails
 * (SQLITE_BUSY, answered UNAVAILABLE).
 */
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteDialect,
  type TransactionSettings,
} from "kysely";

/** How long SQLite itself may block the thread on a lock, per attempt (the `busy_timeout` pragma). */
export const BUSY_SYNC_WAIT_MS = 5;
/** How long a statement keeps retrying a locked database in all. */
const BUSY_WAIT_MS = 5000;

/**
 * Kysely's SQLite dialect with asynchronous retries of statements that find
 * the database locked (plain SQLITE_BUSY; SQLITE_BUSY_SNAPSHOT cannot succeed
 * by waiting and fails at once).
 *
 * @example
 * const kysely = new Kysely<Schema>({ dialect: new BusyRetryingSqliteDialect({ database }) });
 */
export class BusyRetryingSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    return new BusyRetryingDriver(super.createDriver());
  }
}

class BusyRetryingDriver implements Driver {
  readonly #inner: Driver;
  readonly #wrappers = new WeakMap<DatabaseConnection, RetryingConnection>();

  constructor(inner: Driver) {
    this.#inner = inner;
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.#inner.acquireConnection();
    let wrapper = this.#wrappers.get(connection);
    if (!wrapper) {
      wrapper = new RetryingConnection(connection);
      this.#wrappers.set(connection, wrapper);
    }
    return wrapper;
  }

  // The inner driver runs BEGIN / COMMIT / ROLLBACK through the connection it is given: the retrying one.
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(connection);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(connection instanceof RetryingConnection ? connection.inner : connection);
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
}

class RetryingConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection;

  constructor(inner: DatabaseConnection) {
    this.inner = inner;
  }

  // Kysely's SQLite connection runs the statement synchronously and throws
  // synchronously: the usual, unlocked case costs no extra promise here.
  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return this.inner.executeQuery<R>(query);
    } catch (err) {
      return isBusy(err) ? this.#retry<R>(query) : Promise.reject(err);
    }
  }

  async #retry<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const deadline = Date.now() + BUSY_WAIT_MS;
    for (let pause = 2; ; pause = Math.min(pause * 2, 100)) {
      await new Promise((r) => setTimeout(r, pause));
      try {
        return await this.inner.executeQuery<R>(query);
      } catch (err) {
        if (!isBusy(err) || Date.now() + pause > deadline) throw err;
      }
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

function isBusy(err: unknown): boolean {
  return (err as { code?: unknown })?.code === "SQLITE_BUSY";
}
