/**
 * Checks of workflow, node and task execution identifiers, with FlyteAdmin's
 * messages (`missing <field>`). Where FlyteAdmin only logs a failed check and
 * then matches whatever row the non-empty fields select, we refuse the
 * request instead (shared/spec/README.md, "Which source wins" §3).
 */
import { identifierText } from "../../compiler/index.js";
import { AdminError } from "../../errors/admin-error.js";
import {
  type NodeExecutionIdentifier,
  ResourceType,
  type TaskExecutionIdentifier,
  type WorkflowExecutionIdentifier,
} from "../../proto/gen/flyteidl/core/identifier_pb.js";

/** A complete workflow execution id; `missing <field>` when absent, then `missing project|domain|name`. */
export function requireWorkflowExecutionId(
  id: WorkflowExecutionIdentifier | undefined,
  field = "id",
): WorkflowExecutionIdentifier {
  if (id === undefined) throw AdminError.missing(field);
  if (id.project === "") throw AdminError.missing("project");
  if (id.domain === "") throw AdminError.missing("domain");
  if (id.name === "") throw AdminError.missing("name");
  return id;
}

/** A complete node execution id. */
export function requireNodeExecutionId(
  id: NodeExecutionIdentifier | undefined,
  field = "id",
): Required<Pick<NodeExecutionIdentifier, "executionId">> & NodeExecutionIdentifier {
  if (id === undefined) throw AdminError.missing(field);
  if (id.executionId === undefined) throw AdminError.missing("execution_id");
  if (id.nodeId === "") throw AdminError.missing("node_id");
  requireWorkflowExecutionId(id.executionId);
  return id as Required<Pick<NodeExecutionIdentifier, "executionId">> & NodeExecutionIdentifier;
}

/** A complete task execution id: its node execution, then a TASK identifier with every field. */
export function requireTaskExecutionId(id: TaskExecutionIdentifier | undefined, field = "id"): TaskExecutionIdentifier {
  if (id === undefined) throw AdminError.missing(field);
  if (id.nodeExecutionId === undefined) throw AdminError.missing("node_execution_id");
  requireNodeExecutionId(id.nodeExecutionId);
  const task = id.taskId;
  if (task === undefined) throw AdminError.missing("task_id");
  if (task.resourceType !== ResourceType.TASK) {
    const type = (ResourceType[task.resourceType] ?? String(task.resourceType)).toLowerCase();
    throw AdminError.invalidArgument(
      `unexpected resource type ${type} for identifier [${identifierText(task)}], expected task instead`,
    );
  }
  if (task.project === "") throw AdminError.missing("project");
  if (task.domain === "") throw AdminError.missing("domain");
  if (task.name === "") throw AdminError.missing("name");
  if (task.version === "") throw AdminError.missing("version");
  return id;
}

/** The RPC layer's default for task ids in reads: an unspecified resource type means TASK. */
export function defaultTaskResourceType(id: TaskExecutionIdentifier | undefined): void {
  if (id?.taskId !== undefined && id.taskId.resourceType === ResourceType.UNSPECIFIED) {
    id.taskId.resourceType = ResourceType.TASK;
  }
}
