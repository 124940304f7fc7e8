/**
 * The local engine behind the real server, on both databases: a workflow of
 * raw container tasks registered and launched over gRPC runs to its end; the
 * execution, its node and task executions and its outputs read back through
 * the query RPCs as FlytePropeller's events would leave them; the task log
 * link is served over HTTP. Skipped while CreateExecution is not served.
 */
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import type { ServiceError } from "@grpc/grpc-js";
import { Code } from "../src/errors/codes.js";
import { WorkflowExecution_Phase as W } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { type Identifier, IdentifierSchema, ResourceType } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

const P = "enginetest";
const D = "development";
const ident = (resourceType: ResourceType, name: string): Identifier =>
  create(IdentifierSchema, { resourceType, project: P, domain: D, name, version: "v1" });
const intType = { type: { case: "simple" as const, value: 1 } };

async function served(s: TestServer, t: TestContext): Promise<boolean> {
  try {
    await s.admin.createExecution({});
  } catch (e) {
    if ((e as ServiceError).code === Code.UNIMPLEMENTED) {
      t.skip("CreateExecution is not served on this branch yet");
      return false;
    }
  }
  return true;
}

async function waitFor(s: TestServer, name: string): Promise<W> {
  for (let i = 0; i < 300; i++) {
    const e = await s.admin.getExecution({ id: { project: P, domain: D, name } });
    const phase = e.closure?.phase ?? W.UNDEFINED;
    if ([W.SUCCEEDED, W.FAILED, W.ABORTED, W.TIMED_OUT].includes(phase)) return phase;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not finish`);
}

describeEachDatabase(
  "local engine behind the server",
  (srv) => {
    test("a two-node chain of raw container tasks runs and reads back like a FlytePropeller run", async (t) => {
      const s = srv();
      if (!(await served(s, t))) return;
      await s.admin.registerProject({ project: { id: P, name: P } });
      const task = ident(ResourceType.TASK, "inc");
      await s.admin.createTask({
        id: task,
        spec: {
          template: {
            id: task,
            type: "raw-container",
            metadata: { runtime: { version: "test" } },
            interface: {
              inputs: { variables: { x: { type: intType } } },
              outputs: { variables: { o0: { type: intType } } },
            },
            target: {
              case: "container",
              value: {
                image: "alpine:3",
                command: ["sh", "-c", "echo step; echo $(( $(cat /var/in/x) + 1 )) > /var/out/o0"],
                dataConfig: { enabled: true, inputPath: "/var/in", outputPath: "/var/out" },
              },
            },
          },
        },
      });
      const wf = ident(ResourceType.WORKFLOW, "chain");
      const promise = (nodeId: string, v: string) => ({
        value: { case: "promise" as const, value: { nodeId, var: v } },
      });
      const taskRef = {
        case: "taskNode" as const,
        value: { reference: { case: "referenceId" as const, value: task } },
      };
      await s.admin.createWorkflow({
        id: wf,
        spec: {
          template: {
            id: wf,
            metadata: {},
            interface: {
              inputs: { variables: { x: { type: intType } } },
              outputs: { variables: { y: { type: intType } } },
            },
            nodes: [
              { id: "n0", inputs: [{ var: "x", binding: promise("start-node", "x") }], target: taskRef },
              { id: "n1", inputs: [{ var: "x", binding: promise("n0", "o0") }], target: taskRef },
            ],
            outputs: [{ var: "y", binding: promise("n1", "o0") }],
          },
        },
      });
      const lp = ident(ResourceType.LAUNCH_PLAN, "chain");
      await s.admin.createLaunchPlan({
        id: lp,
        spec: { workflowId: wf, defaultInputs: { parameters: {} }, fixedInputs: { literals: {} } },
      });
      const int = (n: bigint) => ({
        value: {
          case: "scalar" as const,
          value: { value: { case: "primitive" as const, value: { value: { case: "integer" as const, value: n } } } },
        },
      });
      await s.admin.createExecution({
        project: P,
        domain: D,
        name: "chain1",
        spec: { launchPlan: lp },
        inputs: { literals: { x: int(40n) } },
      });
      assert.equal(await waitFor(s, "chain1"), W.SUCCEEDED);
      const id = { project: P, domain: D, name: "chain1" };
      const data = await s.admin.getExecutionData({ id });
      const y = data.fullOutputs?.literals.y?.value;
      assert.equal(
        y?.case === "scalar" && y.value.value.case === "primitive" ? y.value.value.value.value.value : undefined,
        42n,
      );
      const nodes = await s.admin.listNodeExecutions({ workflowExecutionId: id, limit: 10 });
      assert.deepEqual(nodes.nodeExecutions.map((n) => [n.id?.nodeId, n.closure?.phase]).sort(), [
        ["end-node", 3],
        ["n0", 3],
        ["n1", 3],
        ["start-node", 3],
      ]);
      const tasks = await s.admin.listTaskExecutions({ nodeExecutionId: { executionId: id, nodeId: "n0" }, limit: 10 });
      assert.equal(tasks.taskExecutions.length, 1);
      const logs = tasks.taskExecutions[0]?.closure?.logs ?? [];
      assert.deepEqual(logs.map((l) => l.name).sort(), ["stderr", "stdout"]);
      const stdout = logs.find((l) => l.name === "stdout")!.uri;
      const res = await fetch(stdout);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "step\n");
      assert.equal((await fetch(`${s.httpBase}/engine/logs/${P}/${D}/chain1/n0/0/../../stdout`)).status, 404);
    });
  },
  { executor: { type: "local", local: { env: { PATH: "/usr/local/bin:/usr/bin:/bin" } } } },
);
