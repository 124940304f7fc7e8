/**
 * How a node event creates or changes a node execution (executions.md §3.2).
 * Pure: blobs are written and parent rows looked up before, by the manager.
 */
import { clone, create } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { nanosToDuration, timestampToMicros } from "../../common/time.js";
import {
  type NodeExecutionClosure,
  NodeExecutionClosureSchema,
  NodeExecutionMetaDataSchema,
  TaskNodeMetadataSchema,
  WorkflowNodeMetadataSchema,
} from "../../proto/gen/flyteidl/admin/node_execution_pb.js";
import { CatalogCacheStatus } from "../../proto/gen/flyteidl/core/catalog_pb.js";
import { ExecutionError_ErrorKind, NodeExecution_Phase } from "../../proto/gen/flyteidl/core/execution_pb.js";
import type { WorkflowExecutionIdentifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { NodeExecutionEvent } from "../../proto/gen/flyteidl/event/event_pb.js";
import type { NodeExecutionRecord, NodeKey } from "../../store/repositories/node-execution-mapper.js";
import type { OutputResult } from "./output-result.js";
import { isNodeTerminal } from "./phase-rules.js";

/** What the manager resolved before applying a node event. */
export interface NodeEventInputs {
  /** The event's output result as it is to be stored (offloaded data already replaced by its URI). */
  readonly output: OutputResult;
  /** The event's inputs as a URI (offloaded `input_data` already replaced), "" when it has none. */
  readonly inputUri: string;
  /** Where this event's dynamic workflow closure was written, "" when it has none. */
  readonly dynamicClosureRef: string;
}

/** The event's `reported_at`, or `occurred_at` when that is unset or zero. */
export function reportedOrOccurred(event: { reportedAt?: Timestamp; occurredAt?: Timestamp }): Timestamp | undefined {
  const r = event.reportedAt;
  return r !== undefined && (r.seconds !== 0n || r.nanos !== 0) ? r : event.occurredAt;
}

const micros = (ts: Timestamp | undefined): number => (ts === undefined ? 0 : timestampToMicros(ts));

/** A node's first event: the row it creates. */
export function createNodeRecord(
  key: NodeKey,
  event: NodeExecutionEvent,
  parents: { readonly parentId: number | null; readonly parentTaskExecutionId: number | null },
  inputs: NodeEventInputs,
): NodeExecutionRecord {
  const updated = reportedOrOccurred(event);
  const record: NodeExecutionRecord = {
    id: undefined,
    key,
    phase: event.phase,
    inputUri: inputs.inputUri,
    closure: create(NodeExecutionClosureSchema, {
      phase: event.phase,
      createdAt: event.occurredAt,
      updatedAt: updated,
    }),
    metadata: create(NodeExecutionMetaDataSchema, {
      retryGroup: event.retryGroup,
      specNodeId: event.specNodeId,
      isParentNode: event.isParent,
      isDynamic: event.isDynamic,
      isArray: event.isArray,
    }),
    startedAt: undefined,
    createdAt: micros(event.occurredAt),
    updatedAt: micros(updated),
    durationNanos: 0,
    parentId: parents.parentId,
    parentTaskExecutionId: parents.parentTaskExecutionId,
    errorKind: null,
    errorCode: null,
    cacheStatus: null,
    dynamicWorkflowRemoteClosureReference: inputs.dynamicClosureRef,
    eventVersion: event.eventVersion,
  };
  applyPhase(record, event, inputs.output);
  applyTaskNodeMetadata(record, event, false);
  return record;
}

/**
 * A later event applied to a stored node: phase, times, inputs if none were
 * stored, the result when terminal, the child execution it launched (first
 * one wins), task-node metadata, and parent/dynamic/array flags, which are
 * only ever turned on.
 */
export function updateNodeRecord(
  stored: NodeExecutionRecord,
  event: NodeExecutionEvent,
  inputs: NodeEventInputs,
  childExecution: WorkflowExecutionIdentifier | undefined,
): NodeExecutionRecord {
  const record: NodeExecutionRecord = {
    ...stored,
    closure: clone(NodeExecutionClosureSchema, stored.closure),
    metadata: clone(NodeExecutionMetaDataSchema, stored.metadata),
  };
  if (record.inputUri === "") record.inputUri = inputs.inputUri;
  record.phase = event.phase;
  record.closure.phase = event.phase;
  const updated = reportedOrOccurred(event);
  record.closure.updatedAt = updated;
  record.updatedAt = micros(updated);
  applyPhase(record, event, inputs.output);
  if (childExecution !== undefined && record.closure.targetMetadata.case !== "workflowNodeMetadata") {
    record.closure.targetMetadata = {
      case: "workflowNodeMetadata",
      value: create(WorkflowNodeMetadataSchema, { executionId: childExecution }),
    };
  }
  applyTaskNodeMetadata(record, event, true);
  if (inputs.dynamicClosureRef !== "") record.dynamicWorkflowRemoteClosureReference = inputs.dynamicClosureRef;
  if (event.isParent) record.metadata.isParentNode = true;
  if (event.isDynamic) record.metadata.isDynamic = true;
  if (event.isArray) record.metadata.isArray = true;
  return record;
}

/** RUNNING starts the clock (and records the deck); a terminal phase stops it and stores the result. */
function applyPhase(record: NodeExecutionRecord, event: NodeExecutionEvent, output: OutputResult): void {
  if (event.phase === NodeExecution_Phase.RUNNING) {
    record.startedAt = micros(event.occurredAt);
    record.closure.startedAt = event.occurredAt;
    record.closure.deckUri = event.deckUri;
  }
  if (!isNodeTerminal(event.phase)) return;
  if (record.closure.startedAt !== undefined && record.startedAt !== undefined) {
    record.durationNanos = (micros(event.occurredAt) - record.startedAt) * 1000;
    record.closure.duration = nanosToDuration(record.durationNanos);
  }
  storeOutput(record.closure, record, output);
  record.closure.deckUri = event.deckUri;
}

function storeOutput(closure: NodeExecutionClosure, record: NodeExecutionRecord, output: OutputResult): void {
  if (output.case === undefined) return;
  closure.outputResult = output;
  if (output.case === "error") {
    record.errorKind = ExecutionError_ErrorKind[output.value.kind] ?? String(output.value.kind);
    record.errorCode = output.value.code;
  }
}

/**
 * Task-node metadata replaces the target metadata; cache details only count
 * with a catalog key. FlyteAdmin records a dynamic job spec only on updates.
 */
function applyTaskNodeMetadata(record: NodeExecutionRecord, event: NodeExecutionEvent, isUpdate: boolean): void {
  if (event.targetMetadata.case !== "taskNodeMetadata") return;
  const meta = event.targetMetadata.value;
  const target = create(TaskNodeMetadataSchema, { checkpointUri: meta.checkpointUri });
  if (meta.catalogKey !== undefined) {
    target.cacheStatus = meta.cacheStatus;
    target.catalogKey = meta.catalogKey;
    record.cacheStatus = CatalogCacheStatus[meta.cacheStatus] ?? String(meta.cacheStatus);
  }
  record.closure.targetMetadata = { case: "taskNodeMetadata", value: target };
  const specUri = meta.dynamicWorkflow?.dynamicJobSpecUri ?? "";
  if (isUpdate && specUri !== "") record.closure.dynamicJobSpecUri = specUri;
}
