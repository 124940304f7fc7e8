/** CreateTaskEvent (executions.md §3.3) and the task execution queries (§4.6–4.8), on every database. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "../src/errors/codes.js";
import { NodeExecution_Phase as N, TaskExecution_Phase as T } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { LiteralMapSchema } from "../src/proto/gen/flyteidl/core/literals_pb.js";
import type { TaskExecutionEventSchema } from "../src/proto/gen/flyteidl/event/event_pb.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import {
  type ExecId,
  eventExecution,
  eventRejection,
  execIdText,
  nodeIdText,
  taskRef,
  tick,
} from "./support/propeller.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

type TaskEventInit = Omit<MessageInitShape<typeof TaskExecutionEventSchema>, "$typeName">;

let counter = 0;

/** An execution with node `n0` running. */
async function withNode(srv: TestServer, cluster = ""): Promise<ExecId> {
  const id = await eventExecution(srv, `te${++counter}`, cluster);
  await srv.admin.createNodeEvent({
    event: { id: { executionId: id, nodeId: "n0" }, phase: N.RUNNING, occurredAt: tick() },
  });
  return id;
}

function task(srv: TestServer, id: ExecId, phase: T, extra: TaskEventInit = {}) {
  return srv.admin.createTaskEvent({
    requestId: `r${++counter}`,
    event: {
      taskId: taskRef(),
      parentNodeExecutionId: { executionId: id, nodeId: "n0" },
      phase,
      ...extra,
      occurredAt: extra.occurredAt ?? tick(),
    },
  });
}

const attemptId = (id: ExecId, retryAttempt = 0) => ({
  taskId: taskRef(),
  nodeExecutionId: { executionId: id, nodeId: "n0" },
  retryAttempt,
});
const attemptText = (id: ExecId, retry = 0) =>
  `task_id:{resource_type:TASK project:"flytesnacks" domain:"development" name:"t1" version:"v1"} node_execution_id:{${nodeIdText(id, "n0")}}${retry === 0 ? "" : ` retry_attempt:${retry}`}`;
const log = (uri: string, name: string, flags: { pending?: boolean; hide?: boolean } = {}) => ({
  uri,
  name,
  ShowWhilePending: flags.pending ?? false,
  HideOnceFinished: flags.hide ?? false,
});

describeEachDatabase("task events", (srv) => {
  test("an attempt is created, started, ended; each retry is its own attempt", async () => {
    const id = await withNode(srv());
    const queued = tick();
    await task(srv(), id, T.QUEUED, {
      occurredAt: queued,
      taskType: "python-task",
      inputValue: { case: "inputUri", value: "s3://in" },
    });
    const running = tick();
    await task(srv(), id, T.RUNNING, { occurredAt: running });
    const done = tick();
    await task(srv(), id, T.SUCCEEDED, { occurredAt: done, outputResult: { case: "outputUri", value: "s3://out" } });
    await task(srv(), id, T.RUNNING, { retryAttempt: 1 });
    const te = await srv().admin.getTaskExecution({ id: attemptId(id) });
    assert.equal(te.closure?.phase, T.SUCCEEDED);
    assert.deepEqual(te.closure?.createdAt, queued);
    assert.deepEqual(te.closure?.startedAt, running);
    assert.equal(te.closure?.duration?.seconds, 1n);
    assert.equal(te.closure?.taskType, "python-task");
    assert.equal(te.inputUri, "s3://in");
    assert.equal(te.closure?.outputResult.value, "s3://out");
    assert.equal(te.isParent, false);
    const list = await srv().admin.listTaskExecutions({
      nodeExecutionId: { executionId: id, nodeId: "n0" },
      limit: 10,
      sortBy: { key: "retry_attempt", direction: 1 },
    });
    assert.deepEqual(
      list.taskExecutions.map((t) => [t.id?.retryAttempt, t.closure?.phase]),
      [
        [0, T.SUCCEEDED],
        [1, T.RUNNING],
      ],
    );
    const second = await srv().admin.listTaskExecutions({
      nodeExecutionId: { executionId: id, nodeId: "n0" },
      limit: 1,
      filters: "eq(retry_attempt,1)",
    });
    assert.equal(second.taskExecutions[0]?.id?.retryAttempt, 1);
    assert.equal(second.token, "1");
  });

  test("validation", async () => {
    const id = await withNode(srv());
    const { admin } = srv();
    const node = { executionId: id, nodeId: "n0" };
    const at = tick();
    const cases: [MessageInitShape<typeof TaskExecutionEventSchema> | undefined, string][] = [
      [undefined, "missing event"],
      [{ taskId: taskRef() }, "missing occurred_at"],
      [{ occurredAt: at, taskId: taskRef() }, "missing node_execution_id"],
      [{ occurredAt: at, taskId: taskRef(), parentNodeExecutionId: { nodeId: "n0" } }, "missing execution_id"],
      [{ occurredAt: at, taskId: taskRef(), parentNodeExecutionId: { executionId: id } }, "missing node_id"],
      [{ occurredAt: at, parentNodeExecutionId: node }, "missing task_id"],
      [
        { occurredAt: at, parentNodeExecutionId: node, taskId: { ...taskRef(), resourceType: 2 } },
        'unexpected resource type workflow for identifier [resource_type:WORKFLOW project:"flytesnacks" domain:"development" name:"t1" version:"v1"], expected task instead',
      ],
      [{ occurredAt: at, parentNodeExecutionId: node, taskId: { ...taskRef(), version: "" } }, "missing version"],
    ];
    for (const [event, message] of cases) {
      await rejectsWith(admin.createTaskEvent({ event }), Code.INVALID_ARGUMENT, message);
    }
  });

  test("unknown execution or node execution are NOT_FOUND", async () => {
    const id = await withNode(srv());
    const ghost = { ...id, name: "ghost" };
    const noExec = await eventRejection(
      srv().admin.createTaskEvent({
        event: {
          taskId: taskRef(),
          parentNodeExecutionId: { executionId: ghost, nodeId: "n0" },
          phase: T.RUNNING,
          occurredAt: tick(),
        },
      }),
    );
    assert.equal(noExec.kind, "ExecutionNotFound");
    assert.equal(noExec.error.details, `missing entity of type execution with identifier ${execIdText(ghost)}`);
    const noNode = await eventRejection(
      srv().admin.createTaskEvent({
        event: {
          taskId: taskRef(),
          parentNodeExecutionId: { executionId: id, nodeId: "zz" },
          phase: T.RUNNING,
          occurredAt: tick(),
        },
      }),
    );
    assert.equal(noNode.kind, "ExecutionNotFound");
    assert.equal(
      noNode.error.details,
      `Failed to get existing node execution id: [${nodeIdText(id, "zz")}] with err: entry not found`,
    );
  });

  test("phase versions: same or lower is ALREADY_EXISTS, higher updates; terminal refuses naming the stored phase", async () => {
    const id = await withNode(srv());
    await task(srv(), id, T.RUNNING, { phaseVersion: 1 });
    for (const v of [0, 1]) {
      const r = await eventRejection(task(srv(), id, T.RUNNING, { phaseVersion: v }));
      assert.equal(r.kind, "AlreadyExists");
      assert.equal(
        r.error.details,
        `have already recorded task execution phase RUNNING (version: ${v}) for ${attemptText(id)}`,
      );
    }
    await task(srv(), id, T.RUNNING, { phaseVersion: 2, reason: "pulling image" });
    await task(srv(), id, T.QUEUED, { phaseVersion: 0 }); // no ordering rule
    await task(srv(), id, T.FAILED, { outputResult: { case: "error", value: { code: "OOM", message: "killed" } } });
    for (const ev of [T.RUNNING, T.FAILED, T.SUCCEEDED]) {
      const r = await eventRejection(task(srv(), id, ev, { phaseVersion: 9 }));
      assert.equal(r.kind, "EventAlreadyInTerminalStateError");
      assert.equal(r.detail, "FAILED");
      assert.equal(
        r.error.details,
        `invalid phase change from FAILED to ${T[ev]} for task execution ${attemptText(id)}`,
      );
    }
    const te = await srv().admin.getTaskExecution({ id: attemptId(id) });
    assert.equal(te.closure?.reason, "pulling image");
    assert.equal(te.closure?.outputResult.case, "error");
  });

  test("RETRYABLE_FAILED is not terminal", async () => {
    const id = await withNode(srv());
    await task(srv(), id, T.RETRYABLE_FAILED);
    await task(srv(), id, T.RUNNING);
  });

  test("cluster ownership", async () => {
    const id = await withNode(srv(), "c1");
    const r = await eventRejection(task(srv(), id, T.RUNNING, { producerId: "c9" }));
    assert.equal(r.kind, "EventIncompatibleClusterError");
    assert.equal(r.detail, "c1");
    await task(srv(), id, T.RUNNING, { producerId: "c1" });
  });

  test("logs, reasons, external resources and custom info are merged", async () => {
    const id = await withNode(srv());
    await task(srv(), id, T.QUEUED, {
      logs: [log("u-pending", "Pending", { pending: true }), log("u-k8s", "K8s")],
      reason: "queued",
      customInfo: { a: 1, nested: { x: 1 } },
      metadata: { generatedName: "g", externalResources: [{ index: 1 }, { index: 0, externalId: "e0" }] },
    });
    let te = await srv().admin.getTaskExecution({ id: attemptId(id) });
    assert.deepEqual(
      te.closure?.logs.map((l) => l.name),
      ["Pending", "K8s"],
      "the first event's logs are kept as sent",
    );
    assert.deepEqual(
      te.closure?.metadata?.externalResources.map((e) => e.index),
      [0, 1],
    );
    await task(srv(), id, T.QUEUED, {
      phaseVersion: 1,
      logs: [log("u-k8s-2", "K8s")],
      reason: "queued",
      reasons: [],
      customInfo: { nested: { x: null, y: 2 } },
      metadata: { externalResources: [{ index: 0, phase: T.RUNNING }, { index: 2 }] },
    });
    te = await srv().admin.getTaskExecution({ id: attemptId(id) });
    assert.deepEqual(
      te.closure?.logs.map((l) => l.uri),
      ["u-pending"],
      "QUEUED shows only show_while_pending links",
    );
    assert.deepEqual(
      te.closure?.reasons.map((r) => r.message),
      ["queued"],
      "a repeated reason is not appended",
    );
    assert.deepEqual(te.closure?.customInfo, { a: 1, nested: { y: 2 } });
    assert.deepEqual(
      te.closure?.metadata?.externalResources.map((e) => [e.index, e.externalId, e.phase]),
      [
        [0, "e0", T.RUNNING],
        [1, "", T.UNDEFINED],
        [2, "", T.UNDEFINED],
      ],
    );
    assert.equal(te.closure?.metadata?.generatedName, "g");
    await task(srv(), id, T.SUCCEEDED, {
      logs: [log("u-final", "Final", { hide: true }), log("u-keep", "Keep")],
      reasons: [{ reason: "done", occurredAt: tick() }],
    });
    te = await srv().admin.getTaskExecution({ id: attemptId(id) });
    assert.deepEqual(
      te.closure?.logs.map((l) => l.uri),
      ["u-keep", "u-pending"],
      "finished attempts hide hide_once_finished links",
    );
    assert.deepEqual(
      te.closure?.reasons.map((r) => r.message),
      ["queued", "done"],
    );
    assert.equal(te.closure?.reason, "done");
  });

  test("inline data is offloaded under the attempt's path; GetTaskExecutionData with flyte URLs", async () => {
    const id = await withNode(srv());
    const lm = create(LiteralMapSchema, {
      literals: {
        y: {
          value: {
            case: "scalar",
            value: { value: { case: "primitive", value: { value: { case: "boolean", value: true } } } },
          },
        },
      },
    });
    await task(srv(), id, T.RUNNING, { retryAttempt: 2, inputValue: { case: "inputData", value: lm } });
    await task(srv(), id, T.SUCCEEDED, { retryAttempt: 2, outputResult: { case: "outputData", value: lm } });
    const te = await srv().admin.getTaskExecution({
      id: { ...attemptId(id, 2), taskId: { ...taskRef(), resourceType: 0 } },
    });
    const prefix = `/metadata/${id.project}/${id.domain}/${id.name}/n0/flytesnacks/development/t1/v1/2`;
    assert.ok(te.inputUri.endsWith(`${prefix}/offloaded_inputs`), te.inputUri);
    assert.ok(String(te.closure?.outputResult.value).endsWith(`${prefix}/offloaded_outputs`));
    const data = await srv().admin.getTaskExecutionData({ id: attemptId(id, 2) });
    assert.equal(data.fullInputs?.literals.y?.value.case, "scalar");
    assert.equal(data.fullOutputs?.literals.y?.value.case, "scalar");
    const base = `flyte://v1/${id.project}/${id.domain}/${id.name}/n0/2`;
    assert.deepEqual(
      [data.flyteUrls?.inputs, data.flyteUrls?.outputs, data.flyteUrls?.deck],
      [`${base}/i`, `${base}/o`, ""],
    );
  });

  test("queries: validation and NOT_FOUND", async () => {
    const id = await withNode(srv());
    const { admin } = srv();
    await rejectsWith(admin.getTaskExecution({}), Code.INVALID_ARGUMENT, "missing id");
    await rejectsWith(
      admin.getTaskExecution({ id: attemptId(id, 7) }),
      Code.NOT_FOUND,
      `missing entity of type task execution with identifier task_id:{project:"flytesnacks" domain:"development" name:"t1" version:"v1"} node_execution_id:{${nodeIdText(id, "n0")}} retry_attempt:7`,
    );
    await rejectsWith(admin.listTaskExecutions({ limit: 1 }), Code.INVALID_ARGUMENT, "missing id");
    await rejectsWith(
      admin.listTaskExecutions({ nodeExecutionId: { executionId: id, nodeId: "n0" } }),
      Code.INVALID_ARGUMENT,
      "invalid value for limit",
    );
    await rejectsWith(
      admin.listTaskExecutions({ nodeExecutionId: { executionId: id, nodeId: "n0" }, limit: 1, token: "-3" }),
      Code.INVALID_ARGUMENT,
      "invalid pagination token -3 for ListTaskExecutions",
    );
    await task(srv(), id, T.RUNNING);
    const filtered = (filters: string) =>
      admin.listTaskExecutions({ nodeExecutionId: { executionId: id, nodeId: "n0" }, limit: 5, filters });
    assert.equal(
      (await filtered("eq(node_execution.phase,RUNNING)+eq(execution.phase,UNDEFINED)")).taskExecutions.length,
      1,
    );
    assert.equal((await filtered("eq(node_execution.phase,SUCCEEDED)")).taskExecutions.length, 0);
    // Tasks are left-joined: an unregistered (e.g. dynamic) task keeps its attempts unless a filter needs the task row.
    assert.equal((await filtered("eq(phase,RUNNING)")).taskExecutions.length, 1);
    assert.equal((await filtered("eq(task.name,t1)")).taskExecutions.length, 0);
  });

  test("over HTTP", async () => {
    const id = await withNode(srv());
    const post = (phase: string) =>
      srv().http("/api/v1/events/tasks", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          event: {
            task_id: {
              resource_type: "TASK",
              project: "flytesnacks",
              domain: "development",
              name: "t1",
              version: "v1",
            },
            parent_node_execution_id: { execution_id: id, node_id: "n0" },
            phase,
            occurred_at: "2024-03-01T00:00:00Z",
          },
        }),
      });
    assert.equal((await post("RUNNING")).status, 200);
    assert.equal((await post("ABORTED")).status, 200);
    const body = await httpError(
      await post("RUNNING"),
      400,
      Code.FAILED_PRECONDITION,
      /^invalid phase change from ABORTED to RUNNING/,
    );
    assert.deepEqual(body.details, [
      {
        "@type": "type.googleapis.com/flyteidl.admin.EventFailureReason",
        already_in_terminal_state: { current_phase: "ABORTED" },
      },
    ]);
    const path = `${id.project}/${id.domain}/${id.name}/n0/flytesnacks/development/t1/v1/0`;
    const headers = { Accept: "application/json" };
    const one = (await (await srv().http(`/api/v1/task_executions/${path}`, { headers })).json()) as {
      closure: { phase: string };
    };
    assert.equal(one.closure.phase, "ABORTED");
    const list = (await (
      await srv().http(`/api/v1/task_executions/${id.project}/${id.domain}/${id.name}/n0?limit=3`, { headers })
    ).json()) as {
      task_executions: unknown[];
    };
    assert.equal(list.task_executions.length, 1);
    const data = (await (await srv().http(`/api/v1/data/task_executions/${path}`, { headers })).json()) as {
      flyte_urls: { outputs: string };
    };
    assert.equal(data.flyte_urls.outputs, `flyte://v1/${id.project}/${id.domain}/${id.name}/n0/0/o`);
    const children = await srv().http(`/api/v1/children/task_executions/${path}?limit=5`, { headers });
    assert.equal(children.status, 200);
  });
});
