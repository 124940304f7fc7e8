/**
 * GetExecutionMetrics (executions.md §2.8) for an execution driven through
 * its phases by the test playing FlytePropeller: workflow, node and task
 * events with known times, then the span tree checked piece by piece.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { type Timestamp, TimestampSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "../src/errors/codes.js";
import {
  NodeExecution_Phase as N,
  TaskExecution_Phase as T,
  WorkflowExecution_Phase as W,
} from "../src/proto/gen/flyteidl/core/execution_pb.js";
import type { Span } from "../src/proto/gen/flyteidl/core/metrics_pb.js";
import { HELLO_WF, pyflyteRunRequest, registerHello, SAY_HELLO } from "./fixtures/executions.js";
import { DOMAIN, PROJECT, taskId } from "./fixtures/tasks.js";
import { intLiteral } from "./fixtures/types.js";
import { launchPlanId } from "./fixtures/workflows.js";
import { rejectsWith } from "./support/assertions.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

const id = { project: PROJECT, domain: DOMAIN, name: "metered" };
const ms = (t: Timestamp | undefined) => (t ? Number(t.seconds) * 1000 + t.nanos / 1e6 : 0);
/** `t` plus `offset` milliseconds, exactly. */
function after(t: Timestamp, offset: number): Timestamp {
  const nanos = t.seconds * 1_000_000_000n + BigInt(t.nanos) + BigInt(offset) * 1_000_000n;
  return create(TimestampSchema, { seconds: nanos / 1_000_000_000n, nanos: Number(nanos % 1_000_000_000n) });
}

/** The span's label: an operation name, or the kind of entity it stands for. */
function label(s: Span): string {
  switch (s.id.case) {
    case "operationId":
      return s.id.value;
    case "nodeId":
      return `node:${s.id.value.nodeId}`;
    case "taskId":
      return `task:${s.id.value.retryAttempt}`;
    case "workflowId":
      return `workflow:${s.id.value.name}`;
    default:
      return "?";
  }
}

/** Drives a one-node run: the workflow, start-node, n0 with one task attempt, end-node; t0 + offsets in ms. */
async function drive(s: TestServer, t0: Timestamp): Promise<void> {
  const at = (offset: number) => after(t0, offset);
  const wf = (phase: W, offset: number) =>
    s.admin.createWorkflowEvent({
      requestId: `wf-${phase}`,
      event: { executionId: id, phase, occurredAt: at(offset), producerId: "propeller" },
    });
  const node = (nodeId: string, phase: N, offset: number) =>
    s.admin.createNodeEvent({
      requestId: `${nodeId}-${phase}`,
      event: {
        id: { nodeId, executionId: id },
        phase,
        occurredAt: at(offset),
        producerId: "propeller",
        specNodeId: nodeId,
        inputValue: { case: "inputUri", value: "s3://bucket/inputs.pb" },
        ...(phase === N.SUCCEEDED ? { outputResult: { case: "outputUri", value: "s3://bucket/out.pb" } } : {}),
      },
    });
  const task = (phase: T, offset: number) =>
    s.admin.createTaskEvent({
      requestId: `task-${phase}`,
      event: {
        taskId: taskId(SAY_HELLO, "v1"),
        parentNodeExecutionId: { nodeId: "n0", executionId: id },
        retryAttempt: 0,
        phase,
        occurredAt: at(offset),
        producerId: "propeller",
      },
    });
  await wf(W.RUNNING, 1000);
  await node("start-node", N.SUCCEEDED, 2000);
  await node("n0", N.QUEUED, 3000);
  await task(T.QUEUED, 4000);
  await node("n0", N.RUNNING, 5000);
  await task(T.RUNNING, 6000);
  await task(T.SUCCEEDED, 9000);
  await node("n0", N.SUCCEEDED, 10000);
  await node("end-node", N.SUCCEEDED, 11000);
  await wf(W.SUCCEEDED, 12000);
}

describeEachDatabase("GetExecutionMetrics", (srv) => {
  test("a finished one-node run: setup, node with transition, task setup/runtime/teardown, workflow teardown", async () => {
    const s = srv();
    await s.admin.registerProject({ project: { id: PROJECT, name: PROJECT } });
    await registerHello(s.admin, "v1");
    const req = pyflyteRunRequest(launchPlanId(HELLO_WF, "v1"), { times: intLiteral(1) });
    req.name = id.name;
    await s.admin.createExecution(req);
    const createdAt = (await s.admin.getExecution({ id })).closure?.createdAt;
    assert.ok(createdAt);
    const created = ms(createdAt);
    await drive(s, createdAt);

    const flat = (await s.admin.getExecutionMetrics({ id })).span;
    assert.equal(flat && label(flat), `workflow:${id.name}`);
    assert.equal(flat?.spans.length, 0, "depth 0: the execution only");

    const span = (await s.admin.getExecutionMetrics({ id, depth: 3 })).span;
    assert.ok(span);
    assert.equal(ms(span.startTime), created);
    assert.equal(ms(span.endTime), created + 12000);
    assert.deepEqual(span.spans.map(label), ["WORKFLOW_SETUP", "node:n0", "WORKFLOW_TEARDOWN"]);
    const [setup, node, teardown] = span.spans as [Span, Span, Span];
    assert.deepEqual([ms(setup.startTime) - created, ms(setup.endTime) - created], [0, 2000]);
    assert.deepEqual([ms(teardown.startTime) - created, ms(teardown.endTime) - created], [10000, 12000]);
    assert.deepEqual(node.spans.map(label), ["NODE_TRANSITION", "NODE_SETUP", "task:0", "NODE_TEARDOWN"]);
    const [transition, nodeSetup, attempt] = node.spans as [Span, Span, Span];
    assert.deepEqual([ms(transition.startTime) - created, ms(transition.endTime) - created], [2000, 3000]);
    assert.deepEqual([ms(nodeSetup.startTime) - created, ms(nodeSetup.endTime) - created], [3000, 4000]);
    assert.deepEqual(attempt.spans.map(label), ["TASK_SETUP", "TASK_RUNTIME", "TASK_TEARDOWN"]);
    const runtime = attempt.spans[1] as Span;
    assert.deepEqual([ms(runtime.startTime) - created, ms(runtime.endTime) - created], [6000, 9000]);

    const shallow = (await s.admin.getExecutionMetrics({ id, depth: 2 })).span;
    const shallowNode = shallow?.spans[1];
    assert.deepEqual(
      shallowNode?.spans.map(label),
      ["NODE_TRANSITION", "NODE_SETUP", "NODE_TEARDOWN"],
      "no task spans at this depth",
    );

    const http = await s.http(`/api/v1/metrics/executions/${PROJECT}/${DOMAIN}/${id.name}?depth=3`, {
      headers: { Accept: "application/json" },
    });
    assert.equal(http.status, 200);
    const body = (await http.json()) as { span: { spans: { operation_id?: string; node_id?: unknown }[] } };
    assert.equal(body.span.spans[0]?.operation_id, "WORKFLOW_SETUP");
  });

  test("an execution that has not started is all WORKFLOW_SETUP; unknown ids are NOT_FOUND", async () => {
    const s = srv();
    const req = pyflyteRunRequest(launchPlanId(HELLO_WF, "v1"), { times: intLiteral(1) });
    req.name = "not-started";
    await s.admin.createExecution(req);
    const span = (await s.admin.getExecutionMetrics({ id: { ...id, name: "not-started" }, depth: 5 })).span;
    assert.deepEqual(span?.spans.map(label), ["WORKFLOW_SETUP"]);
    await rejectsWith(s.admin.getExecutionMetrics({ id: { ...id, name: "nope" } }), Code.NOT_FOUND);
    await rejectsWith(s.admin.getExecutionMetrics({}), Code.INVALID_ARGUMENT, "missing id");
  });
});
