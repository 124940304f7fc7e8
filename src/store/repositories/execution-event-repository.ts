/**
 * The workflow-event side of `executions` (read-modify-write of one row under
 * a row lock) and the `execution_events` log. Creating and reading executions
 * is execution-repository.ts's business; this file only touches the columns
 * an event changes.
 */
import type { Updateable } from "kysely";
import type { ExecutionClosure } from "../../proto/gen/flyteidl/admin/execution_pb.js";
import type { WorkflowExecution_Phase } from "../../proto/gen/flyteidl/core/execution_pb.js";
import type { Database, Executor } from "../database.js";
import type { ExecutionsTable } from "../schema.js";
import { EventLog, type ExecutionRef, executionRef } from "./event-rows.js";
import {
  closureBytes,
  closureOf,
  type ExecutionKey,
  type ExecutionRow,
  phaseName,
  phaseOfName,
} from "./execution-mapper.js";
import type { ExecutionRepository } from "./execution-repository.js";

export type { ExecutionKey, ExecutionRef };

/** What a workflow event reads and changes of an execution; times in microseconds, durations in nanoseconds. */
export interface ExecutionEventRecord {
  readonly id: number;
  readonly key: ExecutionKey;
  phase: WorkflowExecution_Phase;
  cluster: string;
  closure: ExecutionClosure;
  /** The serialized ExecutionSpec; decoded only when an event changes it. */
  spec: Uint8Array;
  startedAt: number | undefined;
  durationNanos: number;
  executionUpdatedAt: number;
  errorKind: string | null;
  errorCode: string | null;
}

/**
 * Reads and writes executions for workflow events.
 *
 * @example
 * await db.transaction(async (trx) => {
 *   const before = await repo.lockForEvent(trx, key);
 *   if (before) await repo.saveEvent(trx, before, applyWorkflowEvent(before, event, output));
 * });
 */
export class ExecutionEventRepository {
  readonly #db: Database;
  readonly #executions: ExecutionRepository;
  readonly #log: EventLog<"execution_events">;

  constructor(db: Database, executions: ExecutionRepository) {
    this.#db = db;
    this.#executions = executions;
    this.#log = new EventLog(db, "execution_events");
  }

  /** The execution, locked until the transaction ends (PostgreSQL; SQLite transactions are serial). */
  async lockForEvent(trx: Executor, key: ExecutionKey): Promise<ExecutionEventRecord | undefined> {
    const row = await this.#executions.getForUpdate(trx, key);
    return row === undefined ? undefined : this.#record(row, key);
  }

  /** The same without a lock, for the check made before writing blobs. */
  async read(key: ExecutionKey): Promise<ExecutionEventRecord | undefined> {
    const row = await this.#executions.get(key);
    return row === undefined ? undefined : this.#record(row, key);
  }

  #record(row: ExecutionRow, key: ExecutionKey): ExecutionEventRecord {
    const codec = this.#db.codec;
    return {
      id: Number(row.id),
      key,
      phase: phaseOfName(row.phase),
      cluster: row.cluster,
      closure: closureOf(row),
      spec: row.spec,
      startedAt: row.started_at === null ? undefined : codec.micros(row.started_at),
      durationNanos: Number(row.duration),
      executionUpdatedAt: codec.micros(row.execution_updated_at),
      errorKind: row.error_kind,
      errorCode: row.error_code,
    };
  }

  /** Writes what an event changed (the closure always; other columns only when they differ). */
  async saveEvent(trx: Executor, before: ExecutionEventRecord, after: ExecutionEventRecord): Promise<void> {
    const codec = this.#db.codec;
    const set: Updateable<ExecutionsTable> = {
      phase: phaseName(after.phase),
      closure: closureBytes(after.closure, codec),
      execution_updated_at: codec.time(after.executionUpdatedAt),
    };
    if (after.startedAt !== before.startedAt && after.startedAt !== undefined)
      set.started_at = codec.time(after.startedAt);
    if (after.durationNanos !== before.durationNanos) set.duration = after.durationNanos;
    if (after.cluster !== before.cluster) set.cluster = after.cluster;
    if (after.spec !== before.spec) set.spec = codec.bytes(after.spec);
    if (after.errorKind !== before.errorKind) set.error_kind = after.errorKind;
    if (after.errorCode !== before.errorCode) set.error_code = after.errorCode;
    await this.#executions.update(trx, before.id, set);
  }

  /** The id and recorded cluster of an execution, undefined when it does not exist. */
  ref(trx: Executor, key: ExecutionKey): Promise<ExecutionRef | undefined> {
    return executionRef(trx, key);
  }

  /** Keeps the event in `execution_events`. */
  recordEvent(trx: Executor, key: ExecutionKey, requestId: string, occurredAt: number, phase: string): Promise<void> {
    return this.#log.record(trx, {
      execution_project: key.project,
      execution_domain: key.domain,
      execution_name: key.name,
      request_id: requestId,
      occurredAt,
      phase,
    });
  }
}
