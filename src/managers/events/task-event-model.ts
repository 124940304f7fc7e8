/**
 * How a task event creates or changes a task attempt (executions.md §3.3).
 * Pure: offloaded blobs are written before, by the manager.
 */
import { clone, create } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { microsToTimestamp, nanosToDuration, timestampToMicros } from "../../common/time.js";
import { TaskExecutionClosureSchema } from "../../proto/gen/flyteidl/admin/task_execution_pb.js";
import { TaskExecution_Phase } from "../../proto/gen/flyteidl/core/execution_pb.js";
import type { TaskExecutionEvent } from "../../proto/gen/flyteidl/event/event_pb.js";
import type { TaskAttemptKey, TaskExecutionRecord } from "../../store/repositories/task-execution-mapper.js";
import { mergeCustomInfo } from "./merge-patch.js";
import { reportedOrOccurred } from "./node-event-model.js";
import type { OutputResult } from "./output-result.js";
import { isTaskTerminal } from "./phase-rules.js";
import {
  filterExternalResourceLogs,
  filterLogsByPhase,
  initialMetadata,
  mergeLogs,
  mergeMetadata,
  mergeReasons,
} from "./task-merge.js";

/** What the manager resolved before applying a task event. */
export interface TaskEventInputs {
  /** The output result as it is to be stored (offloaded data already replaced by its URI). */
  readonly output: OutputResult;
  /** The inputs as a URI (offloaded `input_data` already replaced), "" when the event has none. */
  readonly inputUri: string;
}

const micros = (ts: Timestamp | undefined): number => (ts === undefined ? 0 : timestampToMicros(ts));

/** A task attempt's first event: the row it creates. Log links are kept as sent (not filtered). */
export function createTaskRecord(
  key: TaskAttemptKey,
  event: TaskExecutionEvent,
  inputs: TaskEventInputs,
): TaskExecutionRecord {
  const updated = reportedOrOccurred(event);
  const reasons = mergeReasons(undefined, event);
  const record: TaskExecutionRecord = {
    id: undefined,
    key,
    phase: event.phase,
    phaseVersion: event.phaseVersion,
    inputUri: inputs.inputUri,
    closure: create(TaskExecutionClosureSchema, {
      phase: event.phase,
      createdAt: event.occurredAt,
      updatedAt: updated,
      logs: [...event.logs],
      customInfo: event.customInfo,
      taskType: event.taskType,
      metadata: initialMetadata(event.metadata),
      eventVersion: event.eventVersion,
      reasons: reasons.reasons,
      reason: reasons.reason,
    }),
    startedAt: undefined,
    createdAt: micros(event.occurredAt),
    updatedAt: micros(updated),
    durationNanos: 0,
  };
  if (event.phase === TaskExecution_Phase.RUNNING) start(record, event);
  if (isTaskTerminal(event.phase)) finish(record, event, inputs.output);
  return record;
}

/**
 * A later event applied to a stored attempt: phase and phase version (which
 * may go down when the phase changes), links merged and filtered for the
 * phase, reasons, start and end times, result, custom info merge-patched,
 * plugin metadata merged.
 */
export function updateTaskRecord(
  stored: TaskExecutionRecord,
  event: TaskExecutionEvent,
  inputs: TaskEventInputs,
): TaskExecutionRecord {
  const record: TaskExecutionRecord = { ...stored, closure: clone(TaskExecutionClosureSchema, stored.closure) };
  const c = record.closure;
  const phaseChanged = stored.phase !== event.phase;
  if (record.inputUri === "") record.inputUri = inputs.inputUri;
  record.phase = event.phase;
  record.phaseVersion = event.phaseVersion;
  c.phase = event.phase;
  const updated = reportedOrOccurred(event);
  c.updatedAt = updated;
  record.updatedAt = micros(updated);
  c.logs = filterLogsByPhase(mergeLogs(c.logs, event.logs), event.phase);
  const reasons = mergeReasons({ reasons: c.reasons, reason: c.reason }, event);
  c.reasons = reasons.reasons;
  c.reason = reasons.reason;
  if (stored.phase !== TaskExecution_Phase.RUNNING && event.phase === TaskExecution_Phase.RUNNING) start(record, event);
  if (isTaskTerminal(event.phase)) finish(record, event, inputs.output);
  c.customInfo = mergeCustomInfo(c.customInfo, event.customInfo);
  c.metadata = mergeMetadata(c.metadata, event.metadata);
  if (phaseChanged && c.metadata !== undefined && c.metadata.externalResources.length > 0) {
    c.metadata = filterExternalResourceLogs(c.metadata, event.phase);
  }
  if (event.eventVersion > c.eventVersion) c.eventVersion = event.eventVersion;
  return record;
}

/** The start time is set once: late or repeated RUNNING events do not move it. */
function start(record: TaskExecutionRecord, event: TaskExecutionEvent): void {
  if (record.startedAt !== undefined) return;
  record.startedAt = micros(event.occurredAt);
  record.closure.startedAt = event.occurredAt;
}

function finish(record: TaskExecutionRecord, event: TaskExecutionEvent, output: OutputResult): void {
  if (record.startedAt !== undefined) {
    record.closure.startedAt = microsToTimestamp(record.startedAt);
    record.durationNanos = (micros(event.occurredAt) - record.startedAt) * 1000;
    record.closure.duration = nanosToDuration(record.durationNanos);
  }
  if (output.case !== undefined) record.closure.outputResult = output;
}
