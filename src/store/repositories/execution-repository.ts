/**
 * The `executions` table (and `execution_tags`, written with it): create with
 * an optional launch plan concurrency guard, get by key or id, a locking get
 * for read-modify-write, column updates, and the filtered list.
 */
import { type Insertable, type SelectQueryBuilder, type SqlBool, sql, type Updateable } from "kysely";
import { nowMicros } from "../../common/time.js";
import type { Database, Executor } from "../database.js";
import { insertWithWrites } from "../insert-with-writes.js";
import type { EntityCode } from "../list/entities.js";
import { allFiltersSql, type ColumnResolver, tableColumn } from "../list/filter-sql.js";
import type { Filter } from "../list/filters.js";
import type { SortOrder } from "../list/paging.js";
import { PreparedQuery } from "../prepared-query.js";
import type { ExecutionsTable, ExecutionTagsTable, Schema } from "../schema.js";
import type { ExecutionKey, ExecutionRow } from "./execution-mapper.js";
import { pageVersions, type RowPage, RowVersionReads, type Versioned, versionedRowsByIds } from "./row-versions.js";

/** A launch plan name: concurrency limits span every version. */
export interface LaunchPlanName {
  readonly project: string;
  readonly domain: string;
  readonly name: string;
}

/**
 * A check that runs inside the insert transaction, after the launch plan
 * name is locked and its active executions counted; `admit` throws to refuse.
 */
export interface ConcurrencyGuard {
  readonly launchPlan: LaunchPlanName;
  /** Phases (column values) that count as active. */
  readonly activePhases: readonly string[];
  admit(activeCount: number): void;
}

export interface ExecutionListQuery {
  readonly filters: readonly Filter[];
  readonly sort?: SortOrder | undefined;
  readonly limit: number;
  readonly offset: number;
}

/** Advisory lock class of launch plan concurrency (the two-int key space, apart from single-bigint locks). */
const CONCURRENCY_LOCK_CLASS = 0x4c50; // "LP"

/**
 * Stores executions.
 *
 * @example
 * const repo = new ExecutionRepository(db);
 * const id = await repo.create(newExecutionColumns(x, db.codec), tags);
 * await db.transaction(async (trx) => {
 *   const row = await repo.getForUpdate(trx, { project: "p", domain: "d", name: "n" });
 *   if (row) await repo.update(trx, row.id, { phase: "RUNNING" });
 * });
 */
export class ExecutionRepository {
  readonly #db: Database;
  /** The read by key, compiled once (GetExecution, events, relaunches). */
  readonly #byKey = new PreparedQuery((db, arg) =>
    db
      .selectFrom("executions")
      .selectAll()
      .where("execution_project", "=", arg<string>("project"))
      .where("execution_domain", "=", arg<string>("domain"))
      .where("execution_name", "=", arg<string>("name")),
  );

  /** PostgreSQL: a row's version alone, or the row with its version, by key (GetExecution). */
  readonly versions: RowVersionReads<ExecutionRow>;

  constructor(db: Database) {
    this.#db = db;
    this.versions = new RowVersionReads(db, "executions", {
      project: "execution_project",
      domain: "execution_domain",
      name: "execution_name",
    });
  }

  /**
   * Inserts the execution and its tag rows in one transaction and returns its
   * id. ALREADY_EXISTS when the key is taken (nothing is written then). With
   * a guard, the launch plan name is locked first (PostgreSQL advisory lock;
   * SQLite serialises writers) so that count and insert are atomic. `writes`
   * (the inputs) are written only for a key no row holds, and before the row
   * commits: a crash never leaves an execution without its inputs (see
   * store/insert-with-writes.ts for where each database runs them).
   */
  async create(
    row: Insertable<ExecutionsTable>,
    tags: readonly Insertable<ExecutionTagsTable>[],
    guard?: ConcurrencyGuard,
    writes: () => Promise<unknown> = async () => undefined,
  ): Promise<number> {
    const key = {
      project: row.execution_project ?? "",
      domain: row.execution_domain ?? "",
      name: row.execution_name ?? "",
    };
    return insertWithWrites(this.#db, {
      key: `executions\u0000${key.project}\u0000${key.domain}\u0000${key.name}`,
      taken: async () => (await this.get(key)) !== undefined,
      writes,
      insert: (writesBeforeCommit) =>
        this.#db.insertUnique(() =>
          this.#db.transaction(async (trx) => {
            if (guard) guard.admit(await this.#lockAndCount(trx, guard));
            const inserted = await trx.insertInto("executions").values(row).returning("id").executeTakeFirstOrThrow();
            if (tags.length > 0)
              await trx
                .insertInto("execution_tags")
                .values([...tags])
                .execute();
            await writesBeforeCommit();
            return Number(inserted.id);
          }),
        ),
    });
  }

  /**
   * Inserts many rows in one transaction, without checks (bulk loads such as
   * benchmark seeding and imports).
   */
  async insertMany(rows: readonly Insertable<ExecutionsTable>[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#db.transaction(async (trx) => {
      await trx
        .insertInto("executions")
        .values([...rows])
        .execute();
    });
  }

  async #lockAndCount(trx: Executor, guard: ConcurrencyGuard): Promise<number> {
    const lp = guard.launchPlan;
    if (this.#db.dialect === "postgres") {
      const key = JSON.stringify([lp.project, lp.domain, lp.name]);
      await sql`SELECT pg_advisory_xact_lock(${CONCURRENCY_LOCK_CLASS}, hashtext(${key}))`.execute(trx);
    }
    const res = await trx
      .selectFrom("executions")
      .innerJoin("launch_plans", "launch_plans.id", "executions.launch_plan_id")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("launch_plans.project", "=", lp.project)
      .where("launch_plans.domain", "=", lp.domain)
      .where("launch_plans.name", "=", lp.name)
      .where("executions.execution_project", "=", lp.project)
      .where("executions.execution_domain", "=", lp.domain)
      .where("executions.phase", "in", [...guard.activePhases])
      .executeTakeFirstOrThrow();
    return Number(res.n);
  }

  async get(key: ExecutionKey, ex: Executor = this.#db.kysely): Promise<ExecutionRow | undefined> {
    return this.#byKey.first(ex, { project: key.project, domain: key.domain, name: key.name });
  }

  async getById(id: number, ex: Executor = this.#db.kysely): Promise<ExecutionRow | undefined> {
    return ex.selectFrom("executions").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /**
   * The row, locked until `trx` ends (`FOR UPDATE` on PostgreSQL; SQLite's
   * single writer already excludes concurrent read-modify-writes).
   */
  async getForUpdate(trx: Executor, key: ExecutionKey): Promise<ExecutionRow | undefined> {
    let q = trx
      .selectFrom("executions")
      .selectAll()
      .where("execution_project", "=", key.project)
      .where("execution_domain", "=", key.domain)
      .where("execution_name", "=", key.name);
    if (this.#db.rowLocks) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  /** Writes the given columns; `updated_at` is bumped unless given. */
  async update(ex: Executor, id: number, changes: Updateable<ExecutionsTable>): Promise<void> {
    const set: Updateable<ExecutionsTable> = { updated_at: this.#db.codec.time(nowMicros()), ...changes };
    await ex.updateTable("executions").set(set).where("id", "=", id).execute();
  }

  /** Removes an execution and its tags (a reservation whose launch failed). */
  async delete(id: number): Promise<void> {
    await this.#db.transaction(async (trx) => {
      const row = await this.getById(id, trx);
      if (!row) return;
      await trx
        .deleteFrom("execution_tags")
        .where("execution_project", "=", row.execution_project)
        .where("execution_domain", "=", row.execution_domain)
        .where("execution_name", "=", row.execution_name)
        .execute();
      await trx.deleteFrom("executions").where("id", "=", id).execute();
    });
  }

  /** The tag rows of an execution, as (key, value) pairs ordered by key. */
  async tags(key: ExecutionKey): Promise<{ key: string; value: string }[]> {
    return this.#db.kysely
      .selectFrom("execution_tags")
      .select(["key", "value"])
      .where("execution_project", "=", key.project)
      .where("execution_domain", "=", key.domain)
      .where("execution_name", "=", key.name)
      .orderBy("key")
      .orderBy("value")
      .execute();
  }

  /**
   * One page of executions. Launch plan, workflow and task filters join their
   * table (only when referenced); tag filters become one EXISTS over the
   * execution's own tag rows. Without a sort, rows come in id order.
   */
  async list(q: ExecutionListQuery): Promise<ExecutionRow[]> {
    return this.#page(q).selectAll("executions").execute() as Promise<ExecutionRow[]>;
  }

  /**
   * The page's keys and each row's version, where the database has one
   * (PostgreSQL, see row-versions.ts); undefined on SQLite. A row with the
   * same id and version is the same row, byte for byte: an answer built from
   * it can be served again without reading its closure and spec.
   */
  listVersions(q: ExecutionListQuery): Promise<RowPage | undefined> {
    return pageVersions(this.#db, "executions", this.#page(q));
  }

  /** Whole rows by id, each with its version (see listVersions), in no particular order. */
  async getVersionedByIds(ids: readonly number[]): Promise<Versioned<ExecutionRow>[]> {
    return versionedRowsByIds(this.#db, "executions", ids);
  }

  /** The filtered, joined, ordered page, columns not yet chosen. */
  #page(q: ExecutionListQuery) {
    const own = q.filters.filter((f) => f.entity !== "et");
    const tagFilters = q.filters.filter((f) => f.entity === "et");
    const used = new Set<EntityCode>(own.map((f) => f.entity));
    let query = this.#db.kysely.selectFrom("executions") as SelectQueryBuilder<Schema, "executions", object>;
    if (used.has("l")) query = query.innerJoin("launch_plans", "launch_plans.id", "executions.launch_plan_id");
    if (used.has("w")) query = query.innerJoin("workflows", "workflows.id", "executions.workflow_id");
    if (used.has("t")) query = query.innerJoin("tasks", "tasks.id", "executions.task_id");
    const where = allFiltersSql(own, tableColumn, this.#db.codec);
    if (where) query = query.where(where);
    if (tagFilters.length > 0) query = query.where(this.#tagsExist(tagFilters));
    query = q.sort
      ? query.orderBy(sql.ref(`executions.${q.sort.column}`), q.sort.direction)
      : query.orderBy("executions.id", "asc");
    return query.limit(q.limit).offset(q.offset);
  }

  #tagsExist(filters: readonly Filter[]) {
    const resolve: ColumnResolver = (_entity, column) => sql.ref(`tg.${column}`);
    const cond = allFiltersSql(filters, resolve, this.#db.codec);
    return sql<SqlBool>`EXISTS (SELECT 1 FROM execution_tags tg WHERE tg.execution_project = executions.execution_project AND tg.execution_domain = executions.execution_domain AND tg.execution_name = executions.execution_name AND ${cond})`;
  }
}
