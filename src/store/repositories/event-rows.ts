/**
 * What the event repositories share: the execution an event belongs to (its
 * row id and recorded cluster), and the event logs (`execution_events`,
 * `node_execution_events`), which keep one row per entity and phase.
 */
import type { Insertable } from "kysely";
import { nowMicros } from "../../common/time.js";
import type { Database, Executor } from "../database.js";
import { PreparedQuery, placeholders } from "../prepared-query.js";
import type { Schema } from "../schema.js";
import type { ExecutionKey } from "./execution-mapper.js";

/** The execution an event belongs to. */
export interface ExecutionRef {
  readonly id: number;
  readonly cluster: string;
}

/** The id and recorded cluster of an execution, undefined when it does not exist. */
export async function executionRef(ex: Executor, key: ExecutionKey): Promise<ExecutionRef | undefined> {
  const row = await ex
    .selectFrom("executions")
    .select(["id", "cluster"])
    .where("execution_project", "=", key.project)
    .where("execution_domain", "=", key.domain)
    .where("execution_name", "=", key.name)
    .executeTakeFirst();
  return row ? { id: Number(row.id), cluster: row.cluster } : undefined;
}

type EventTable = "execution_events" | "node_execution_events";

/**
 * An event log table. An accepted event is logged once per entity and phase:
 * a phase logged before (a repeated QUEUED, a node moving back to a phase) is
 * not logged again.
 *
 * @example
 * const log = new EventLog(db, "node_execution_events");
 * await log.record(trx, { execution_project: "p", ..., occurredAt: micros });
 */
export class EventLog<T extends EventTable> {
  readonly #db: Database;
  readonly #insert: PreparedQuery<unknown>;

  constructor(db: Database, table: T) {
    this.#db = db;
    this.#insert = new PreparedQuery((k, arg, first) =>
      k
        .insertInto(table)
        .values(placeholders(arg, first) as never)
        .onConflict((oc) => oc.doNothing()),
    );
  }

  async record(
    trx: Executor,
    row: Omit<Insertable<Schema[T]>, "occurred_at" | "created_at" | "updated_at"> & { readonly occurredAt: number },
  ): Promise<void> {
    const { occurredAt, ...columns } = row;
    const now = this.#db.codec.time(nowMicros());
    await this.#insert.execute(trx, {
      ...columns,
      occurred_at: this.#db.codec.time(occurredAt),
      created_at: now,
      updated_at: now,
    });
  }
}
