/**
 * What executions need from the rest of the admin, as narrow interfaces:
 * registered entities (and the skeleton ones single-task executions create),
 * matchable attributes, and node executions for child-execution lineage.
 * `createManagers` wires them to the registration, attribute and event
 * managers.
 */
import type { LaunchPlan, LaunchPlanCreateRequest } from "../../proto/gen/flyteidl/admin/launch_plan_pb.js";
import type { MatchableResource, MatchingAttributes } from "../../proto/gen/flyteidl/admin/matchable_resource_pb.js";
import type { Task } from "../../proto/gen/flyteidl/admin/task_pb.js";
import type { WorkflowCreateRequest } from "../../proto/gen/flyteidl/admin/workflow_pb.js";
import type { Identifier, NodeExecutionIdentifier, ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";

export interface LaunchPlanRecord {
  readonly rowId: number;
  /** The `workflow_id` column: the workflow's row id. */
  readonly workflowRowId: number;
  readonly launchPlan: LaunchPlan;
}

export interface WorkflowRecord {
  readonly rowId: number;
  readonly id: Identifier;
  /** Where the compiled WorkflowClosure is stored. */
  readonly closureRef: string;
}

export interface TaskRecord {
  readonly rowId: number;
  readonly task: Task;
}

/**
 * Registered tasks, workflows and launch plans. Lookups throw NOT_FOUND in
 * FlyteAdmin's words; creates throw ALREADY_EXISTS for an existing id.
 */
export interface RegisteredEntities {
  launchPlan(id: Identifier): Promise<LaunchPlanRecord>;
  workflow(id: Identifier): Promise<WorkflowRecord>;
  task(id: Identifier): Promise<TaskRecord>;
  createWorkflow(request: WorkflowCreateRequest): Promise<void>;
  /** Creates an INACTIVE launch plan through the registration rules. */
  createLaunchPlan(request: LaunchPlanCreateRequest): Promise<void>;
  /** Marks a named entity SYSTEM_GENERATED. */
  markSystemGenerated(type: ResourceType, project: string, domain: string, name: string): Promise<void>;
}

/** What to look up: empty (or absent) workflow / launch plan mean "not at that level". */
export interface AttributeScope {
  readonly project: string;
  readonly domain: string;
  readonly workflow?: string | undefined;
  readonly launchPlan?: string | undefined;
  readonly resourceType: MatchableResource;
}

/** The matchable attribute resolver (the attributes manager's). */
export interface MatchableAttributes {
  /** The most specific attributes for the scope; undefined when nothing matches. */
  resolve(scope: AttributeScope): Promise<MatchingAttributes | undefined>;
  /** `resolve` for several scopes of one project, in one read. */
  resolveMany(scopes: readonly AttributeScope[]): Promise<(MatchingAttributes | undefined)[]>;
}

/** Node executions, for executions launched by a node of another one. */
export interface NodeExecutionLookup {
  /** The node execution's row id; NOT_FOUND when it does not exist. */
  rowId(id: NodeExecutionIdentifier): Promise<number>;
}
