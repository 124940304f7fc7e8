/**
 * Rows of `task_executions` (one per task attempt: task id, node execution,
 * retry attempt) to and from the record the event path works on and the
 * admin.TaskExecution clients read.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { Selectable } from "kysely";
import {
  type TaskExecution,
  type TaskExecutionClosure,
  TaskExecutionClosureSchema,
  TaskExecutionSchema,
} from "../../proto/gen/flyteidl/admin/task_execution_pb.js";
import { TaskExecution_Phase } from "../../proto/gen/flyteidl/core/execution_pb.js";
import {
  ResourceType,
  type TaskExecutionIdentifier,
  TaskExecutionIdentifierSchema,
} from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { ValueCodec } from "../dialect.js";
import type { TaskExecutionsTable } from "../schema.js";
import type { NodeKey } from "./node-execution-mapper.js";

export type TaskExecutionRow = Selectable<TaskExecutionsTable>;

/** A task attempt's key: the task version, the node execution and the retry attempt. */
export interface TaskAttemptKey {
  readonly task: { readonly project: string; readonly domain: string; readonly name: string; readonly version: string };
  readonly node: NodeKey;
  readonly retryAttempt: number;
}

/** A task attempt as the event path reads and writes it; times in microseconds, durations in nanoseconds. */
export interface TaskExecutionRecord {
  readonly id: number | undefined;
  readonly key: TaskAttemptKey;
  phase: TaskExecution_Phase;
  phaseVersion: number;
  inputUri: string;
  closure: TaskExecutionClosure;
  startedAt: number | undefined;
  createdAt: number;
  updatedAt: number;
  durationNanos: number;
}

const phaseOf = (name: string): TaskExecution_Phase =>
  (TaskExecution_Phase as unknown as Record<string, TaskExecution_Phase>)[name] ?? TaskExecution_Phase.UNDEFINED;

/** The key of a task attempt from its identifier. */
export function taskAttemptKey(id: TaskExecutionIdentifier): TaskAttemptKey {
  const t = id.taskId;
  const n = id.nodeExecutionId;
  return {
    task: { project: t?.project ?? "", domain: t?.domain ?? "", name: t?.name ?? "", version: t?.version ?? "" },
    node: {
      project: n?.executionId?.project ?? "",
      domain: n?.executionId?.domain ?? "",
      name: n?.executionId?.name ?? "",
      nodeId: n?.nodeId ?? "",
    },
    retryAttempt: id.retryAttempt,
  };
}

function keyOfRow(row: TaskExecutionRow): TaskAttemptKey {
  return {
    task: { project: row.project, domain: row.domain, name: row.name, version: row.version },
    node: {
      project: row.execution_project,
      domain: row.execution_domain,
      name: row.execution_name,
      nodeId: row.node_id,
    },
    retryAttempt: Number(row.retry_attempt),
  };
}

export function taskRecordFromRow(row: TaskExecutionRow, codec: ValueCodec): TaskExecutionRecord {
  return {
    id: row.id,
    key: keyOfRow(row),
    phase: phaseOf(row.phase),
    phaseVersion: Number(row.phase_version),
    inputUri: row.input_uri,
    closure: fromBinary(TaskExecutionClosureSchema, row.closure),
    startedAt: row.started_at === null ? undefined : codec.micros(row.started_at),
    createdAt: codec.micros(row.task_execution_created_at),
    updatedAt: codec.micros(row.task_execution_updated_at),
    durationNanos: Number(row.duration),
  };
}

/** The columns an event writes. */
export function taskRecordColumns(r: TaskExecutionRecord, codec: ValueCodec) {
  return {
    phase: TaskExecution_Phase[r.phase] ?? String(r.phase),
    phase_version: r.phaseVersion,
    input_uri: r.inputUri,
    closure: codec.bytes(toBinary(TaskExecutionClosureSchema, r.closure)),
    started_at: r.startedAt === undefined ? null : codec.time(r.startedAt),
    task_execution_created_at: codec.time(r.createdAt),
    task_execution_updated_at: codec.time(r.updatedAt),
    duration: r.durationNanos,
  };
}

/** The key columns of a new row. */
export function taskKeyColumns(k: TaskAttemptKey) {
  return {
    project: k.task.project,
    domain: k.task.domain,
    name: k.task.name,
    version: k.task.version,
    execution_project: k.node.project,
    execution_domain: k.node.domain,
    execution_name: k.node.name,
    node_id: k.node.nodeId,
    retry_attempt: k.retryAttempt,
  };
}

/** The identifier of the attempt a row records (resource type always TASK). */
export function taskIdOfRow(row: TaskExecutionRow): TaskExecutionIdentifier {
  return create(TaskExecutionIdentifierSchema, {
    taskId: {
      resourceType: ResourceType.TASK,
      project: row.project,
      domain: row.domain,
      name: row.name,
      version: row.version,
    },
    nodeExecutionId: {
      nodeId: row.node_id,
      executionId: { project: row.execution_project, domain: row.execution_domain, name: row.execution_name },
    },
    retryAttempt: Number(row.retry_attempt),
  });
}

/** The admin.TaskExecution of a row; `isParent` when node executions were launched by it (dynamic tasks). */
export function taskExecutionFromRow(row: TaskExecutionRow, isParent: boolean): TaskExecution {
  return create(TaskExecutionSchema, {
    id: taskIdOfRow(row),
    inputUri: row.input_uri,
    closure: fromBinary(TaskExecutionClosureSchema, row.closure),
    isParent,
  });
}
