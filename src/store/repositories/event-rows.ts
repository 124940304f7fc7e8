/**
 * What the event repositories share: the execution an event belongs to (its
 * row id and recorded cluster), and the event logs (`execution_events`,
 * `node_execution_events`), which keep one row per entity and phase.
 */
import type { Insertable } from "kysely";
import { nowMicros } from "../../common/time.js";
import type { Database, Executor } from "../database.js";
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
 * Logs an accepted event; a phase already logged for the entity (a repeated
 * QUEUED, or a node moving back to a phase) is not logged twice.
 */
export async function logEvent<T extends EventTable>(
  db: Database,
  trx: Executor,
  table: T,
  row: Omit<Insertable<Schema[T]>, "occurred_at" | "created_at" | "updated_at"> & { readonly occurredAt: number },
): Promise<void> {
  const { occurredAt, ...columns } = row;
  const now = db.codec.time(nowMicros());
  const values = { ...columns, occurred_at: db.codec.time(occurredAt), created_at: now, updated_at: now };
  await trx
    .insertInto(table)
    .values(values as never)
    .onConflict((oc) => oc.doNothing())
    .execute();
}
