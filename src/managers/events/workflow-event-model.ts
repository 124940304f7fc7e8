/**
 * How a workflow event changes an execution (executions.md §3.1,
 * UpdateExecutionModelState). Pure: offloaded outputs are written before, by
 * the manager.
 */
import { clone, create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { nanosToDuration, timestampToMicros } from "../../common/time.js";
import {
  ExecutionClosureSchema,
  ExecutionMetadataSchema,
  ExecutionSpecSchema,
  LiteralMapBlobSchema,
  SystemMetadataSchema,
} from "../../proto/gen/flyteidl/admin/execution_pb.js";
import { ExecutionError_ErrorKind, WorkflowExecution_Phase } from "../../proto/gen/flyteidl/core/execution_pb.js";
import type { WorkflowExecutionEvent } from "../../proto/gen/flyteidl/event/event_pb.js";
import type { ExecutionEventRecord } from "../../store/repositories/execution-event-repository.js";
import type { OutputResult } from "./output-result.js";
import { isWorkflowTerminal, reassignsCluster } from "./phase-rules.js";

const micros = (ts: Timestamp | undefined): number => (ts === undefined ? 0 : timestampToMicros(ts));

/**
 * The execution after an accepted workflow event: phase and update time;
 * RUNNING sets the start; a terminal phase the duration (when started); a
 * QUEUED or UNDEFINED event from a named producer moves the execution to
 * that cluster (column and `spec.metadata.system_metadata`); the result, if
 * the event has one, replaces the stored one (else e.g. abort metadata stays).
 */
export function applyWorkflowEvent(
  stored: ExecutionEventRecord,
  event: WorkflowExecutionEvent,
  output: OutputResult,
): ExecutionEventRecord {
  const record: ExecutionEventRecord = { ...stored, closure: clone(ExecutionClosureSchema, stored.closure) };
  const c = record.closure;
  c.phase = event.phase;
  c.updatedAt = event.occurredAt;
  record.phase = event.phase;
  record.executionUpdatedAt = micros(event.occurredAt);
  if (event.phase === WorkflowExecution_Phase.RUNNING) {
    record.startedAt = record.executionUpdatedAt;
    c.startedAt = event.occurredAt;
  } else if (isWorkflowTerminal(event.phase) && record.startedAt !== undefined) {
    record.durationNanos = (record.executionUpdatedAt - record.startedAt) * 1000;
    c.duration = nanosToDuration(record.durationNanos);
  }
  if (reassignsCluster(event.phase, event.producerId)) {
    record.cluster = event.producerId;
    record.spec = withExecutionCluster(stored.spec, event.producerId);
  }
  switch (output.case) {
    case "outputUri":
      c.outputResult = {
        case: "outputs",
        value: create(LiteralMapBlobSchema, { data: { case: "uri", value: output.value } }),
      };
      break;
    case "outputData":
      c.outputResult = { case: "outputData", value: output.value };
      break;
    case "error":
      c.outputResult = { case: "error", value: output.value };
      record.errorKind = ExecutionError_ErrorKind[output.value.kind] ?? String(output.value.kind);
      record.errorCode = output.value.code;
      break;
  }
  return record;
}

/** The spec bytes with `metadata.system_metadata.execution_cluster` set. */
function withExecutionCluster(specBytes: Uint8Array, cluster: string): Uint8Array {
  const spec = fromBinary(ExecutionSpecSchema, specBytes);
  spec.metadata ??= create(ExecutionMetadataSchema);
  spec.metadata.systemMetadata ??= create(SystemMetadataSchema);
  spec.metadata.systemMetadata.executionCluster = cluster;
  return toBinary(ExecutionSpecSchema, spec);
}
