/**
 * A runnable launch plan for execution, executor and scheduler tests: a
 * one-task workflow and its launch plan, registered through the API
 * (CreateTask, CreateWorkflow, CreateLaunchPlan) and, with a schedule or on
 * request, activated (UpdateLaunchPlan), which writes its schedulable entity.
 */
import { LaunchPlanState } from "../../src/proto/gen/flyteidl/admin/launch_plan_pb.js";
import type { Schedule } from "../../src/proto/gen/flyteidl/admin/schedule_pb.js";
import { type Identifier, ResourceType } from "../../src/proto/gen/flyteidl/core/identifier_pb.js";
import type { LiteralType } from "../../src/proto/gen/flyteidl/core/types_pb.js";
import { launchPlanRequest } from "../fixtures/launch-plans.js";
import { createTaskRequest, DOMAIN, idOf, PROJECT } from "../fixtures/tasks.js";
import { INTEGER } from "../fixtures/types.js";
import { promise, taskNode, workflowTemplate } from "../fixtures/workflows.js";
import { ensureProjects } from "./registration.js";
import type { TestServer } from "./server.js";

export interface RunnableOptions {
  readonly name: string;
  readonly version?: string;
  readonly project?: string;
  readonly domain?: string;
  /** The workflow's (and its task's) inputs, all required; default `{a: int}`. */
  readonly inputs?: Record<string, LiteralType>;
  /** A schedule: the launch plan is then activated, which writes its schedulable entity. */
  readonly schedule?: Schedule;
  /** Activate without a schedule. */
  readonly active?: boolean;
}

/**
 * Registers the workflow `<name>` (one python task consuming every input) and the launch plan `<name>`.
 * Returns the launch plan id.
 */
export async function seedRunnableLaunchPlan(s: TestServer, o: RunnableOptions): Promise<Identifier> {
  const version = o.version ?? "v1";
  const project = o.project ?? PROJECT;
  const domain = o.domain ?? DOMAIN;
  const inputs = o.inputs ?? { a: INTEGER };
  await ensureProjects(s, project);
  const taskId = idOf(ResourceType.TASK, `${o.name}.task`, version, project, domain);
  await s.admin.createTask(createTaskRequest(taskId, { inputs, outputs: { o0: INTEGER } }));
  const wfId = idOf(ResourceType.WORKFLOW, o.name, version, project, domain);
  const bindings = Object.keys(inputs).map((k) => promise(k, "start-node", k));
  const template = workflowTemplate(
    wfId,
    inputs,
    { o0: INTEGER },
    [taskNode("n0", taskId, bindings)],
    [promise("o0", "n0", "o0")],
  );
  await s.admin.createWorkflow({ id: wfId, spec: { template } });
  const lpId = idOf(ResourceType.LAUNCH_PLAN, o.name, version, project, domain);
  await s.admin.createLaunchPlan(launchPlanRequest(lpId, wfId, { inputs, schedule: o.schedule }));
  if (o.schedule || o.active) await s.admin.updateLaunchPlan({ id: lpId, state: LaunchPlanState.ACTIVE });
  return lpId;
}
