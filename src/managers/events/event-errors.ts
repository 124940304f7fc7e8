/**
 * The errors event ingestion answers with (executions.md §0.1, §3), worded as
 * FlyteAdmin words them. Conflicts are FAILED_PRECONDITION carrying a
 * `flyteidl.admin.EventFailureReason` in the status details: FlytePropeller
 * decides what to do from that detail, not from the code.
 */
import { create } from "@bufbuild/protobuf";
import { protoText } from "../../compiler/index.js";
import { AdminError, Code, detail } from "../../errors/admin-error.js";
import { EventFailureReasonSchema } from "../../proto/gen/flyteidl/admin/event_pb.js";
import {
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from "../../proto/gen/flyteidl/core/execution_pb.js";
import {
  type NodeExecutionIdentifier,
  NodeExecutionIdentifierSchema,
  type TaskExecutionIdentifier,
  TaskExecutionIdentifierSchema,
  type WorkflowExecutionIdentifier,
  WorkflowExecutionIdentifierSchema,
} from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { EventDecision } from "./phase-rules.js";

export const workflowPhaseName = (p: WorkflowExecution_Phase): string => WorkflowExecution_Phase[p] ?? String(p);
export const nodePhaseName = (p: NodeExecution_Phase): string => NodeExecution_Phase[p] ?? String(p);
export const taskPhaseName = (p: TaskExecution_Phase): string => TaskExecution_Phase[p] ?? String(p);

/** The Go text form of ids that FlyteAdmin prints in its messages. */
export const workflowIdText = (id: WorkflowExecutionIdentifier): string =>
  protoText(WorkflowExecutionIdentifierSchema, id);
export const nodeIdText = (id: NodeExecutionIdentifier): string => protoText(NodeExecutionIdentifierSchema, id);
export const taskIdText = (id: TaskExecutionIdentifier): string => protoText(TaskExecutionIdentifierSchema, id);

/** How FlyteAdmin names a task attempt it cannot find: the id rebuilt without the task's resource type. */
export function taskNotFoundText(id: TaskExecutionIdentifier): string {
  const t = id.taskId;
  return taskIdText(
    create(TaskExecutionIdentifierSchema, {
      taskId: { project: t?.project, domain: t?.domain, name: t?.name, version: t?.version },
      nodeExecutionId: id.nodeExecutionId,
      retryAttempt: id.retryAttempt,
    }),
  );
}

/**
 * FAILED_PRECONDITION with `already_in_terminal_state`. The detail names the
 * phase actually stored (FlyteAdmin puts the event's phase there for node and
 * task events; docs/compatibility.md).
 */
export function alreadyInTerminalState(message: string, storedPhase: string): AdminError {
  const reason = create(EventFailureReasonSchema, {
    reason: { case: "alreadyInTerminalState", value: { currentPhase: storedPhase } },
  });
  return new AdminError(Code.FAILED_PRECONDITION, message, [detail(EventFailureReasonSchema, reason)]);
}

/**
 * FAILED_PRECONDITION with `incompatible_cluster` naming the cluster on
 * record (FlyteAdmin names the event's producer; docs/compatibility.md).
 */
export function incompatibleCluster(recordedCluster: string, producerId: string): AdminError {
  const reason = create(EventFailureReasonSchema, {
    reason: { case: "incompatibleCluster", value: { cluster: recordedCluster } },
  });
  return new AdminError(
    Code.FAILED_PRECONDITION,
    `Cluster/producer from event [${producerId}] does not match existing workflow execution clusterInDB: [${recordedCluster}]`,
    [detail(EventFailureReasonSchema, reason)],
  );
}

interface Conflict<P> {
  readonly stored: P;
  readonly event: P;
  readonly cluster: string;
  readonly producerId: string;
}

/** The error for a refused workflow event. */
export function workflowEventError(
  decision: EventDecision,
  id: WorkflowExecutionIdentifier,
  c: Conflict<WorkflowExecution_Phase>,
): AdminError {
  const [cur, ev, idText] = [workflowPhaseName(c.stored), workflowPhaseName(c.event), workflowIdText(id)];
  switch (decision.kind) {
    case "duplicate":
      return AdminError.alreadyExists(`This phase ${cur} was already recorded for workflow execution ${idText}`);
    case "cluster-mismatch":
      return incompatibleCluster(c.cluster, c.producerId);
    case "terminal":
      return alreadyInTerminalState(`Invalid phase change from ${cur} to ${ev} for workflow execution ${idText}`, cur);
    case "backwards":
      return new AdminError(
        Code.FAILED_PRECONDITION,
        `Cannot go from ${cur} to ${ev} for workflow execution ${idText}`,
      );
    case "aborting":
      return new AdminError(
        Code.FAILED_PRECONDITION,
        `Invalid phase change from aborting to ${ev} for workflow execution ${idText}`,
      );
    case "accept":
      throw new Error("an accepted event has no error");
  }
}

/** The error for a refused node event; FlyteAdmin names the node by its row id in the terminal case. */
export function nodeEventError(
  decision: EventDecision,
  id: NodeExecutionIdentifier,
  rowId: number,
  c: Conflict<NodeExecution_Phase>,
): AdminError {
  const [cur, ev] = [nodePhaseName(c.stored), nodePhaseName(c.event)];
  switch (decision.kind) {
    case "duplicate":
      return AdminError.alreadyExists(`This phase was already recorded ${cur} for ${nodeIdText(id)}`);
    case "cluster-mismatch":
      return incompatibleCluster(c.cluster, c.producerId);
    case "terminal":
      return alreadyInTerminalState(`Invalid phase change from ${cur} to ${ev} for node execution ${rowId}`, cur);
    default:
      throw new Error(`node events are never refused as ${decision.kind}`);
  }
}

/** The error for a refused task event. */
export function taskEventError(
  decision: EventDecision,
  id: TaskExecutionIdentifier,
  c: Conflict<TaskExecution_Phase> & { readonly eventVersion: number },
): AdminError {
  const [cur, ev, idText] = [taskPhaseName(c.stored), taskPhaseName(c.event), taskIdText(id)];
  switch (decision.kind) {
    case "duplicate":
      return AdminError.alreadyExists(
        `have already recorded task execution phase ${ev} (version: ${c.eventVersion}) for ${idText}`,
      );
    case "cluster-mismatch":
      return incompatibleCluster(c.cluster, c.producerId);
    case "terminal":
      return alreadyInTerminalState(`invalid phase change from ${cur} to ${ev} for task execution ${idText}`, cur);
    default:
      throw new Error(`task events are never refused as ${decision.kind}`);
  }
}
