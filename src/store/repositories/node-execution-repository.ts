/**
 * The `node_executions` table and the `node_execution_events` log: the event
 * path's locked read and write, and the queries.
 */
import { type ExpressionBuilder, type Kysely, type QueryCreator, sql } from "kysely";
import { nowMicros } from "../../common/time.js";
import { NodeExecution_Phase } from "../../proto/gen/flyteidl/core/execution_pb.js";
import type { Database, Executor } from "../database.js";
import { type BatchWriter, deferWrite, type LockReader } from "../group-commit.js";
import { allFiltersSql, tableColumn } from "../list/filter-sql.js";
import type { Filter } from "../list/filters.js";
import type { SortOrder } from "../list/paging.js";
import { insertRows, rowWriters } from "../postgres/array-writes.js";
import { PreparedQuery, placeholders } from "../prepared-query.js";
import type { Schema } from "../schema.js";
import { inKeyOrder } from "../together.js";
import { EventLog, type ExecutionRef } from "./event-rows.js";
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
  readonly #log: EventLog<"node_execution_events">;
  /** The event path's statements, compiled once (see prepared-query.ts). */
  readonly #locked = new PreparedQuery((db, arg) => snapshotQuery(db, arg, true));
  readonly #unlocked = new PreparedQuery((db, arg) => snapshotQuery(db, arg, false));
  readonly #insert = new PreparedQuery((db, arg, first) =>
    db
      .insertInto("node_executions")
      .values(placeholders(arg, first) as never)
      .returning("id"),
  );
  readonly #update = new PreparedQuery((db, arg, first) => {
    const { id: _, ...columns } = first;
    return db.updateTable("node_executions").set(placeholders(arg, columns)).where("id", "=", arg<number>("id"));
  });

  /** PostgreSQL: the node's insert or update and the event's log row in one statement (one round trip). */
  readonly #insertLogged = new PreparedQuery((db, arg, first) =>
    db
      .with("ev", (qc) => logInsert(qc, arg))
      .insertInto("node_executions")
      .values(placeholders(arg, pick(first, NODE_INSERT_EXCLUDES, false)) as never)
      .returning("id"),
  );
  readonly #updateLogged = new PreparedQuery((db, arg, first) =>
    db
      .with("ev", (qc) => logInsert(qc, arg))
      .updateTable("node_executions")
      .set(placeholders(arg, pick(first, NODE_UPDATE_EXCLUDES, false)))
      .where("id", "=", arg<number>("id")),
  );

  /** PostgreSQL: the snapshots of many nodes, locked, in one statement (in the keys' order). */
  readonly #lockedAll = new PreparedQuery((db, arg) => {
    const query = sql<
      SnapshotRow & { key_index: string }
    >`select k.i as key_index, e.id as exec_id, e.cluster as exec_cluster, n.* from unnest(${arg("project")}::text[], ${arg("domain")}::text[], ${arg("name")}::text[], ${arg("nodeId")}::text[]) with ordinality as k(p, d, x, node, i) join executions e on e.execution_project = k.p and e.execution_domain = k.d and e.execution_name = k.x left join lateral (select * from node_executions where execution_project = k.p and execution_domain = k.d and execution_name = k.x and node_id = k.node for update) n on true`;
    return { compile: () => query.compile(db) };
  });

  /** lockForEvent for the events of a group (store/group-commit.ts), one statement for all on PostgreSQL. */
  readonly eventLocks: LockReader<NodeKey, NodeEventSnapshot> = {
    name: "node_executions",
    read: (trx, keys) => this.#lockAll(trx, keys),
  };

  /** PostgreSQL, in a group's transaction: the group's event log rows, new nodes and changed nodes, a statement each. */
  readonly #logWrites: BatchWriter<Record<string, unknown>> = {
    name: "node_execution_events",
    write: async (trx, rows) =>
      void (await insertRows(trx, this.#db.kysely, "node_execution_events", rows, { skipTaken: true })),
  };
  readonly #writes: ReturnType<typeof rowWriters>;

  constructor(db: Database) {
    this.#db = db;
    this.#writes = rowWriters(db.kysely, "node_executions");
    this.#log = new EventLog(db, "node_execution_events");
  }

  /**
   * Writes a node changed by an event (an insert for a new node, else an
   * update) and logs the event, in one statement on PostgreSQL; in a group's
   * transaction there, with the group's other nodes and log rows before it
   * commits (store/group-commit.ts).
   */
  async save(trx: Executor, r: NodeExecutionRecord, event: { requestId: string; occurredAt: number }): Promise<void> {
    if (this.#db.dialect !== "postgres") {
      if (r.id === undefined) await this.insert(trx, r);
      else await this.update(trx, r.id, r);
      await this.recordEvent(trx, r.key, event.requestId, event.occurredAt, phaseColumn(r));
      return;
    }
    const args = {
      ...this.#rowColumns(r),
      request_id: event.requestId,
      occurred_at: this.#db.codec.time(event.occurredAt),
    };
    const row =
      r.id === undefined
        ? pick(args, NODE_INSERT_EXCLUDES, false)
        : { ...pick(args, NODE_UPDATE_EXCLUDES, false), id: r.id };
    if (deferWrite(trx, r.id === undefined ? this.#writes.inserts : this.#writes.updates, row)) {
      deferWrite(trx, this.#logWrites, pick(args, LOG_COLUMNS, true));
      return;
    }
    if (r.id === undefined) await this.#insertLogged.execute(trx, args);
    else await this.#updateLogged.execute(trx, { ...args, id: r.id });
  }

  /**
   * The execution and the node in one statement. On PostgreSQL the node row
   * is locked (`FOR UPDATE`, in a LATERAL subquery since the nullable side of
   * an outer join cannot be locked) until the transaction ends; SQLite needs
   * no lock, its transactions are serial.
   */
  lockForEvent(trx: Executor, key: NodeKey): Promise<NodeEventSnapshot> {
    return this.#read(this.#db.rowLocks ? this.#locked : this.#unlocked, trx, key);
  }

  /** The same without locks, for the check made before writing blobs. */
  snapshot(key: NodeKey): Promise<NodeEventSnapshot> {
    return this.#read(this.#unlocked, this.#db.kysely, key);
  }

  async #read(q: PreparedQuery<SnapshotRow>, trx: Executor, key: NodeKey): Promise<NodeEventSnapshot> {
    return this.#snapshotOf(await q.first(trx, { ...key }));
  }

  async #lockAll(trx: Executor, keys: readonly NodeKey[]): Promise<NodeEventSnapshot[]> {
    if (keys.length === 1 || !this.#db.rowLocks) {
      const out: NodeEventSnapshot[] = [];
      for (const key of keys) out.push(await this.lockForEvent(trx, key));
      return out;
    }
    const column = (k: keyof NodeKey) => keys.map((key) => key[k]);
    const rows = await this.#lockedAll.execute(trx, {
      project: column("project"),
      domain: column("domain"),
      name: column("name"),
      nodeId: column("nodeId"),
    });
    // A key without its execution has no row.
    return inKeyOrder(keys.length, rows).map((row) => this.#snapshotOf(row as SnapshotRow | undefined));
  }

  #snapshotOf(row: SnapshotRow | undefined): NodeEventSnapshot {
    if (!row) return { execution: undefined, node: undefined };
    const execution = { id: Number(row.exec_id), cluster: row.exec_cluster };
    if (row.id === null) return { execution, node: undefined };
    return { execution, node: nodeRecordFromRow(row as NodeExecutionRow, this.#db.codec) };
  }

  /** Inserts a node created by its first event; the unique key makes a concurrent second insert fail. */
  async insert(trx: Executor, r: NodeExecutionRecord): Promise<number> {
    const [row] = await this.#insert.execute(trx, this.#rowColumns(r));
    return Number((row as { id: number }).id);
  }

  /** Every column of a node row written now (an update leaves `created_at` out). */
  #rowColumns(r: NodeExecutionRecord) {
    const now = this.#db.codec.time(nowMicros());
    return {
      execution_project: r.key.project,
      execution_domain: r.key.domain,
      execution_name: r.key.name,
      node_id: r.key.nodeId,
      ...nodeRecordColumns(r, this.#db.codec),
      created_at: now,
      updated_at: now,
    };
  }

  async update(trx: Executor, id: number, r: NodeExecutionRecord): Promise<void> {
    const { parent_id: _, parent_task_execution_id: __, ...columns } = nodeRecordColumns(r, this.#db.codec);
    await this.#update.execute(trx, { ...columns, updated_at: this.#db.codec.time(nowMicros()), id });
  }

  /** Keeps the event in `node_execution_events`. */
  recordEvent(trx: Executor, key: NodeKey, requestId: string, occurredAt: number, phase: string): Promise<void> {
    return this.#log.record(trx, {
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

/**
 * The execution (id, cluster) and the node's row, if any, for a node key
 * given as placeholders `project`, `domain`, `name`, `nodeId`.
 */
function snapshotQuery(db: Kysely<Schema>, arg: <T>(name: string) => T, lock: boolean) {
  const key: NodeKey = {
    project: arg("project"),
    domain: arg("domain"),
    name: arg("name"),
    nodeId: arg("nodeId"),
  };
  const exec = db.selectFrom("executions as e");
  const joined = lock
    ? exec.leftJoinLateral(
        (eb) => eb.selectFrom("node_executions").selectAll().where(nodeKeyIs(key)).forUpdate().as("n"),
        (j) => j.onTrue(),
      )
    : exec.leftJoin("node_executions as n", (j) =>
        j
          .onRef("n.execution_project", "=", "e.execution_project")
          .onRef("n.execution_domain", "=", "e.execution_domain")
          .onRef("n.execution_name", "=", "e.execution_name")
          .on("n.node_id", "=", key.nodeId),
      );
  return joined
    .select(["e.id as exec_id", "e.cluster as exec_cluster"])
    .selectAll("n")
    .where("e.execution_project", "=", key.project)
    .where("e.execution_domain", "=", key.domain)
    .where("e.execution_name", "=", key.name);
}

/** A snapshot row: the execution's id and cluster, and the node's columns (null when it has no row). */
type SnapshotRow = { exec_id: number; exec_cluster: string } & {
  [K in keyof NodeExecutionRow]: NodeExecutionRow[K] | null;
};

/** The event log row's columns, taken from the logged statements' arguments (they share key, phase and times). */
const LOG_COLUMNS: ReadonlySet<string> = new Set([
  "execution_project",
  "execution_domain",
  "execution_name",
  "node_id",
  "request_id",
  "occurred_at",
  "phase",
  "created_at",
  "updated_at",
]);

/** Arguments of the logged statements that are not node columns (on insert), or not changed ones (on update). */
const NODE_INSERT_EXCLUDES = new Set(["request_id", "occurred_at", "id"]);
const NODE_UPDATE_EXCLUDES = new Set([
  ...NODE_INSERT_EXCLUDES,
  "execution_project",
  "execution_domain",
  "execution_name",
  "node_id",
  "created_at",
  // Set when the node is created and never changed: left out, so SQLite does not rewrite their indexes on each event.
  "parent_id",
  "parent_task_execution_id",
]);

/** The entries of `record` whose keys are (keep) or are not (drop) in `keys`. */
function pick(record: Readonly<Record<string, unknown>>, keys: ReadonlySet<string>, keep: boolean) {
  return Object.fromEntries(Object.entries(record).filter(([k]) => keys.has(k) === keep));
}

/** The event's log row, from the same arguments as the node's row (they share key, phase and times). */
function logInsert(qc: QueryCreator<Schema>, arg: <T>(name: string) => T) {
  return qc
    .insertInto("node_execution_events")
    .values(Object.fromEntries([...LOG_COLUMNS].map((c) => [c, arg(c)])) as never)
    .onConflict((oc) => oc.doNothing());
}

const phaseColumn = (r: NodeExecutionRecord): string => NodeExecution_Phase[r.phase] ?? String(r.phase);
