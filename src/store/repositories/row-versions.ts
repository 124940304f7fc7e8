/**
 * Row versions on PostgreSQL: `xmin` is the transaction that wrote a row as
 * it now is, so every committed change gives the row a new one; with the
 * row's `updated_at` it names one state of the row. Reads that find their
 * answer kept for that version skip the row's large columns (an execution's
 * closure and spec, a launch plan's): most of its bytes on the wire and of
 * the driver's parsing. SQLite has no such column; its callers compare
 * whole rows instead (managers/row-answers.ts).
 */
import { type Kysely, type RawBuilder, type SelectQueryBuilder, sql } from "kysely";
import type { Database } from "../database.js";
import { pageText, pageValues } from "../list/page-text.js";
import { PreparedQuery } from "../prepared-query.js";
import type { Schema } from "../schema.js";
import { inKeyOrder, type Together, together } from "../together.js";

/** Tables read by version. */
export type VersionedRowTable = "executions" | "launch_plans" | "projects";

/** A row of a page, as its id and version. */
export interface RowVersion {
  readonly id: number;
  readonly version: string;
}

/** A page read as ids and row versions, and the text it was read as (the same text: the same rows, unchanged). */
export interface RowPage {
  readonly rows: readonly RowVersion[];
  readonly text: string;
}

/** A row with its version. */
export type Versioned<R> = R & { readonly row_version: string };

/** `<table>.xmin::text || ' ' || <table>.updated_at::text` */
function versionOfRow(table: VersionedRowTable): RawBuilder<string> {
  return sql<string>`${sql.ref(`${table}.xmin`)}::text || ' ' || ${sql.ref(`${table}.updated_at`)}::text`;
}

/** `<table>.xmin::text || ' ' || <table>.updated_at::text AS row_version` */
export function rowVersion(table: VersionedRowTable) {
  return versionOfRow(table).as("row_version");
}

/** Whether this database has row versions (PostgreSQL). */
export function hasRowVersions(db: Database): boolean {
  return db.dialect === "postgres";
}

/**
 * A page's ids and row versions, in the page's order (`page`: its filtered,
 * ordered query, columns not yet chosen), read as one value (pageText:
 * versions hold no comma); undefined where the database has no row
 * versions (SQLite: its callers read whole rows).
 */
export async function pageVersions(
  db: Database,
  table: VersionedRowTable,
  page: SelectQueryBuilder<Schema, "executions", object>,
): Promise<RowPage | undefined> {
  if (!hasRowVersions(db)) return undefined;
  const text = await pageText(db, page, sql<string>`${sql.ref(`${table}.id`)}::text || ' ' || ${versionOfRow(table)}`);
  const rows = pageValues(text).map((entry) => {
    const space = entry.indexOf(" ");
    return { id: Number(entry.slice(0, space)), version: entry.slice(space + 1) };
  });
  return { rows, text };
}

/** Whole rows by id, each with its version, in no particular order (the rows a page's versions did not match). */
export async function versionedRowsByIds<R>(
  db: Database,
  table: VersionedRowTable,
  ids: readonly number[],
): Promise<Versioned<R>[]> {
  if (ids.length === 0) return [];
  const rows = await db.kysely
    .selectFrom(table as "executions")
    .selectAll(table as "executions")
    .select(rowVersion(table))
    .where(sql.ref(`${table}.id`), "in", [...ids])
    .execute();
  return rows as unknown as Versioned<R>[];
}

/**
 * A row by its key columns, with its version, or its version alone.
 *
 * Version reads that arrive together share one statement (together.ts):
 * the keys go in as arrays and come back joined to their rows. What is saved
 * is a round trip per read, most of the cost of an unchanged row's
 * GetExecution or GetLaunchPlan for PostgreSQL and for the driver.
 *
 * @example
 * const reads = new RowVersionReads<ExecutionRow>(db, "executions", { project: "execution_project", ... });
 * const version = await reads.versionOf({ project: "p", domain: "d", name: "n" });
 */
export class RowVersionReads<R> {
  readonly #db: Database;
  readonly #names: readonly string[];
  readonly #version: PreparedQuery<{ row_version: string }>;
  readonly #versions: PreparedQuery<{ key_index: string; row_version: string }>;
  readonly #row: PreparedQuery<Versioned<R>>;
  readonly #together: Together<readonly unknown[], string>;

  /** `key`: argument name → column (text columns), e.g. `{ project: "execution_project" }`. */
  constructor(db: Database, table: VersionedRowTable, key: Readonly<Record<string, string>>) {
    this.#db = db;
    const columns = Object.entries(key);
    this.#names = columns.map(([name]) => name);
    const keyed = (db: Kysely<Schema>, arg: (name: string) => unknown) => {
      let q = db.selectFrom(table as "executions") as SelectQueryBuilder<Schema, "executions", object>;
      for (const [name, column] of columns) q = q.where(sql.ref(`${table}.${column}`), "=", arg(name));
      return q;
    };
    this.#version = new PreparedQuery((db, arg) => keyed(db, arg).select(rowVersion(table)) as never);
    this.#versions = new PreparedQuery((db, arg) => {
      const k = (i: number) => sql.ref(`k.c${i}`);
      const query = sql<{
        key_index: string;
        row_version: string;
      }>`select k.i as key_index, ${versionOfRow(table)} as row_version from unnest(${sql.join(
        columns.map(([name]) => sql`${arg(name)}::text[]`),
      )}) with ordinality as k(${sql.join(columns.map((_, i) => sql.id(`c${i}`)))}, i) join ${sql.table(table)} on ${sql.join(
        columns.map(([, column], i) => sql`${sql.ref(`${table}.${column}`)} = ${k(i)}`),
        sql` and `,
      )}`;
      return { compile: () => query.compile(db) };
    });
    this.#row = new PreparedQuery(
      (db, arg) =>
        keyed(db, arg)
          .selectAll(table as "executions")
          .select(rowVersion(table)) as never,
    );
    this.#together = together(
      (keys) => this.#versionsOf(keys),
      async (key) =>
        (await this.#version.first(this.#db.kysely, Object.fromEntries(this.#names.map((name, i) => [name, key[i]]))))
          ?.row_version,
    );
  }

  /** Whether this database has row versions (PostgreSQL). */
  get enabled(): boolean {
    return hasRowVersions(this.#db);
  }

  /** The version of the row with this key, undefined when there is none. */
  versionOf(key: Readonly<Record<string, unknown>>): Promise<string | undefined> {
    return this.#together.load(this.#names.map((name) => key[name]));
  }

  /** The row with this key and its version. */
  rowOf(key: Readonly<Record<string, unknown>>): Promise<Versioned<R> | undefined> {
    return this.#row.first(this.#db.kysely, key);
  }

  /** The versions of the rows these keys name (in their order): one statement for all. */
  async #versionsOf(keys: readonly (readonly unknown[])[]): Promise<(string | undefined)[]> {
    const args = Object.fromEntries(this.#names.map((name, i) => [name, keys.map((k) => k[i])]));
    return inKeyOrder(keys.length, await this.#versions.execute(this.#db.kysely, args)).map((r) => r?.row_version);
  }
}
