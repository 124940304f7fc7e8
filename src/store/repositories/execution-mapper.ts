/**
 * Rows of `executions` (and their `execution_tags`) to and from
 * admin.Execution. The spec and closure are stored as protobuf bytes; the
 * columns copy what filters, sorts and joins need (phase as the enum name,
 * state, mode, user, cluster, timestamps).
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { Insertable, Selectable } from "kysely";
import { microsToTimestamp } from "../../common/time.js";
import {
  AbortMetadataSchema,
  type Execution,
  type ExecutionClosure,
  ExecutionClosureSchema,
  ExecutionMetadataSchema,
  ExecutionSchema,
  type ExecutionSpec,
  ExecutionSpecSchema,
  ExecutionState,
  ExecutionStateChangeDetailsSchema,
  SystemMetadataSchema,
} from "../../proto/gen/flyteidl/admin/execution_pb.js";
import { ExecutionError_ErrorKind, WorkflowExecution_Phase } from "../../proto/gen/flyteidl/core/execution_pb.js";
import {
  type WorkflowExecutionIdentifier,
  WorkflowExecutionIdentifierSchema,
} from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { ValueCodec } from "../dialect.js";
import type { ExecutionsTable, ExecutionTagsTable } from "../schema.js";

export type ExecutionRow = Selectable<ExecutionsTable>;

/** An execution's key: project, domain and name. */
export interface ExecutionKey {
  readonly project: string;
  readonly domain: string;
  readonly name: string;
}

/** FlyteAdmin trims error messages in list responses to this many bytes. */
export const TRIMMED_ERROR_BYTES = 100;

/** The phase column value: the enum name (`RUNNING`). */
export function phaseName(phase: WorkflowExecution_Phase): string {
  return WorkflowExecution_Phase[phase] ?? String(phase);
}

/** The enum value of a phase column; UNDEFINED for a name it does not know. */
export function phaseOfName(name: string): WorkflowExecution_Phase {
  const value = (WorkflowExecution_Phase as unknown as Record<string, number>)[name];
  return typeof value === "number" ? value : WorkflowExecution_Phase.UNDEFINED;
}

export function executionKeyOf(id: WorkflowExecutionIdentifier): ExecutionKey {
  return { project: id.project, domain: id.domain, name: id.name };
}

export function executionIdOf(key: ExecutionKey): WorkflowExecutionIdentifier {
  return create(WorkflowExecutionIdentifierSchema, { project: key.project, domain: key.domain, name: key.name });
}

export function rowKey(row: ExecutionRow): ExecutionKey {
  return { project: row.execution_project, domain: row.execution_domain, name: row.execution_name };
}

/** The stored spec of a row. */
export function specOf(row: Pick<ExecutionRow, "spec">): ExecutionSpec {
  return fromBinary(ExecutionSpecSchema, row.spec);
}

/** The stored closure of a row, exactly as stored (no read-time defaults). */
export function closureOf(row: Pick<ExecutionRow, "closure">): ExecutionClosure {
  return fromBinary(ExecutionClosureSchema, row.closure);
}

export function specBytes(spec: ExecutionSpec, codec: ValueCodec): Uint8Array {
  return codec.bytes(toBinary(ExecutionSpecSchema, spec));
}

export function closureBytes(closure: ExecutionClosure, codec: ValueCodec): Uint8Array {
  return codec.bytes(toBinary(ExecutionClosureSchema, closure));
}

/** How a row is shown: lists trim error messages, GetExecution fills in the namespace. */
export interface ExecutionViewOptions {
  readonly trimErrorMessage?: boolean;
  /** Filled into `spec.metadata.system_metadata.namespace` when that is empty. */
  readonly defaultNamespace?: string;
}

/**
 * The message for a row, with FlyteAdmin's read-time transformations: the
 * default namespace, state change details for rows that predate them, and
 * abort metadata for ABORTED rows that have none.
 */
export function executionFromRow(row: ExecutionRow, codec: ValueCodec, opts: ExecutionViewOptions = {}): Execution {
  const spec = specOf(row);
  if (opts.defaultNamespace) {
    spec.metadata ??= create(ExecutionMetadataSchema);
    spec.metadata.systemMetadata ??= create(SystemMetadataSchema);
    if (spec.metadata.systemMetadata.namespace === "") spec.metadata.systemMetadata.namespace = opts.defaultNamespace;
  }
  const closure = closureOf(row);
  if (opts.trimErrorMessage && closure.outputResult.case === "error") {
    closure.outputResult.value.message = trimErrorMessage(closure.outputResult.value.message);
  }
  closure.stateChangeDetails ??= create(ExecutionStateChangeDetailsSchema, {
    state: ExecutionState.EXECUTION_ACTIVE,
    occurredAt: microsToTimestamp(codec.micros(row.created_at)),
    principal: row.user,
  });
  if (row.phase === "ABORTED" && closure.outputResult.case !== "abortMetadata") {
    closure.outputResult = {
      case: "abortMetadata",
      value: create(AbortMetadataSchema, { cause: row.abort_cause }),
    };
  }
  return create(ExecutionSchema, { id: executionIdOf(rowKey(row)), spec, closure });
}

/** At most 100 bytes, cut back to whole UTF-8 characters (Go's ToValidUTF8 of the byte prefix). */
export function trimErrorMessage(message: string): string {
  const bytes = Buffer.from(message, "utf8");
  if (bytes.length <= TRIMMED_ERROR_BYTES) return message;
  let end = TRIMMED_ERROR_BYTES;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}

/** Everything a new execution row records. */
export interface NewExecution {
  readonly key: ExecutionKey;
  /** The spec as stored (request spec plus principal, system metadata, resolved security context ...). */
  readonly spec: ExecutionSpec;
  readonly closure: ExecutionClosure;
  readonly launchPlanId?: number | undefined;
  readonly workflowId: number;
  readonly taskId?: number | undefined;
  readonly parentNodeExecutionId?: number | undefined;
  readonly sourceExecutionId?: number | undefined;
  readonly cluster: string;
  readonly inputsUri: string;
  readonly userInputsUri: string;
  readonly principal: string;
  /** `launch_plan` or `task`. */
  readonly launchEntity: string;
  /** Creation time, microseconds. */
  readonly createdAt: number;
}

/** The row for a new execution; phase, error columns and mode come from the closure and spec. */
export function newExecutionColumns(x: NewExecution, codec: ValueCodec): Insertable<ExecutionsTable> {
  const now = codec.time(x.createdAt);
  const error = x.closure.outputResult.case === "error" ? x.closure.outputResult.value : undefined;
  return {
    execution_project: x.key.project,
    execution_domain: x.key.domain,
    execution_name: x.key.name,
    launch_plan_id: x.launchPlanId ?? null,
    workflow_id: x.workflowId,
    task_id: x.taskId ?? null,
    phase: phaseName(x.closure.phase),
    closure: closureBytes(x.closure, codec),
    spec: specBytes(x.spec, codec),
    started_at: null,
    execution_created_at: now,
    execution_updated_at: now,
    duration: 0,
    abort_cause: "",
    mode: x.spec.metadata?.mode ?? 0,
    source_execution_id: x.sourceExecutionId ?? null,
    parent_node_execution_id: x.parentNodeExecutionId ?? null,
    cluster: x.cluster,
    inputs_uri: x.inputsUri,
    user_inputs_uri: x.userInputsUri,
    error_kind: error ? (ExecutionError_ErrorKind[error.kind] ?? String(error.kind)) : null,
    error_code: error ? error.code : null,
    user: x.principal,
    state: ExecutionState.EXECUTION_ACTIVE,
    launch_entity: x.launchEntity,
    created_at: now,
    updated_at: now,
  };
}

/**
 * One tag row per request label (key/value) and per `spec.tags` entry (key,
 * value ""), duplicates dropped: the table's key includes key and value.
 */
export function tagRowsOf(key: ExecutionKey, requestSpec: ExecutionSpec, now: number, codec: ValueCodec) {
  const pairs = new Map<string, [string, string]>();
  for (const [k, v] of Object.entries(requestSpec.labels?.values ?? {})) pairs.set(`${k}\u0000${v}`, [k, v]);
  for (const t of requestSpec.tags) pairs.set(`${t}\u0000`, [t, ""]);
  const at = codec.time(now);
  return [...pairs.values()].map(
    ([k, v]): Insertable<ExecutionTagsTable> => ({
      execution_project: key.project,
      execution_domain: key.domain,
      execution_name: key.name,
      key: k,
      value: v,
      created_at: at,
      updated_at: at,
    }),
  );
}
