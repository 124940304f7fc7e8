/**
 * The database: which dialect the configuration selects, migrations, and
 * transactions. Repositories receive a Database and never look at the
 * dialect beyond its codec and `rowLocks`.
 */
import { join, resolve } from "node:path";
import { type Kysely, Migrator, sql, type Transaction } from "kysely";
import type { Config } from "../config/schema.js";
import { AdminError, Code } from "../errors/admin-error.js";
import type { DialectName, StoreDialect, ValueCodec } from "./dialect.js";
import { migrationProvider } from "./migrations/index.js";
import { openPostgres } from "./postgres/postgres-dialect.js";
import type { Schema } from "./schema.js";
import { openSqlite } from "./sqlite/sqlite-dialect.js";

/** A query runner: the database itself or an open transaction. */
export type Executor = Kysely<Schema>;

/**
 * The open database of one server.
 *
 * @example
 * const db = Database.open(config, dataDir);
 * await db.migrate();
 * const rows = await db.kysely.selectFrom("projects").selectAll().execute();
 */
export class Database {
  readonly #dialect: StoreDialect;
  /** `database.postgres.schema`: created by `migrate` when missing. */
  readonly #pgSchema: string;

  constructor(dialect: StoreDialect, pgSchema = "") {
    this.#dialect = dialect;
    this.#pgSchema = pgSchema;
  }

  /**
   * Opens the database the configuration names: `database.sqlite.file` if set,
   * else PostgreSQL if `database.postgres.host` is set, else the embedded
   * SQLite file in the data dir.
   */
  static open(config: Config, dataDir: string): Database {
    const db = config.database;
    if (db.sqlite.file) return new Database(openSqlite(resolve(db.sqlite.file)));
    if (db.postgres.host) return new Database(openPostgres(db), db.postgres.schema);
    return new Database(openSqlite(join(dataDir, "flyteadmin.db")));
  }

  get kysely(): Kysely<Schema> {
    return this.#dialect.kysely;
  }

  /**
   * Where writes outside a transaction go: with transactions, on their pool
   * (PostgreSQL; see postgres-dialect.ts), so that inserts never queue
   * behind reads on the few connections single statements share.
   */
  get writer(): Kysely<Schema> {
    return this.#dialect.transactions ?? this.#dialect.kysely;
  }

  get dialect(): DialectName {
    return this.#dialect.name;
  }

  get codec(): ValueCodec {
    return this.#dialect.codec;
  }

  /** True where rows must be locked explicitly (`FOR UPDATE`) for read-modify-write. */
  get rowLocks(): boolean {
    return this.#dialect.rowLocks;
  }

  /** Applies pending migrations; returns the names applied. */
  async migrate(): Promise<string[]> {
    if (this.#dialect.name === "postgres") await this.#preparePostgresSchema();
    const migrator = new Migrator({ db: this.kysely, provider: migrationProvider(this.#dialect.types) });
    for (let attempt = 1; ; attempt++) {
      const { error, results } = await migrator.migrateToLatest();
      if (!error) return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
      // Kysely takes no migration lock on SQLite: processes sharing the file (server.workers) may migrate at
      // once. Each runs in one transaction, so the loser's is rolled back whole and a retry finds the schema
      // up to date. PostgreSQL's migrations are serialised by an advisory lock instead.
      if (this.#dialect.name !== "sqlite" || attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }

  /**
   * Creates `database.postgres.schema` if missing; without one, refuses a database that holds Go FlyteAdmin's
   * tables (its gorm `migrations` table and no `kysely_migration`): ours have the same names and cannot share it.
   */
  async #preparePostgresSchema(): Promise<void> {
    if (this.#pgSchema) {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(this.#pgSchema)}`.execute(this.kysely);
      return;
    }
    const { rows } = await sql<{ go: boolean }>`SELECT to_regclass('migrations') IS NOT NULL
      AND to_regclass('projects') IS NOT NULL AND to_regclass('kysely_migration') IS NULL AS go`.execute(this.kysely);
    if (rows[0]?.go) {
      throw new Error(
        "this database holds Go FlyteAdmin's tables, which ours cannot share: set database.postgres.schema " +
          "(e.g. flyteadmin_ts) to keep ours in their own schema of this database, then copy FlyteAdmin's data " +
          "with `flyteadmin import --from postgres://...` (see README, Replacing FlyteAdmin)",
      );
    }
  }

  /** Undoes the last applied migration (`flyteadmin migrate rollback`); returns its name, or undefined if none. */
  async rollback(): Promise<string | undefined> {
    const migrator = new Migrator({ db: this.kysely, provider: migrationProvider(this.#dialect.types) });
    const { error, results } = await migrator.migrateDown();
    if (error) throw error;
    return results?.find((r) => r.status === "Success")?.migrationName;
  }

  /** Runs `fn` in one transaction. */
  transaction<T>(fn: (trx: Transaction<Schema>) => Promise<T>): Promise<T> {
    return this.writer.transaction().execute(fn);
  }

  /**
   * Runs an insert and maps a unique-key violation to FlyteAdmin's
   * ALREADY_EXISTS "value with matching already exists (...)".
   */
  async insertUnique<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (this.#dialect.isUniqueViolation(err)) {
        throw new AdminError(Code.ALREADY_EXISTS, `value with matching already exists (${(err as Error).message})`);
      }
      throw err;
    }
  }

  isUniqueViolation(err: unknown): boolean {
    return this.#dialect.isUniqueViolation(err);
  }

  close(): Promise<void> {
    return this.#dialect.close();
  }
}
