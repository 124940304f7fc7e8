/**
 * Queries shared by the three versioned entity tables (`tasks`, `workflows`,
 * `launch_plans`): get by key, scoped lists with filters, sort and page, and
 * the distinct names of a project and domain (ListIds).
 */
import {
  type Expression,
  type QueryCreator,
  type Selectable,
  type SelectQueryBuilder,
  type SqlBool,
  sql,
} from "kysely";
import { LruCache } from "../../common/lru-cache.js";
import type { Database, Executor } from "../database.js";
import type { EntityCode } from "../list/entities.js";
import { allFiltersSql, type ColumnResolver, tableColumn } from "../list/filter-sql.js";
import type { Filter } from "../list/filters.js";
import { pageText, pageValues } from "../list/page-text.js";
import type { SortOrder } from "../list/paging.js";
import { PreparedQuery } from "../prepared-query.js";
import type { Schema } from "../schema.js";

/** A versioned entity table. */
export type VersionedTable = "tasks" | "workflows" | "launch_plans";

/** The row key of a versioned entity. */
export interface VersionKey {
  readonly project: string;
  readonly domain: string;
  readonly name: string;
  readonly version: string;
}

/** A distinct name of a project and domain. */
export interface NameKey {
  readonly project: string;
  readonly domain: string;
  readonly name: string;
}

/** One page of a list: validated filters, an optional sort, limit and offset. */
export interface ListPage {
  readonly filters: readonly Filter[];
  readonly sort?: SortOrder | undefined;
  readonly limit: number;
  readonly offset: number;
}

/** The implicit `project = ? AND domain = ? [AND name = ?]` filters FlyteAdmin puts before the request's own. */
export function scopeFilters(entity: EntityCode, project: string, domain: string, name = ""): Filter[] {
  const eq = (column: string, value: string): Filter => ({ fn: "eq", entity, column, values: [value] });
  const out = [eq("project", project), eq("domain", domain)];
  if (name !== "") out.push(eq("name", name));
  return out;
}

/** A version key as one string (a cache key). */
export function versionKeyText(key: VersionKey): string {
  return `${key.project}\u0000${key.domain}\u0000${key.name}\u0000${key.version}`;
}

/** `WHERE project = ? AND domain = ? AND name = ? AND version = ?` on a table's own columns. */
export function keyCondition(table: VersionedTable, key: VersionKey): Expression<SqlBool> {
  return sql<SqlBool>`${sql.ref(`${table}.project`)} = ${key.project} AND ${sql.ref(`${table}.domain`)} = ${key.domain} AND ${sql.ref(`${table}.name`)} = ${key.name} AND ${sql.ref(`${table}.version`)} = ${key.version}`;
}

/**
 * Runs inserts in one transaction; `false` instead of an error when a unique
 * key is taken, so the caller can compare with the row that holds it.
 */
export async function insertOnce(db: Database, inserts: (trx: Executor) => Promise<void>): Promise<boolean> {
  try {
    await db.transaction(inserts);
    return true;
  } catch (err) {
    if (db.isUniqueViolation(err)) return false;
    throw err;
  }
}

/** One row to insert into a table (columns left undefined are not written). */
export interface RowInsert {
  readonly table: keyof Schema & string;
  readonly row: Readonly<Record<string, unknown>>;
}

/** The statements of insertAllOnce, per database (its dialect's SQL), one per tables and columns, compiled once. */
const insertStatements = new WeakMap<Database, Map<string, PreparedQuery<unknown>>>();

/**
 * Inserts all rows or none, as one statement where it can: a single INSERT
 * alone, or on PostgreSQL the first ones as data-modifying WITH clauses of the
 * last (one round trip instead of BEGIN, one per INSERT and COMMIT; a unique
 * violation in any of them writes nothing). SQLite, where a statement costs
 * no round trip, runs them in a transaction. `false` when a unique key is
 * taken. The statement is built and compiled once per tables and columns
 * (Kysely's build of a task's two-row insert cost a tenth of CreateTask's CPU).
 *
 * @example
 * await insertAllOnce(db, [{ table: "tasks", row }, { table: "description_entities", row: d }]);
 */
export async function insertAllOnce(db: Database, inserts: readonly RowInsert[]): Promise<boolean> {
  if (inserts.length === 0) return true;
  const written = inserts.map(({ table, row }) => ({
    table,
    columns: Object.keys(row).filter((c) => row[c] !== undefined),
    row,
  }));
  if (written.length > 1 && db.dialect !== "postgres") {
    return insertOnce(db, async (trx) => {
      for (const { table, columns, row } of written)
        await insertStatement(db, [{ table, columns }]).execute(trx, named(0, columns, row));
    });
  }
  const args: Record<string, unknown> = {};
  written.forEach(({ columns, row }, i) => {
    Object.assign(args, named(i, columns, row));
  });
  try {
    await insertStatement(db, written).execute(db.writer, args);
    return true;
  } catch (err) {
    if (db.isUniqueViolation(err)) return false;
    throw err;
  }
}

/** The `i`th row's values under its statement's argument names. */
function named(i: number, columns: readonly string[], row: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(columns.map((c) => [`${i}.${c}`, row[c]]));
}

/** The statement inserting these tables' rows, the first ones in WITH clauses of the last. */
function insertStatement(
  db: Database,
  inserts: readonly { table: string; columns: readonly string[] }[],
): PreparedQuery<unknown> {
  let statements = insertStatements.get(db);
  if (statements === undefined) {
    statements = new Map();
    insertStatements.set(db, statements);
  }
  const key = inserts.map((i) => `${i.table}(${i.columns.join(",")})`).join(";");
  let statement = statements.get(key);
  if (statement === undefined) {
    statement = new PreparedQuery((kysely, arg) => {
      const values = (i: number) =>
        Object.fromEntries((inserts[i]?.columns ?? []).map((c) => [c, arg(`${i}.${c}`)])) as never;
      let qc = kysely as QueryCreator<Schema>;
      inserts.slice(0, -1).forEach((insert, i) => {
        qc = qc.with(`insert_${i}`, ((q: QueryCreator<Schema>) =>
          q.insertInto(insert.table as "tasks").values(values(i))) as never) as unknown as QueryCreator<Schema>;
      });
      const last = inserts.length - 1;
      return qc.insertInto(inserts[last]?.table as "tasks").values(values(last)) as never;
    });
    statements.set(key, statement);
  }
  return statement;
}

/**
 * Applies the filters (already resolved against `table` and any joined
 * table), the sort (id order when none is asked for, so pages are stable)
 * and the page.
 */
export function pageOf<DB, TB extends keyof DB, O>(
  db: Database,
  query: SelectQueryBuilder<DB, TB, O>,
  table: string,
  page: ListPage,
  resolve: ColumnResolver = tableColumn,
): SelectQueryBuilder<DB, TB, O> {
  let q = query;
  const where = allFiltersSql(page.filters, resolve, db.codec);
  if (where) q = q.where(where);
  q = page.sort
    ? q.orderBy(sql.ref(`${table}.${page.sort.column}`), page.sort.direction)
    : q.orderBy(sql.ref(`${table}.id`), "asc");
  return q.limit(page.limit).offset(page.offset);
}

/**
 * Distinct (project, domain, name), scoped by project and domain where they
 * are given, ordered by the sort key (project, domain or name) or by name.
 */
export async function listNames(
  db: Database,
  table: VersionedTable,
  project: string,
  domain: string,
  page: Omit<ListPage, "filters">,
): Promise<NameKey[]> {
  let q = db.kysely.selectFrom(table as "tasks").select(["project", "domain", "name"]);
  if (project !== "") q = q.where("project", "=", project);
  if (domain !== "") q = q.where("domain", "=", domain);
  q = q.groupBy(["project", "domain", "name"]);
  q = page.sort
    ? q.orderBy(sql.ref(page.sort.column), page.sort.direction)
    : q.orderBy("project").orderBy("domain").orderBy("name");
  return q.limit(page.limit).offset(page.offset).execute();
}

/**
 * What every versioned entity table answers the same way: a row by key, a
 * page of rows, and the distinct names of a project.
 *
 * @example
 * class TaskRepository extends VersionedEntityRepository<"tasks"> { ... }
 */
export abstract class VersionedEntityRepository<T extends VersionedTable> {
  protected readonly db: Database;
  readonly #table: T;
  readonly #rows: LruCache<string, Selectable<Schema[T]>> | undefined;
  /** With the row cache: which version key a row id has (a page is read as ids). */
  readonly #keyOfId: LruCache<number, string> | undefined;
  /** The read by key, compiled once (every Get, and every registration that references a version). */
  readonly #byKey: PreparedQuery<Selectable<Schema[T]>>;

  /**
   * `immutableRows`: the table's rows never change once written (tasks and
   * workflows: a version is registered once, and nothing updates or deletes
   * it), so `get` keeps the rows it read in a bounded cache of this many
   * bytes (see config/cache-budget.ts). That is correct with any number of replicas on one database: a row
   * a replica has read is committed and final; a key not found is never
   * cached. Tables with mutable columns (launch plans: their state) pass 0.
   */
  protected constructor(db: Database, table: T, immutableRows = 0) {
    this.db = db;
    this.#table = table;
    this.#byKey = new PreparedQuery(
      (kysely, arg) =>
        kysely
          .selectFrom(table as "tasks")
          .selectAll()
          .where("project", "=", arg<string>("project"))
          .where("domain", "=", arg<string>("domain"))
          .where("name", "=", arg<string>("name"))
          .where("version", "=", arg<string>("version")) as never,
    );
    this.#rows =
      immutableRows > 0
        ? new LruCache<string, Selectable<Schema[T]>>({ maxWeight: immutableRows, weigh: rowWeight })
        : undefined;
    // Entries of about 100 bytes against rows of kilobytes: a sixteenth of the rows' budget holds more ids than rows.
    this.#keyOfId =
      immutableRows > 0
        ? new LruCache<number, string>({ maxWeight: immutableRows / 16, weigh: (k) => 64 + 2 * k.length })
        : undefined;
  }

  /** Keeps an immutable row under its version key, and its id's key. */
  #keep(cacheKey: string, row: Selectable<Schema[T]>): Selectable<Schema[T]> {
    const frozen = Object.freeze(row) as Selectable<Schema[T]>;
    this.#rows?.set(cacheKey, frozen);
    this.#keyOfId?.set((row as { id: number }).id, cacheKey);
    return frozen;
  }

  async get(key: VersionKey): Promise<Selectable<Schema[T]> | undefined> {
    const cacheKey = this.#rows && versionKeyText(key);
    if (cacheKey !== undefined) {
      const hit = this.#rows?.get(cacheKey);
      if (hit !== undefined) return hit;
    }
    const row = await this.byKey(this.db.kysely, key);
    return row !== undefined && cacheKey !== undefined ? this.#keep(cacheKey, row) : row;
  }

  /** The row with this key, read now (on `ex`: the database, or a transaction). */
  protected byKey(ex: Executor, key: VersionKey): Promise<Selectable<Schema[T]> | undefined> {
    const { project, domain, name, version } = key;
    return this.#byKey.first(ex, { project, domain, name, version });
  }

  /**
   * PostgreSQL with the row cache: the page's ids as one text value
   * (list/page-text.ts), for rowsOf; undefined elsewhere. Rows never change
   * once written, so the same text is the same rows.
   */
  async pageIds(page: ListPage): Promise<string | undefined> {
    if (this.#rows === undefined || this.db.dialect !== "postgres") return undefined;
    const table = this.#table as "tasks";
    const query = pageOf(this.db, this.db.kysely.selectFrom(table), table, page);
    return pageText(this.db, query, sql<string>`${sql.ref(`${table}.id`)}::text`);
  }

  /**
   * A page of rows; the filters are resolved against this table only. With
   * the row cache, the page is read as ids (on PostgreSQL as one value, see
   * pageIds), and only rows not in memory are read whole (a task's or workflow's closure is most of its row).
   */
  async list(page: ListPage): Promise<Selectable<Schema[T]>[]> {
    const ids = await this.pageIds(page);
    if (ids !== undefined) return this.rowsOf(ids);
    const table = this.#table as "tasks";
    if (this.#rows === undefined) {
      return (await pageOf(this.db, this.db.kysely.selectFrom(table).selectAll(), table, page).execute()) as Selectable<
        Schema[T]
      >[];
    }
    const query = pageOf(this.db, this.db.kysely.selectFrom(table), table, page);
    return this.#rowsOfIds((await query.select("id").execute()).map((r) => r.id));
  }

  /** The rows of a page pageIds read, in its order. */
  rowsOf(pageIds: string): Promise<Selectable<Schema[T]>[]> {
    return this.#rowsOfIds(pageValues(pageIds).map(Number));
  }

  /** Rows by id in the ids' order: from memory, the others read whole. */
  async #rowsOfIds(ids: readonly number[]): Promise<Selectable<Schema[T]>[]> {
    const table = this.#table as "tasks";
    const rows = ids.map((id) => {
      const key = this.#keyOfId?.get(id);
      return key === undefined ? undefined : this.#rows?.get(key);
    });
    const missing = ids.filter((_, i) => rows[i] === undefined);
    if (missing.length > 0) {
      const read = await this.db.kysely.selectFrom(table).selectAll().where("id", "in", missing).execute();
      const byId = new Map(read.map((r) => [r.id, r as Selectable<Schema[T]>]));
      ids.forEach((id, i) => {
        const row = byId.get(id);
        if (rows[i] === undefined && row !== undefined) rows[i] = this.#keep(versionKeyText(row as VersionKey), row);
      });
    }
    // A row gone between the two reads (never, for rows nothing deletes) is left out.
    return rows.filter((r): r is Selectable<Schema[T]> => r !== undefined);
  }

  /** Distinct names of a project, in one domain or (domain "") in all. */
  async listNames(project: string, domain: string, page: Omit<ListPage, "filters">): Promise<NameKey[]> {
    return listNames(this.db, this.#table, project, domain, page);
  }
}

/** Approximate bytes a row holds: its byte columns and strings, plus a fixed overhead per row. */
export function rowWeight(row: object): number {
  let n = 256;
  for (const v of Object.values(row)) {
    if (v instanceof Uint8Array) n += v.byteLength;
    else if (typeof v === "string") n += v.length * 2;
    else n += 8;
  }
  return n;
}
