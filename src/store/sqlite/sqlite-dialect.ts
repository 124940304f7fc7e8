/**
 * The embedded database: one SQLite file through better-sqlite3, WAL mode,
 * foreign keys on. Kysely's SQLite driver holds a single connection behind a
 * mutex, so transactions are serialised: the row-level locking PostgreSQL
 * needs (`FOR UPDATE`) is implicit here.
 */
import { accessSync, constants, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, type SqliteDatabase } from "kysely";
import type { StoreDialect, ValueCodec } from "../dialect.js";
import type { DbTime, Schema } from "../schema.js";
import { BUSY_SYNC_WAIT_MS, BusyRetryingSqliteDialect } from "./sqlite-busy-retry.js";

const codec: ValueCodec = {
  time: (micros) => micros,
  micros: (value: DbTime) => Number(value),
  bytes: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)),
};

/**
 * Opens (creating if needed) a SQLite database file.
 *
 * @example
 * const store = openSqlite("/var/lib/flyteadmin/flyteadmin.db");
 */
export function openSqlite(file: string): StoreDialect {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const database = openFile(file);
  database.pragma("synchronous = NORMAL");
  database.pragma("foreign_keys = ON");
  database.pragma(`busy_timeout = ${BUSY_SYNC_WAIT_MS}`);
  // FlyteAdmin's `contains` filter is PostgreSQL LIKE: case-sensitive.
  database.pragma("case_sensitive_like = ON");
  const kysely = new Kysely<Schema>({
    dialect: new BusyRetryingSqliteDialect({ database: withStatementCache(database) }),
  });
  return {
    name: "sqlite",
    kysely,
    types: { id: "integer", bigint: "integer", timestamp: "integer", bytes: "blob" },
    codec,
    rowLocks: false,
    isUniqueViolation: (err) => {
      const code = (err as { code?: unknown })?.code;
      return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
    },
    close: () => kysely.destroy(),
  };
}

/**
 * Opens the file in WAL mode. SQLite's own message for a file it cannot
 * write ("unable to open database file") names neither the file nor the
 * cause; say both.
 */
function openFile(file: string): SQLite.Database {
  let database: SQLite.Database | undefined;
  try {
    database = new SQLite(file);
    database.pragma("journal_mode = WAL");
    return database;
  } catch (err) {
    database?.close();
    const code = (err as { code?: string }).code ?? "";
    const readOnly = file !== ":memory:" && !writable(dirname(file));
    const hint = readOnly
      ? ": its directory is read-only (the database, its WAL and its -shm file must be writable)"
      : "";
    throw new Error(`cannot open the SQLite database ${file}: ${(err as Error).message} (${code})${hint}`, {
      cause: err,
    });
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** How many prepared statements are kept; the hot paths use a few dozen distinct SQL texts. */
const STATEMENT_CACHE_SIZE = 512;

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs about as
 * much as running a small query. Statements are reusable (the driver runs
 * one query at a time on its single connection), so keep them by SQL text.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  const rollback = database.prepare("rollback");
  // SQLite rolls a transaction back by itself on some errors (SQLITE_FULL,
  // SQLITE_IOERR, SQLITE_NOMEM): Kysely's ROLLBACK after them would fail with
  // "no transaction is active" and hide the error that matters.
  const rollbackIfActive = {
    reader: false,
    all: () => [],
    iterate: () => [][Symbol.iterator](),
    run: () => (database.inTransaction ? rollback.run() : { changes: 0, lastInsertRowid: 0 }),
  };
  return {
    close: () => database.close(),
    prepare(sql: string) {
      if (sql === "rollback") return rollbackIfActive;
      let stmt = statements.get(sql);
      if (stmt === undefined) {
        stmt = database.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statements.set(sql, stmt);
      }
      return stmt;
    },
  };
}
