/**
 * Where an import stands, per source and table, kept in the target database
 * (`flyteadmin_import_checkpoints`, created by the importer itself: it
 * belongs to the import, not to the server's schema): the last source id of
 * an unfinished pass, that pass's `since` filter and start time, and the
 * start time of the last finished pass (the next pass reads rows updated
 * since then). Times are the source's clock, kept as its text.
 */
import { type Kysely, sql } from "kysely";
import type { Database } from "../store/database.js";
import type { Schema } from "../store/schema.js";

const TABLE = "flyteadmin_import_checkpoints";

export interface PassState {
  lastId: number;
  /** Rows updated at or after this (ISO text) are read; undefined reads every row. */
  since: string | undefined;
  /** Start of the unfinished pass; undefined when no pass is under way. */
  started: string | undefined;
  /** Start of the last finished pass. */
  completed: string | undefined;
}

interface Row {
  last_id: number | string;
  since: string | null;
  started: string | null;
  completed: string | null;
}

/** Checkpoints of one source. */
export class CheckpointStore {
  readonly #db: Database;
  readonly #source: string;

  constructor(db: Database, source: string) {
    this.#db = db;
    this.#source = source;
  }

  async ensure(): Promise<void> {
    await this.#db.kysely.schema
      .createTable(TABLE)
      .ifNotExists()
      .addColumn("source", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("last_id", "bigint", (c) => c.notNull().defaultTo(0))
      .addColumn("since", "text")
      .addColumn("started", "text")
      .addColumn("completed", "text")
      .addPrimaryKeyConstraint(`${TABLE}_pkey`, ["source", "name"])
      .execute();
  }

  async load(name: string): Promise<PassState> {
    const { rows } = await sql<Row>`SELECT last_id, since, started, completed FROM ${sql.table(TABLE)}
      WHERE source = ${this.#source} AND name = ${name}`.execute(this.#db.kysely);
    const r = rows[0];
    return {
      lastId: r ? Number(r.last_id) : 0,
      since: r?.since ?? undefined,
      started: r?.started ?? undefined,
      completed: r?.completed ?? undefined,
    };
  }

  async save(ex: Kysely<Schema>, name: string, s: PassState): Promise<void> {
    await sql`INSERT INTO ${sql.table(TABLE)} (source, name, last_id, since, started, completed)
      VALUES (${this.#source}, ${name}, ${s.lastId}, ${s.since ?? null}, ${s.started ?? null}, ${s.completed ?? null})
      ON CONFLICT (source, name) DO UPDATE SET last_id = excluded.last_id, since = excluded.since,
        started = excluded.started, completed = excluded.completed`.execute(ex);
  }
}
