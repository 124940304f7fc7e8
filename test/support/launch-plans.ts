/**
 * A runnable launch plan for execution, executor and scheduler tests: a
 * one-task workflow registered through the API (CreateTask, CreateWorkflow),
 * and its launch plan written through the repository with the closure
 * CreateLaunchPlan would compute (every workflow input expected and
 * required), optionally active with a schedule.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { nowMicros } from "../../src/common/time.js";
import { LaunchPlanSchema, LaunchPlanState } from "../../src/proto/gen/flyteidl/admin/launch_plan_pb.js";
import type { ScheduleSchema } from "../../src/proto/gen/flyteidl/admin/schedule_pb.js";
import { type Identifier, ResourceType } from "../../src/proto/gen/flyteidl/core/identifier_pb.js";
import type { LiteralType } from "../../src/proto/gen/flyteidl/core/types_pb.js";
import { launchPlanColumns } from "../../src/store/repositories/launch-plan-mapper.js";
import { LaunchPlanRepository } from "../../src/store/repositories/launch-plan-repository.js";
import { SchedulableEntityRepository } from "../../src/store/repositories/schedulable-entity-repository.js";
import { createTaskRequest, DOMAIN, idOf, PROJECT } from "../fixtures/tasks.js";
import { INTEGER, typedInterface } from "../fixtures/types.js";
import { promise, taskNode, workflowTemplate } from "../fixtures/workflows.js";
import { ensureProjects } from "./registration.js";
import type { TestServer } from "./server.js";

export interface RunnableOptions {
  readonly name: string;
  readonly version?: string;
  readonly project?: string;
  readonly domain?: string;
  /** The workflow's (and its task's) inputs; default `{a: int}`. */
  readonly inputs?: Record<string, LiteralType>;
  /** A schedule: the launch plan is then activated and its schedulable entity written. */
  readonly schedule?: MessageInitShape<typeof ScheduleSchema>;
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
  const bindings = Object.keys(inputs).map((k) => promise(k, "", k));
  const template = workflowTemplate(
    wfId,
    inputs,
    { o0: INTEGER },
    [taskNode("n0", taskId, bindings)],
    [promise("o0", "n0", "o0")],
  );
  await s.admin.createWorkflow({ id: wfId, spec: { template } });

  const db = s.server.database;
  const wfRow = await db.kysely
    .selectFrom("workflows")
    .select("id")
    .where("project", "=", project)
    .where("domain", "=", domain)
    .where("name", "=", o.name)
    .where("version", "=", version)
    .executeTakeFirstOrThrow();
  const lpId = idOf(ResourceType.LAUNCH_PLAN, o.name, version, project, domain);
  const iface = typedInterface(inputs, { o0: INTEGER });
  const parameters = Object.fromEntries(
    Object.entries(iface.inputs?.variables ?? {}).map(([k, v]) => [
      k,
      { var: v, behavior: { case: "required" as const, value: true } },
    ]),
  );
  const lp = create(LaunchPlanSchema, {
    id: lpId,
    spec: {
      workflowId: wfId,
      entityMetadata: { schedule: o.schedule },
      defaultInputs: { parameters },
      fixedInputs: {},
    },
    closure: { expectedInputs: { parameters }, expectedOutputs: iface.outputs },
  });
  const schedules = new SchedulableEntityRepository(db.codec);
  const repo = new LaunchPlanRepository(db, schedules);
  await repo.create(
    launchPlanColumns(lp, wfRow.id, new Uint8Array([1]), LaunchPlanState.INACTIVE, db.codec, nowMicros()),
  );
  if (o.schedule || o.active) {
    const key = { project, domain, name: o.name, version };
    const expr = o.schedule?.ScheduleExpression;
    await repo.activate(key, () => ({
      schedulesOff: [],
      scheduleOn: o.schedule
        ? {
            ...key,
            cronExpression:
              expr?.case === "cronExpression"
                ? expr.value
                : expr?.case === "cronSchedule"
                  ? (expr.value.schedule ?? "")
                  : "",
            fixedRateValue: expr?.case === "rate" ? (expr.value.value ?? 0) : 0,
            unit: expr?.case === "rate" ? (expr.value.unit ?? 0) : 0,
            kickoffTimeInputArg: o.schedule.kickoffTimeInputArg ?? "",
          }
        : undefined,
    }));
  }
  return lpId;
}
