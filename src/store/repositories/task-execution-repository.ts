/**
 * The `task_executions` table: the event path's locked read and write, and
 * the queries. Task executions have no event log.
 */
import { type ExpressionBuilder, type Kysely, sql } from "kysely";
import { nowMicros } from "../../common/time.js";
import type { Database, Executor } from "../database.js";
import { deferWrite, type LockReader } from "../group-commit.js";
import { allFiltersSql, tableColumn } from "../list/filter-sql.js";
import type { Filter } from "../list/filters.js";
import type { SortOrder } from "../list/paging.js";
import { rowWriters } from "../postgres/array-writes.js";
import { PreparedQuery, placeholders } from "../prepared-query.js";
import type { Schema } from "../schema.js";
import { inKeyOrder } from "../together.js";
import type { ExecutionRef } from "./event-rows.js";
import type { NodeKey } from "./node-execution-mapper.js";
import {
  type TaskAttemptKey,
  type TaskExecutionRecord,
  type TaskExecutionRow,
  taskKeyColumns,
  taskRecordColumns,
  taskRecordFromRow,
} from "./task-execution-mapper.js";

/** What a task event finds: its execution, whether its node execution exists, and the attempt (locked). */
export interface TaskEventSnapshot {
  readonly execution: ExecutionRef | undefined;
  readonly nodeExists: boolean;
  readonly task: TaskExecutionRecord | undefined;
}

export interface TaskListQuery {
  readonly node: NodeKey;
  readonly filters: readonly Filter[];
  readonly sort: SortOrder | undefined;
  readonly limit: number;
  readonly offset: number;
}

/** A row with whether it launched node executions. */
export type TaskExecutionListRow = TaskExecutionRow & { readonly is_parent: number | boolean };

/**
 * Stores task attempts.
 *
 * @example
 * const snap = await repo.lockForEvent(trx, key);
 * if (!snap.task) await repo.insert(trx, createTaskRecord(key, event, inputs));
 */
export class TaskExecutionRepository {
  readonly #db: Database;
  /** The event path's statements, compiled once (see prepared-query.ts). */
  readonly #locked = new PreparedQuery((db, arg) => snapshotQuery(db, arg, true));
  readonly #unlocked = new PreparedQuery((db, arg) => snapshotQuery(db, arg, false));
  readonly #insert = new PreparedQuery((db, arg, first) =>
    db.insertInto("task_executions").values(placeholders(arg, first) as never),
  );
  readonly #update = new PreparedQuery((db, arg, first) => {
    const { id: _, ...columns } = first;
    return db.updateTable("task_executions").set(placeholders(arg, columns)).where("id", "=", arg<number>("id"));
  });

  /** PostgreSQL: the snapshots of many attempts, locked, in one statement (in the keys' order). */
  readonly #lockedAll = new PreparedQuery((db, arg) => {
    const query = sql<
      SnapshotRow & { key_index: string }
    >`select k.i as key_index, e.id as exec_id, e.cluster as exec_cluster, (select ne.id from node_executions ne where ne.execution_project = k.p and ne.execution_domain = k.d and ne.execution_name = k.x and ne.node_id = k.node) as node_row_id, t.* from unnest(${arg("project")}::text[], ${arg("domain")}::text[], ${arg("name")}::text[], ${arg("nodeId")}::text[], ${arg("taskProject")}::text[], ${arg("taskDomain")}::text[], ${arg("taskName")}::text[], ${arg("taskVersion")}::text[], ${arg("retryAttempt")}::bigint[]) with ordinality as k(p, d, x, node, tp, td, tn, tv, r, i) join executions e on e.execution_project = k.p and e.execution_domain = k.d and e.execution_name = k.x left join lateral (select * from task_executions where execution_project = k.p and execution_domain = k.d and execution_name = k.x and node_id = k.node and project = k.tp and domain = k.td and name = k.tn and version = k.tv and retry_attempt = k.r for update) t on true`;
    return { compile: () => query.compile(db) };
  });

  /** lockForEvent for the events of a group (store/group-commit.ts), one statement for all on PostgreSQL. */
  readonly eventLocks: LockReader<TaskAttemptKey, TaskEventSnapshot> = {
    name: "task_executions",
    read: (trx, keys) => this.#lockAll(trx, keys),
  };

  /** PostgreSQL, in a group's transaction: the group's new and changed attempts, a statement each. */
  readonly #writes: ReturnType<typeof rowWriters>;

  constructor(db: Database) {
    this.#db = db;
    this.#writes = rowWriters(db.kysely, "task_executions");
  }

  /**
   * The execution, the node's existence and the attempt in one statement. On
   * PostgreSQL the attempt's row is locked (`FOR UPDATE`, in a LATERAL
   * subquery since the nullable side of an outer join cannot be locked) until
   * the transaction ends; SQLite needs no lock, its transactions are serial.
   */
  lockForEvent(trx: Executor, key: TaskAttemptKey): Promise<TaskEventSnapshot> {
    return this.#read(this.#db.rowLocks ? this.#locked : this.#unlocked, trx, key);
  }

  /** The same without locks, for the check made before writing blobs. */
  snapshot(key: TaskAttemptKey): Promise<TaskEventSnapshot> {
    return this.#read(this.#unlocked, this.#db.kysely, key);
  }

  async #read(q: PreparedQuery<SnapshotRow>, trx: Executor, key: TaskAttemptKey): Promise<TaskEventSnapshot> {
    return this.#snapshotOf(
      await q.first(trx, {
        ...key.node,
        taskProject: key.task.project,
        taskDomain: key.task.domain,
        taskName: key.task.name,
        taskVersion: key.task.version,
        retryAttempt: key.retryAttempt,
      }),
    );
  }

  async #lockAll(trx: Executor, keys: readonly TaskAttemptKey[]): Promise<TaskEventSnapshot[]> {
    if (keys.length === 1 || !this.#db.rowLocks) {
      const out: TaskEventSnapshot[] = [];
      for (const key of keys) out.push(await this.lockForEvent(trx, key));
      return out;
    }
    const rows = await this.#lockedAll.execute(trx, {
      project: keys.map((k) => k.node.project),
      domain: keys.map((k) => k.node.domain),
      name: keys.map((k) => k.node.name),
      nodeId: keys.map((k) => k.node.nodeId),
      taskProject: keys.map((k) => k.task.project),
      taskDomain: keys.map((k) => k.task.domain),
      taskName: keys.map((k) => k.task.name),
      taskVersion: keys.map((k) => k.task.version),
      retryAttempt: keys.map((k) => k.retryAttempt),
    });
    // A key without its execution has no row.
    return inKeyOrder(keys.length, rows).map((row) => this.#snapshotOf(row as SnapshotRow | undefined));
  }

  #snapshotOf(row: SnapshotRow | undefined): TaskEventSnapshot {
    if (!row) return { execution: undefined, nodeExists: false, task: undefined };
    return {
      execution: { id: Number(row.exec_id), cluster: row.exec_cluster },
      nodeExists: row.node_row_id !== null,
      task: row.id === null ? undefined : taskRecordFromRow(row as TaskExecutionRow, this.#db.codec),
    };
  }

  /** Inserts an attempt; in a group's transaction on PostgreSQL, with the group's others before it commits. */
  async insert(trx: Executor, r: TaskExecutionRecord): Promise<void> {
    const now = this.#db.codec.time(nowMicros());
    const row = { ...taskKeyColumns(r.key), ...taskRecordColumns(r, this.#db.codec), created_at: now, updated_at: now };
    if (!deferWrite(trx, this.#writes.inserts, row)) await this.#insert.execute(trx, row);
  }

  /** Updates an attempt; in a group's transaction on PostgreSQL, with the group's others before it commits. */
  async update(trx: Executor, id: number, r: TaskExecutionRecord): Promise<void> {
    const row = { ...taskRecordColumns(r, this.#db.codec), updated_at: this.#db.codec.time(nowMicros()), id };
    if (!deferWrite(trx, this.#writes.updates, row)) await this.#update.execute(trx, row);
  }

  /** The row id of an attempt, undefined when it does not exist. */
  async idOf(key: TaskAttemptKey, db: Executor = this.#db.kysely): Promise<number | undefined> {
    const row = await db.selectFrom("task_executions").select("id").where(attemptIs(key)).executeTakeFirst();
    return row ? Number(row.id) : undefined;
  }

  /** An attempt with whether it launched node executions. */
  async get(key: TaskAttemptKey): Promise<TaskExecutionListRow | undefined> {
    return this.#db.kysely
      .selectFrom("task_executions")
      .selectAll("task_executions")
      .select(isParent)
      .where(attemptIs(key))
      .executeTakeFirst();
  }

  /** A page of one node's attempts; other tables are joined only when a filter names them. */
  async list(q: TaskListQuery): Promise<TaskExecutionListRow[]> {
    let query = this.#db.kysely
      .selectFrom("task_executions")
      .selectAll("task_executions")
      .select(isParent)
      .where("task_executions.execution_project", "=", q.node.project)
      .where("task_executions.execution_domain", "=", q.node.domain)
      .where("task_executions.execution_name", "=", q.node.name)
      .where("task_executions.node_id", "=", q.node.nodeId);
    const entities = new Set(q.filters.map((f) => f.entity));
    if (entities.has("t")) {
      // Dynamic tasks need not be registered: a left join keeps their attempts.
      query = query.leftJoin("tasks", (j) =>
        j
          .onRef("tasks.project", "=", "task_executions.project")
          .onRef("tasks.domain", "=", "task_executions.domain")
          .onRef("tasks.name", "=", "task_executions.name")
          .onRef("tasks.version", "=", "task_executions.version"),
      ) as unknown as typeof query;
    }
    if (entities.has("ne")) {
      query = query.innerJoin("node_executions", (j) =>
        j
          .onRef("node_executions.node_id", "=", "task_executions.node_id")
          .onRef("node_executions.execution_project", "=", "task_executions.execution_project")
          .onRef("node_executions.execution_domain", "=", "task_executions.execution_domain")
          .onRef("node_executions.execution_name", "=", "task_executions.execution_name"),
      ) as unknown as typeof query;
    }
    if (entities.has("e")) {
      query = query.innerJoin("executions", (j) =>
        j
          .onRef("executions.execution_project", "=", "task_executions.execution_project")
          .onRef("executions.execution_domain", "=", "task_executions.execution_domain")
          .onRef("executions.execution_name", "=", "task_executions.execution_name"),
      ) as unknown as typeof query;
    }
    const where = allFiltersSql(q.filters, tableColumn, this.#db.codec);
    if (where) query = query.where(where);
    if (q.sort) query = query.orderBy(sql.ref(`task_executions.${q.sort.column}`), q.sort.direction);
    // Row order last keeps offset pages stable (FlyteAdmin leaves ties and unsorted lists to the database).
    query = query.orderBy(sql.ref("task_executions.id"));
    return query.limit(q.limit).offset(q.offset).execute();
  }
}

function attemptIs(key: TaskAttemptKey) {
  return (eb: ExpressionBuilder<Schema, "task_executions">) =>
    eb.and([
      eb("task_executions.execution_project", "=", key.node.project),
      eb("task_executions.execution_domain", "=", key.node.domain),
      eb("task_executions.execution_name", "=", key.node.name),
      eb("task_executions.node_id", "=", key.node.nodeId),
      eb("task_executions.project", "=", key.task.project),
      eb("task_executions.domain", "=", key.task.domain),
      eb("task_executions.name", "=", key.task.name),
      eb("task_executions.version", "=", key.task.version),
      eb("task_executions.retry_attempt", "=", key.retryAttempt),
    ]);
}

function nodeIs(key: NodeKey) {
  return (eb: ExpressionBuilder<Schema, "node_executions">) =>
    eb.and([
      eb("node_executions.execution_project", "=", key.project),
      eb("node_executions.execution_domain", "=", key.domain),
      eb("node_executions.execution_name", "=", key.name),
      eb("node_executions.node_id", "=", key.nodeId),
    ]);
}

/** Whether node executions name this attempt as their parent task (dynamic tasks and map tasks launch them). */
function isParent(eb: ExpressionBuilder<Schema, "task_executions">) {
  return eb
    .exists(
      eb
        .selectFrom("node_executions as child")
        .select("child.id")
        .whereRef("child.parent_task_execution_id", "=", "task_executions.id"),
    )
    .as("is_parent");
}

/** The execution, the node's row id and the attempt's row, for a key given as placeholders. */
function snapshotQuery(db: Kysely<Schema>, arg: <T>(name: string) => T, lock: boolean) {
  const key: TaskAttemptKey = {
    node: { project: arg("project"), domain: arg("domain"), name: arg("name"), nodeId: arg("nodeId") },
    task: {
      project: arg("taskProject"),
      domain: arg("taskDomain"),
      name: arg("taskName"),
      version: arg("taskVersion"),
    },
    retryAttempt: arg("retryAttempt"),
  };
  const exec = db.selectFrom("executions as e");
  const joined = lock
    ? exec.leftJoinLateral(
        (eb) => eb.selectFrom("task_executions").selectAll().where(attemptIs(key)).forUpdate().as("t"),
        (j) => j.onTrue(),
      )
    : exec.leftJoin("task_executions as t", (j) =>
        j
          .onRef("t.execution_project", "=", "e.execution_project")
          .onRef("t.execution_domain", "=", "e.execution_domain")
          .onRef("t.execution_name", "=", "e.execution_name")
          .on("t.node_id", "=", key.node.nodeId)
          .on("t.project", "=", key.task.project)
          .on("t.domain", "=", key.task.domain)
          .on("t.name", "=", key.task.name)
          .on("t.version", "=", key.task.version)
          .on("t.retry_attempt", "=", key.retryAttempt),
      );
  return joined
    .select((eb) => [
      "e.id as exec_id",
      "e.cluster as exec_cluster",
      eb.selectFrom("node_executions").select("node_executions.id").where(nodeIs(key.node)).as("node_row_id"),
    ])
    .selectAll("t")
    .where("e.execution_project", "=", key.node.project)
    .where("e.execution_domain", "=", key.node.domain)
    .where("e.execution_name", "=", key.node.name);
}

/** A snapshot row: the execution's id and cluster, the node's row id, the attempt's columns (null without a row). */
type SnapshotRow = { exec_id: number; exec_cluster: string; node_row_id: number | null } & {
  [K in keyof TaskExecutionRow]: TaskExecutionRow[K] | null;
};
