/**
 * Before a fuzz run: the entities the filled requests name (project, hello
 * task/workflow/launch plan, an execution with a node and a task attempt).
 * After it: every stored entity, listed through the API and read back one by
 * one, so that a fuzzed write that stored something unreadable shows.
 */

import { NodeExecution_Phase, TaskExecution_Phase } from "../../../src/proto/gen/flyteidl/core/execution_pb.js";
import { HELLO_WF, registerHello, SAY_HELLO } from "../../fixtures/executions.js";
import { taskId } from "../../fixtures/tasks.js";
import { intLiteral } from "../../fixtures/types.js";
import { launchPlanId } from "../../fixtures/workflows.js";
import { ensureProjects } from "../registration.js";
import type { TestServer } from "../server.js";
import { FUZZ } from "./requests.js";

export async function prepareFuzzTargets(srv: TestServer): Promise<void> {
  await ensureProjects(srv, FUZZ.project);
  await registerHello(srv.admin, FUZZ.version, { project: FUZZ.project, domain: FUZZ.domain });
  const executionId = { project: FUZZ.project, domain: FUZZ.domain, name: FUZZ.execution };
  await srv.admin.createExecution({
    project: FUZZ.project,
    domain: FUZZ.domain,
    name: FUZZ.execution,
    spec: {
      launchPlan: launchPlanId(HELLO_WF, FUZZ.version, FUZZ.project, FUZZ.domain),
      metadata: { principal: "fuzz" },
    },
    inputs: { literals: { times: intLiteral(1) } },
  });
  const occurredAt = { seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 };
  await srv.admin.createNodeEvent({
    requestId: "fuzz-n0",
    event: {
      id: { executionId, nodeId: FUZZ.node },
      phase: NodeExecution_Phase.RUNNING,
      occurredAt,
      producerId: "propeller",
    },
  });
  await srv.admin.createTaskEvent({
    requestId: "fuzz-t0",
    event: {
      taskId: taskId(SAY_HELLO, FUZZ.version, FUZZ.project, FUZZ.domain),
      parentNodeExecutionId: { executionId, nodeId: FUZZ.node },
      retryAttempt: 0,
      phase: TaskExecution_Phase.RUNNING,
      occurredAt,
      producerId: "propeller",
    },
  });
}

export interface ReadBack {
  /** Entities read back with their own Get. */
  readonly checked: number;
  readonly failures: string[];
}

type Admin = TestServer["admin"];

async function pages<T>(fetchPage: (token: string) => Promise<{ items: T[]; token: string }>): Promise<T[]> {
  const out: T[] = [];
  let token = "";
  for (let i = 0; i < 10_000; i++) {
    const page = await fetchPage(token);
    out.push(...page.items);
    if (!page.token || page.token === token) break;
    token = page.token;
  }
  return out;
}

/** Lists every project, entity and execution (with nodes and task attempts) and Gets each. */
export async function readBackEverything(srv: TestServer): Promise<ReadBack> {
  const admin: Admin = srv.admin;
  const failures: string[] = [];
  let checked = 0;
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      checked++;
    } catch (err) {
      failures.push(`${what}: ${(err as Error).message}`);
    }
  };
  // Archived projects (UpdateProject may archive one) are listed only when asked for.
  const projects = [];
  for (const filters of ["", "eq(state,1)", "eq(state,2)"]) {
    projects.push(
      ...(await pages(async (token) => {
        const r = await admin.listProjects({ limit: 100, token, filters });
        return { items: r.projects, token: r.token };
      })),
    );
  }
  for (const project of projects) {
    await attempt(`GetProject ${project.id}`, () => admin.getProject({ id: project.id }));
    for (const domain of project.domains) {
      const scope = { project: project.id, domain: domain.id };
      for (const kind of ["task", "workflow", "launchPlan"] as const) {
        const ids = await pages(async (token) => {
          const req = { ...scope, limit: 100, token };
          const r =
            kind === "task"
              ? await admin.listTaskIds(req)
              : kind === "workflow"
                ? await admin.listWorkflowIds(req)
                : await admin.listLaunchPlanIds(req);
          return { items: r.entities, token: r.token };
        });
        for (const id of ids) {
          const versions = await pages(async (token) => {
            const req = { id, limit: 100, token };
            if (kind === "task") {
              const r = await admin.listTasks(req);
              return { items: r.tasks.map((t) => t.id), token: r.token };
            }
            if (kind === "workflow") {
              const r = await admin.listWorkflows(req);
              return { items: r.workflows.map((t) => t.id), token: r.token };
            }
            const r = await admin.listLaunchPlans(req);
            return { items: r.launchPlans.map((t) => t.id), token: r.token };
          });
          for (const v of versions) {
            const what = `Get ${kind} ${JSON.stringify(v)}`;
            if (kind === "task") await attempt(what, () => admin.getTask({ id: v }));
            else if (kind === "workflow") await attempt(what, () => admin.getWorkflow({ id: v }));
            else await attempt(what, () => admin.getLaunchPlan({ id: v }));
          }
        }
      }
      const executions = await pages(async (token) => {
        const r = await admin.listExecutions({ id: scope, limit: 100, token });
        return { items: r.executions, token: r.token };
      });
      for (const e of executions) {
        await attempt(`GetExecution ${e.id?.name}`, () => admin.getExecution({ id: e.id }));
        const nodes = await pages(async (token) => {
          const r = await admin.listNodeExecutions({ workflowExecutionId: e.id, limit: 100, token });
          return { items: r.nodeExecutions, token: r.token };
        });
        for (const n of nodes) {
          await attempt(`GetNodeExecution ${n.id?.nodeId}`, () => admin.getNodeExecution({ id: n.id }));
          const attempts = await pages(async (token) => {
            const r = await admin.listTaskExecutions({ nodeExecutionId: n.id, limit: 100, token });
            return { items: r.taskExecutions, token: r.token };
          });
          for (const t of attempts) {
            await attempt(`GetTaskExecution ${n.id?.nodeId}/${t.id?.retryAttempt}`, () =>
              admin.getTaskExecution({ id: t.id }),
            );
          }
        }
      }
    }
  }
  return { checked, failures };
}
