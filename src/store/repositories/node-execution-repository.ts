/**
 * The `node_executions` table and the `node_execution_events` log: the event
 * path's locked read and write, and the queries.
 */
import { type ExpressionBuilder, sql } from "kysely";
import { nowMicros } from "../../common/time.js";
import type { Database, Executor } from "../database.js";
import { allFiltersSql, tableColumn } from "../list/filter-sql.js";
import type { Filter } from "../list/filters.js";
import type { SortOrder } from "../list/paging.js";
import type { Schema } from "../schema.js";
import { type ExecutionRef, executionRef, logEvent } from "./event-rows.js";
import type { ExecutionKey } from "./execution-mapper.js";
import {
  type NodeExecutionRecord,
  type NodeExecutionRow,
  type NodeKey,
  nodeRecordColumns,
  nodeRecordFromRow,
} from "./node-execution-mapper.js";

/** What a node event finds: its execution (if any) and the node row (if any, locked). */
export interface NodeEventSnapshot {
  readonly execution: ExecutionRef | undefined;
  readonly node: NodeExecutionRecord | undefined;
}

/** Which node executions a list returns. */
export interface NodeListQuery {
  readonly execution: ExecutionKey;
  /** Top-level nodes only (no parent node, no parent task), children of a node row, or children of a task attempt. */
  readonly scope:
    | { readonly kind: "top" }
    | { readonly kind: "parent"; readonly id: number }
    | { readonly kind: "task"; readonly id: number };
  readonly filters: readonly Filter[];
  readonly sort: SortOrder | undefined;
  readonly limit: number;
  readonly offset: number;
}

/**
 * Stores node executions.
 *
 * @example
 * const snap = await repo.lockForEvent(trx, key);
 * if (!snap.node) await repo.insert(trx, createNodeRecord(...));
 */
export class NodeExecutionRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * The execution and the node. On PostgreSQL this is one statement that
   * locks the node row (`FOR UPDATE`) until the transaction ends; SQLite has
   * no LATERAL and needs no lock (its transactions are serial), so it reads twice.
   */
  async lockForEvent(trx: Executor, key: NodeKey): Promise<NodeEventSnapshot> {
    if (this.#db.dialect !== "postgres") return this.#readTwice(trx, key);
    const row = await trx
      .selectFrom("executions as e")
      .leftJoinLateral(
        (eb) => eb.selectFrom("node_executions").selectAll().where(nodeKeyIs(key)).forUpdate().as("n"),
        (j) => j.onTrue(),
      )
      .select(["e.id as exec_id", "e.cluster as exec_cluster"])
      .selectAll("n")
      .where("e.execution_project", "=", key.project)
      .where("e.execution_domain", "=", key.domain)
      .where("e.execution_name", "=", key.name)
      .executeTakeFirst();
    if (!row) return { execution: undefined, node: undefined };
    const execution = { id: Number(row.exec_id), cluster: row.exec_cluster };
    if (row.id === null) return { execution, node: undefined };
    return { execution, node: nodeRecordFromRow(row as NodeExecutionRow, this.#db.codec) };
  }

  async #readTwice(trx: Executor, key: NodeKey): Promise<NodeEventSnapshot> {
    const execution = await executionRef(trx, key);
    if (!execution) return { execution: undefined, node: undefined };
    const n = await trx.selectFrom("node_executions").selectAll().where(nodeKeyIs(key)).executeTakeFirst();
    return { execution, node: n ? nodeRecordFromRow(n, this.#db.codec) : undefined };
  }

  /** The same without locks, for the check made before writing blobs. */
  async snapshot(key: NodeKey): Promise<NodeEventSnapshot> {
    return this.#readTwice(this.#db.kysely, key);
  }

  /** Inserts a node created by its first event; the unique key makes a concurrent second insert fail. */
  async insert(trx: Executor, r: NodeExecutionRecord): Promise<number> {
    const now = this.#db.codec.time(nowMicros());
    const row = await trx
      .insertInto("node_executions")
      .values({
        execution_project: r.key.project,
        execution_domain: r.key.domain,
        execution_name: r.key.name,
        node_id: r.key.nodeId,
        ...nodeRecordColumns(r, this.#db.codec),
        created_at: now,
        updated_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async update(trx: Executor, id: number, r: NodeExecutionRecord): Promise<void> {
    await trx
      .updateTable("node_executions")
      .set({ ...nodeRecordColumns(r, this.#db.codec), updated_at: this.#db.codec.time(nowMicros()) })
      .where("id", "=", id)
      .execute();
  }

  /** Keeps the event in `node_execution_events`. */
  recordEvent(trx: Executor, key: NodeKey, requestId: string, occurredAt: number, phase: string): Promise<void> {
    return logEvent(this.#db, trx, "node_execution_events", {
      execution_project: key.project,
      execution_domain: key.domain,
      execution_name: key.name,
      node_id: key.nodeId,
      request_id: requestId,
      occurredAt,
      phase,
    });
  }

  /** The row id of a node, undefined when it does not exist. */
  async idOf(key: NodeKey, db: Executor = this.#db.kysely): Promise<number | undefined> {
    const row = await db.selectFrom("node_executions").select("id").where(nodeKeyIs(key)).executeTakeFirst();
    return row ? Number(row.id) : undefined;
  }

  async get(key: NodeKey): Promise<NodeExecutionRow | undefined> {
    return this.#db.kysely.selectFrom("node_executions").selectAll().where(nodeKeyIs(key)).executeTakeFirst();
  }

  /** Which of the given node rows (all of one execution) have child node executions. */
  async withChildren(execution: ExecutionKey, ids: readonly number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.#db.kysely
      .selectFrom("node_executions")
      .select("parent_id")
      .distinct()
      .where("execution_project", "=", execution.project)
      .where("execution_domain", "=", execution.domain)
      .where("execution_name", "=", execution.name)
      .where("parent_id", "in", [...ids])
      .execute();
    return new Set(rows.map((r) => Number(r.parent_id)));
  }

  /** A page of node executions; the executions table is joined only when a filter names it. */
  async list(q: NodeListQuery): Promise<NodeExecutionRow[]> {
    let query = this.#db.kysely
      .selectFrom("node_executions")
      .selectAll("node_executions")
      .where("node_executions.execution_project", "=", q.execution.project)
      .where("node_executions.execution_domain", "=", q.execution.domain)
      .where("node_executions.execution_name", "=", q.execution.name);
    if (q.filters.some((f) => f.entity === "e")) {
      query = query.innerJoin("executions", (j) =>
        j
          .onRef("executions.execution_project", "=", "node_executions.execution_project")
          .onRef("executions.execution_domain", "=", "node_executions.execution_domain")
          .onRef("executions.execution_name", "=", "node_executions.execution_name"),
      ) as unknown as typeof query;
    }
    switch (q.scope.kind) {
      case "top":
        query = query
          .where("node_executions.parent_id", "is", null)
          .where("node_executions.parent_task_execution_id", "is", null);
        break;
      case "parent":
        query = query.where("node_executions.parent_id", "=", q.scope.id);
        break;
      case "task":
        query = query.where("node_executions.parent_task_execution_id", "=", q.scope.id);
        break;
    }
    const where = allFiltersSql(q.filters, tableColumn, this.#db.codec);
    if (where) query = query.where(where);
    if (q.sort) query = query.orderBy(sql.ref(`node_executions.${q.sort.column}`), q.sort.direction);
    // Row order last keeps offset pages stable (FlyteAdmin leaves ties and unsorted lists to the database).
    query = query.orderBy(sql.ref("node_executions.id"));
    return query.limit(q.limit).offset(q.offset).execute();
  }
}

function nodeKeyIs(key: NodeKey) {
  return (eb: ExpressionBuilder<Schema, "node_executions">) =>
    eb.and([
      eb("node_executions.execution_project", "=", key.project),
      eb("node_executions.execution_domain", "=", key.domain),
      eb("node_executions.execution_name", "=", key.name),
      eb("node_executions.node_id", "=", key.nodeId),
    ]);
}
