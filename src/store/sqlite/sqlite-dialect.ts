/**
 * The embedded database: one SQLite file through better-sqlite3, WAL mode,
 * foreign keys on. Kysely's SQLite driver holds a single connection behind a
 * mutex, so transactions are serialised: the row-level locking PostgreSQL
 * needs (`FOR UPDATE`) is implicit here.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, type SqliteDatabase, SqliteDialect } from "kysely";
import type { StoreDialect, ValueCodec } from "../dialect.js";
import type { DbTime, Schema } from "../schema.js";

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
  const database = new SQLite(file);
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("foreign_keys = ON");
  database.pragma("busy_timeout = 5000");
  // FlyteAdmin's `contains` filter is PostgreSQL LIKE: case-sensitive.
  database.pragma("case_sensitive_like = ON");
  const kysely = new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
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

/** How many prepared statements are kept; the hot paths use a few dozen distinct SQL texts. */
const STATEMENT_CACHE_SIZE = 512;

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs about as
 * much as running a small query. Statements are reusable (the driver runs
 * one query at a time on its single connection), so keep them by SQL text.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
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
