/**
 * Single-task executions (executions.md §1.7): a task is launched through a
 * skeleton workflow and launch plan named `.flytegen.<task>`, created on
 * first use and marked SYSTEM_GENERATED.
 */
import { create } from "@bufbuild/protobuf";
import { AdminError, Code } from "../../errors/admin-error.js";
import type { ExecutionSpec } from "../../proto/gen/flyteidl/admin/execution_pb.js";
import { LaunchPlanCreateRequestSchema } from "../../proto/gen/flyteidl/admin/launch_plan_pb.js";
import type { Task } from "../../proto/gen/flyteidl/admin/task_pb.js";
import { WorkflowCreateRequestSchema } from "../../proto/gen/flyteidl/admin/workflow_pb.js";
import { type Identifier, IdentifierSchema, ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { VariableMap } from "../../proto/gen/flyteidl/core/interface_pb.js";
import { type Binding, BindingSchema, RetryStrategySchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import type { LaunchPlanRecord, RegisteredEntities, TaskRecord, WorkflowRecord } from "./sources.js";

const MAX_NODE_ID_LENGTH = 63;
const DEFAULT_RETRIES = 3;

/** `.flytegen.<task name>`: the skeleton workflow's and launch plan's name. */
export function skeletonName(taskName: string): string {
  return `.flytegen.${taskName}`;
}

/** The node id: the last 63 characters of the task name, keeping only letters, digits and `-`. */
export function nodeIdForTask(taskName: string): string {
  const chars = [...taskName];
  const tail = chars.length >= MAX_NODE_ID_LENGTH ? chars.slice(chars.length - MAX_NODE_ID_LENGTH) : chars;
  return tail.filter((c) => c === "-" || /[\p{L}\p{N}]/u.test(c)).join("");
}

function bindings(vars: VariableMap | undefined, nodeId: string): Binding[] {
  return Object.keys(vars?.variables ?? {})
    .sort()
    .map((v) => create(BindingSchema, { var: v, binding: { value: { case: "promise", value: { nodeId, var: v } } } }));
}

/** The skeleton workflow: one node running the task, inputs from the workflow's, outputs to the node's. */
export function skeletonWorkflowRequest(taskId: Identifier, task: Task) {
  const template = task.closure?.compiledTask?.template;
  const iface = template?.interface;
  const nodeId = nodeIdForTask(taskId.name);
  const id = create(IdentifierSchema, {
    resourceType: ResourceType.WORKFLOW,
    project: taskId.project,
    domain: taskId.domain,
    name: skeletonName(taskId.name),
    version: taskId.version,
  });
  return create(WorkflowCreateRequestSchema, {
    id,
    spec: {
      template: {
        id,
        interface: iface,
        nodes: [
          {
            id: nodeId,
            metadata: {
              name: nodeId,
              retries: template?.metadata?.retries ?? create(RetryStrategySchema, { retries: DEFAULT_RETRIES }),
            },
            inputs: bindings(iface?.inputs, ""),
            target: { case: "taskNode", value: { reference: { case: "referenceId", value: taskId } } },
          },
        ],
        outputs: bindings(iface?.outputs, nodeId),
      },
    },
  });
}

/**
 * The skeleton launch plan: no defaults or fixed inputs (every task input is
 * required), the request's auth role and security context. Its workflow id
 * names the skeleton workflow (FlyteAdmin names the task there).
 */
export function skeletonLaunchPlanRequest(taskId: Identifier, spec: ExecutionSpec) {
  const key = { project: taskId.project, domain: taskId.domain, version: taskId.version };
  return create(LaunchPlanCreateRequestSchema, {
    id: { resourceType: ResourceType.LAUNCH_PLAN, ...key, name: skeletonName(taskId.name) },
    spec: {
      workflowId: { resourceType: ResourceType.WORKFLOW, ...key, name: skeletonName(taskId.name) },
      entityMetadata: {},
      defaultInputs: {},
      fixedInputs: {},
      labels: {},
      annotations: {},
      authRole: spec.authRole,
      securityContext: spec.securityContext,
    },
  });
}

/** A lookup that answers undefined for NOT_FOUND. */
async function found<T>(lookup: Promise<T>): Promise<T | undefined> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof AdminError && err.code === Code.NOT_FOUND) return undefined;
    throw err;
  }
}

/**
 * Fetches, or creates and marks SYSTEM_GENERATED, the skeleton workflow and
 * launch plan of a task. A concurrent execution of the same task may create
 * them first: a failed create is followed by another lookup.
 */
export async function ensureSkeleton(
  entities: RegisteredEntities,
  taskId: Identifier,
  task: TaskRecord,
  spec: ExecutionSpec,
): Promise<{ workflow: WorkflowRecord; launchPlan: LaunchPlanRecord }> {
  const wfRequest = skeletonWorkflowRequest(taskId, task.task);
  const wfId = wfRequest.id as Identifier;
  let workflow = await found(entities.workflow(wfId));
  if (!workflow) {
    workflow = await createThenGet(
      () => entities.createWorkflow(wfRequest),
      () => entities.workflow(wfId),
    );
    await entities.markSystemGenerated(ResourceType.WORKFLOW, wfId.project, wfId.domain, wfId.name);
  }
  const lpRequest = skeletonLaunchPlanRequest(taskId, spec);
  const lpId = lpRequest.id as Identifier;
  let launchPlan = await found(entities.launchPlan(lpId));
  if (!launchPlan) {
    launchPlan = await createThenGet(
      () => entities.createLaunchPlan(lpRequest),
      () => entities.launchPlan(lpId),
    );
    await entities.markSystemGenerated(ResourceType.LAUNCH_PLAN, lpId.project, lpId.domain, lpId.name);
  }
  return { workflow, launchPlan };
}

async function createThenGet<T>(createIt: () => Promise<void>, get: () => Promise<T>): Promise<T> {
  try {
    await createIt();
  } catch (err) {
    const existing = await found(get());
    if (existing) return existing;
    throw err;
  }
  return get();
}
