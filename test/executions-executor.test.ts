/**
 * The executor contract (executions.md §1.6, §5, §1.1 step 18) with test
 * engines registered by type: one that records what it receives, one that
 * refuses every launch. Also single-task executions (§1.7).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ExecutorRegistry } from "../src/engine/executor-registry.js";
import type { AbortData, ExecutionData, WorkflowExecutor } from "../src/engine/workflow-executor.js";
import { AdminError } from "../src/errors/admin-error.js";
import { Code } from "../src/errors/codes.js";
import { NamedEntityState } from "../src/proto/gen/flyteidl/admin/common_pb.js";
import { ExecutionError_ErrorKind, WorkflowExecution_Phase } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { ResourceType } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import { HELLO_WF, helloRequests, pyflyteRunRequest, registerHello, SAY_HELLO } from "./fixtures/executions.js";
import { DOMAIN, PROJECT, taskId } from "./fixtures/tasks.js";
import { intLiteral, stringLiteral } from "./fixtures/types.js";
import { launchPlanId } from "./fixtures/workflows.js";
import { rejectsWith } from "./support/assertions.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

/** An engine that accepts everything, places runs on cluster "c1" and remembers what it was told. */
class RecordingExecutor implements WorkflowExecutor {
  readonly type = "external";
  readonly launched: ExecutionData[] = [];
  readonly aborted: AbortData[] = [];
  async execute(data: ExecutionData) {
    this.launched.push(data);
    return { cluster: "c1" };
  }
  async abort(data: AbortData) {
    this.aborted.push(data);
  }
}

const LONG = `failed to create workflow in propeller ${"boom ".repeat(40)}`;

/** An engine that refuses every launch. */
class RefusingExecutor implements WorkflowExecutor {
  readonly type = "external";
  async execute(): Promise<never> {
    throw AdminError.internal(LONG);
  }
  async abort() {}
}

async function setUp(s: TestServer): Promise<void> {
  await s.admin.registerProject({ project: { id: PROJECT, name: PROJECT, labels: { values: { team: "ml" } } } });
  await registerHello(s.admin, "v1", { lpSpec: { labels: { values: { from: "lp", team: "lp-team" } } } });
}

const recording = new RecordingExecutor();
describeEachDatabase(
  "executor contract",
  (srv) => {
    test("Execute receives the namespace, merged inputs, labels with project labels, config; the cluster is recorded", async () => {
      const s = srv();
      await setUp(s);
      const req = pyflyteRunRequest(launchPlanId(HELLO_WF, "v1"), { times: intLiteral(2) });
      req.name = "recorded";
      await s.admin.createExecution(req);
      const data = recording.launched.find((d) => d.executionId.name === "recorded");
      assert.ok(data);
      assert.equal(data.namespace, "flytesnacks-development");
      assert.equal(data.referenceWorkflowName, HELLO_WF);
      assert.equal(data.referenceLaunchPlanName, HELLO_WF);
      assert.deepEqual(data.executionParameters.inputs.literals.name, stringLiteral("world"));
      assert.deepEqual(data.executionParameters.labels, { from: "lp", team: "lp-team" });
      assert.equal(data.executionParameters.executionConfig.maxParallelism, 25);
      assert.match(data.offloadedInputsReference, /\/metadata\/flytesnacks\/development\/recorded\/inputs$/);
      assert.ok(data.workflowClosure.primary?.template, "the compiled workflow");
      const task = data.workflowClosure.tasks[0]?.template?.target;
      assert.ok(task?.case === "container");
      assert.deepEqual(
        task.value.resources?.requests.map((r) => r.value),
        ["2", "200Mi"],
        "platform defaults applied",
      );
      const e = await s.admin.getExecution({ id: data.executionId });
      assert.equal(e.spec?.metadata?.systemMetadata?.executionCluster, "c1");
    });

    test("Terminate tells the executor the recorded cluster and namespace; Recover passes the recovery execution", async () => {
      const s = srv();
      const id = { project: PROJECT, domain: DOMAIN, name: "recorded" };
      await s.admin.terminateExecution({ id, cause: "stop" });
      const abort = recording.aborted.find((a) => a.executionId.name === "recorded");
      assert.deepEqual([abort?.cluster, abort?.namespace], ["c1", "flytesnacks-development"]);
      await s.admin.recoverExecution({ id, name: "recovered" });
      const data = recording.launched.find((d) => d.executionId.name === "recovered");
      assert.equal(data?.executionParameters.recoveryExecution?.name, "recorded");
    });
    test("single-task execution: .flytegen workflow and launch plan, SYSTEM_GENERATED, launch entity task", async () => {
      const s = srv();
      const t = taskId(SAY_HELLO, "v1");
      const req = pyflyteRunRequest(t, { name: stringLiteral("x") });
      req.name = "single-task";
      await s.admin.createExecution(req);
      const wf = await s.admin.getWorkflow({
        id: {
          resourceType: ResourceType.WORKFLOW,
          project: PROJECT,
          domain: DOMAIN,
          name: `.flytegen.${SAY_HELLO}`,
          version: "v1",
        },
      });
      const nodes = wf.closure?.compiledWorkflow?.primary?.template?.nodes.map((n) => n.id) ?? [];
      assert.ok(nodes.includes("wfhellosayhello"), `a node named after the task, letters and digits only: ${nodes}`);
      const lp = await s.admin.getLaunchPlan({
        id: {
          resourceType: ResourceType.LAUNCH_PLAN,
          project: PROJECT,
          domain: DOMAIN,
          name: `.flytegen.${SAY_HELLO}`,
          version: "v1",
        },
      });
      assert.equal(lp.spec?.workflowId?.name, `.flytegen.${SAY_HELLO}`);
      for (const resourceType of [ResourceType.WORKFLOW, ResourceType.LAUNCH_PLAN]) {
        const ne = await s.admin.getNamedEntity({
          resourceType,
          id: { project: PROJECT, domain: DOMAIN, name: `.flytegen.${SAY_HELLO}` },
        });
        assert.equal(ne.metadata?.state, NamedEntityState.SYSTEM_GENERATED);
      }
      const e = await s.admin.getExecution({ id: { project: PROJECT, domain: DOMAIN, name: "single-task" } });
      assert.equal(e.spec?.launchPlan?.resourceType, ResourceType.TASK);
      assert.equal(e.closure?.workflowId?.name, `.flytegen.${SAY_HELLO}`);
      // A second run reuses the skeletons; a missing required task input is refused.
      await s.admin.createExecution(pyflyteRunRequest(t, { name: stringLiteral("y") }));
      await rejectsWith(
        s.admin.createExecution(pyflyteRunRequest(t, {})),
        Code.INVALID_ARGUMENT,
        "expected_inputs name missing",
      );
      const byTask = await s.admin.listExecutions({
        id: { project: PROJECT, domain: DOMAIN },
        limit: 10,
        filters: `eq(task.name,${SAY_HELLO})`,
      });
      assert.equal(byTask.executions.length, 2);
    });
    test("simultaneous first runs of a task all succeed: the skeletons are created once", async () => {
      const s = srv();
      const r = helloRequests("v-race");
      await s.admin.createTask(r.task);
      const t = taskId(SAY_HELLO, "v-race");
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () => s.admin.createExecution(pyflyteRunRequest(t, { name: stringLiteral("x") }))),
      );
      assert.deepEqual(
        results.map((x) => (x.status === "rejected" ? String((x.reason as Error).message) : "ok")),
        Array(6).fill("ok"),
      );
      const lps = await s.admin.listLaunchPlans({
        id: { project: PROJECT, domain: DOMAIN, name: `.flytegen.${SAY_HELLO}` },
        limit: 10,
        filters: "eq(version,v-race)",
      });
      assert.equal(lps.launchPlans.length, 1);
    });
  },
  {},
  { executors: ExecutorRegistry.builtIn().with("external", () => recording) },
);

describeEachDatabase(
  "executor refusal",
  (srv) => {
    test("launch plan path: CreateExecution succeeds and the execution is FAILED with the executor's error", async () => {
      const s = srv();
      await setUp(s);
      const req = pyflyteRunRequest(launchPlanId(HELLO_WF, "v1"), { times: intLiteral(1) });
      req.name = "refused";
      const { id } = await s.admin.createExecution(req);
      const e = await s.admin.getExecution({ id });
      assert.equal(e.closure?.phase, WorkflowExecution_Phase.FAILED);
      assert.equal(e.closure?.outputResult.case, "error");
      if (e.closure?.outputResult.case === "error") {
        assert.equal(e.closure.outputResult.value.code, "Internal");
        assert.equal(e.closure.outputResult.value.message, LONG);
        assert.equal(e.closure.outputResult.value.kind, ExecutionError_ErrorKind.SYSTEM);
      }
      const listed = await s.admin.listExecutions({
        id: { project: PROJECT, domain: DOMAIN },
        limit: 10,
        filters: "eq(error_code,Internal)+eq(execution.phase,FAILED)",
      });
      assert.equal(listed.executions.length, 1);
      const message = listed.executions[0]?.closure?.outputResult;
      assert.equal(
        message?.case === "error" && message.value.message,
        LONG.slice(0, 100),
        "trimmed to 100 bytes in lists",
      );
      await rejectsWith(
        s.admin.terminateExecution({ id, cause: "x" }),
        Code.FAILED_PRECONDITION,
        "Cannot abort an already terminated workflow execution",
      );
    });
    test("single-task path: the executor's error is returned and nothing is stored", async () => {
      const s = srv();
      const req = pyflyteRunRequest(taskId(SAY_HELLO, "v1"), { name: stringLiteral("x") });
      req.name = "refused-task";
      await rejectsWith(s.admin.createExecution(req), Code.INTERNAL, LONG);
      await rejectsWith(
        s.admin.getExecution({ id: { project: PROJECT, domain: DOMAIN, name: "refused-task" } }),
        Code.NOT_FOUND,
      );
    });
  },
  {},
  { executors: ExecutorRegistry.builtIn().with("external", () => new RefusingExecutor()) },
);
