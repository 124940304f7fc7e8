/** CreateNodeEvent (executions.md §3.2), on every database. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code } from "../src/errors/codes.js";
import { CatalogCacheStatus } from "../src/proto/gen/flyteidl/core/catalog_pb.js";
import { NodeExecution_Phase as N, TaskExecution_Phase as T } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import type { NodeExecutionEventSchema } from "../src/proto/gen/flyteidl/event/event_pb.js";
import { rejectsWith } from "./support/assertions.js";
import {
  eventExecution,
  eventRejection,
  execIdText,
  nodeEvent,
  nodeIdText,
  taskRef,
  tick,
} from "./support/propeller.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

let counter = 0;
const fresh = (srv: TestServer, cluster = "") => eventExecution(srv, `ne${++counter}`, cluster);

describeEachDatabase("node events", (srv) => {
  test("the first event creates the node; RUNNING starts it; SUCCEEDED ends it", async () => {
    const id = await fresh(srv());
    const queued = tick();
    const reported = timestampFromMs(Date.UTC(2030, 0, 1));
    await srv().admin.createNodeEvent({
      requestId: "q",
      event: {
        id: { executionId: id, nodeId: "n0" },
        phase: N.QUEUED,
        occurredAt: queued,
        reportedAt: reported,
        inputValue: { case: "inputUri", value: "s3://b/n0/inputs.pb" },
        retryGroup: "0",
        specNodeId: "n0-spec",
        eventVersion: 2,
      },
    });
    let ne = await srv().admin.getNodeExecution({ id: { executionId: id, nodeId: "n0" } });
    assert.equal(ne.closure?.phase, N.QUEUED);
    assert.deepEqual(ne.closure?.createdAt, queued);
    assert.deepEqual(ne.closure?.updatedAt, reported, "reported_at wins for updated_at");
    assert.equal(ne.inputUri, "s3://b/n0/inputs.pb");
    assert.equal(ne.metadata?.retryGroup, "0");
    assert.equal(ne.metadata?.specNodeId, "n0-spec");
    const running = tick();
    await srv().admin.createNodeEvent({
      event: {
        id: { executionId: id, nodeId: "n0" },
        phase: N.RUNNING,
        occurredAt: running,
        deckUri: "s3://b/deck.html",
      },
    });
    const done = tick();
    await srv().admin.createNodeEvent({
      event: {
        id: { executionId: id, nodeId: "n0" },
        phase: N.SUCCEEDED,
        occurredAt: done,
        inputValue: { case: "inputUri", value: "s3://other" },
        outputResult: { case: "outputUri", value: "s3://b/n0/outputs.pb" },
        deckUri: "s3://b/deck2.html",
      },
    });
    ne = await srv().admin.getNodeExecution({ id: { executionId: id, nodeId: "n0" } });
    assert.equal(ne.closure?.phase, N.SUCCEEDED);
    assert.deepEqual(ne.closure?.startedAt, running);
    assert.deepEqual(ne.closure?.updatedAt, done);
    assert.equal(ne.closure?.duration?.seconds, 1n);
    assert.equal(ne.closure?.outputResult.case, "outputUri");
    assert.equal(ne.closure?.outputResult.value, "s3://b/n0/outputs.pb");
    assert.equal(ne.closure?.deckUri, "s3://b/deck2.html");
    assert.equal(ne.inputUri, "s3://b/n0/inputs.pb", "inputs are kept once stored");
    const events = await srv()
      .server.database.kysely.selectFrom("node_execution_events")
      .select(["phase"])
      .where("execution_name", "=", id.name)
      .orderBy("id")
      .execute();
    assert.deepEqual(
      events.map((e) => e.phase),
      ["QUEUED", "RUNNING", "SUCCEEDED"],
    );
  });

  test("incomplete ids and a missing time are INVALID_ARGUMENT", async () => {
    const id = await fresh(srv());
    const { admin } = srv();
    const cases: [MessageInitShape<typeof NodeExecutionEventSchema> | undefined, string][] = [
      [undefined, "missing event"],
      [{ phase: N.RUNNING }, "missing id"],
      [{ id: { nodeId: "n0" } }, "missing execution_id"],
      [{ id: { executionId: id } }, "missing node_id"],
      [{ id: { nodeId: "n", executionId: { domain: "d", name: "n" } } }, "missing project"],
      [{ id: { nodeId: "n", executionId: { project: "p", name: "n" } } }, "missing domain"],
      [{ id: { nodeId: "n", executionId: { project: "p", domain: "d" } } }, "missing name"],
      [{ id: { nodeId: "n", executionId: id } }, "missing occurred_at"],
    ];
    for (const [event, message] of cases) {
      await rejectsWith(admin.createNodeEvent({ event }), Code.INVALID_ARGUMENT, message);
    }
  });

  test("an unknown execution is NOT_FOUND", async () => {
    const id = { project: "flytesnacks", domain: "development", name: "missing" };
    const r = await eventRejection(nodeEvent(srv(), id, "n0", N.QUEUED));
    assert.equal(r.kind, "ExecutionNotFound");
    assert.equal(
      r.error.details,
      `Failed to get existing execution id: [${execIdText(id)}] with err: missing entity of type execution with identifier ${execIdText(id)}`,
    );
  });

  test("a repeated phase is ALREADY_EXISTS; a terminal node refuses naming the stored phase", async () => {
    const id = await fresh(srv());
    await nodeEvent(srv(), id, "n0", N.RUNNING);
    const dup = await eventRejection(nodeEvent(srv(), id, "n0", N.RUNNING));
    assert.equal(dup.kind, "AlreadyExists");
    assert.equal(dup.error.details, `This phase was already recorded RUNNING for ${nodeIdText(id, "n0")}`);
    await nodeEvent(srv(), id, "n0", N.QUEUED); // no ordering rule for nodes
    await nodeEvent(srv(), id, "n0", N.FAILED);
    const rowId = (
      await srv()
        .server.database.kysely.selectFrom("node_executions")
        .select("id")
        .where("execution_name", "=", id.name)
        .executeTakeFirstOrThrow()
    ).id;
    for (const ev of [N.RUNNING, N.SUCCEEDED]) {
      const r = await eventRejection(nodeEvent(srv(), id, "n0", ev));
      assert.equal(r.kind, "EventAlreadyInTerminalStateError");
      assert.equal(r.detail, "FAILED", "the stored phase (FlyteAdmin names the event's)");
      assert.equal(r.error.details, `Invalid phase change from FAILED to ${N[ev]} for node execution ${rowId}`);
    }
  });

  test("every node event is checked against the execution's cluster", async () => {
    const id = await fresh(srv(), "c1");
    const first = await eventRejection(nodeEvent(srv(), id, "n0", N.QUEUED, { producerId: "c2" }));
    assert.equal(first.kind, "EventIncompatibleClusterError");
    assert.equal(first.detail, "c1");
    await nodeEvent(srv(), id, "n0", N.QUEUED, { producerId: "c1" });
    await nodeEvent(srv(), id, "n0", N.RUNNING, { producerId: "propeller" });
    await nodeEvent(srv(), id, "n0", N.SUCCEEDED, { producerId: "" });
  });

  test("children: parent node, parent task attempt, top-level listing", async () => {
    const id = await fresh(srv());
    await nodeEvent(srv(), id, "start-node", N.SUCCEEDED);
    await nodeEvent(srv(), id, "dyn", N.RUNNING);
    await srv().admin.createTaskEvent({
      event: {
        taskId: taskRef("dyn-task"),
        parentNodeExecutionId: { executionId: id, nodeId: "dyn" },
        phase: T.RUNNING,
        occurredAt: tick(),
      },
    });
    const parentTask = {
      taskId: taskRef("dyn-task"),
      nodeExecutionId: { executionId: id, nodeId: "dyn" },
      retryAttempt: 0,
    };
    await nodeEvent(srv(), id, "dyn-0", N.QUEUED, {
      parentNodeMetadata: { nodeId: "dyn" },
      parentTaskMetadata: { id: parentTask },
    });
    await nodeEvent(srv(), id, "dyn-1", N.QUEUED, { parentNodeMetadata: { nodeId: "dyn" } });
    await nodeEvent(srv(), id, "dyn", N.DYNAMIC_RUNNING, { isParent: true, isDynamic: true });
    await nodeEvent(srv(), id, "dyn", N.SUCCEEDED);

    const top = await srv().admin.listNodeExecutions({
      workflowExecutionId: id,
      limit: 10,
      sortBy: { key: "node_id", direction: 1 },
    });
    assert.deepEqual(
      top.nodeExecutions.map((n) => n.id?.nodeId),
      ["dyn", "start-node"],
    );
    const dyn = top.nodeExecutions[0];
    assert.equal(dyn?.metadata?.isParentNode, true, "flags are OR-merged, never cleared");
    assert.equal(dyn?.metadata?.isDynamic, true);
    const children = await srv().admin.listNodeExecutions({
      workflowExecutionId: id,
      limit: 10,
      uniqueParentId: "dyn",
      sortBy: { key: "node_id", direction: 1 },
    });
    assert.deepEqual(
      children.nodeExecutions.map((n) => n.id?.nodeId),
      ["dyn-0", "dyn-1"],
    );
    const forTask = await srv().admin.listNodeExecutionsForTask({ taskExecutionId: parentTask, limit: 10 });
    assert.deepEqual(
      forTask.nodeExecutions.map((n) => n.id?.nodeId),
      ["dyn-0"],
    );
    const attempt = await srv().admin.getTaskExecution({ id: parentTask });
    assert.equal(attempt.isParent, true);

    const missingParent = await eventRejection(
      nodeEvent(srv(), id, "x", N.QUEUED, { parentNodeMetadata: { nodeId: "ghost" } }),
    );
    assert.equal(missingParent.kind, "ExecutionNotFound");
    assert.equal(
      missingParent.error.details,
      `missing entity of type node execution with identifier ${nodeIdText(id, "ghost")}`,
    );
    const ghostTask = { ...parentTask, retryAttempt: 5 };
    const missingTask = await eventRejection(
      nodeEvent(srv(), id, "y", N.QUEUED, { parentTaskMetadata: { id: ghostTask } }),
    );
    assert.equal(missingTask.error.code, Code.NOT_FOUND);
    assert.match(
      missingTask.error.details,
      /^missing entity of type task execution with identifier task_id:\{project:"flytesnacks"/,
    );
    await rejectsWith(
      nodeEvent(srv(), id, "z", N.QUEUED, { parentTaskMetadata: { id: { ...parentTask, taskId: undefined } } }),
      Code.INVALID_ARGUMENT,
      "missing task_id",
    );
    await rejectsWith(
      srv().admin.listNodeExecutions({ workflowExecutionId: id, limit: 10, uniqueParentId: "ghost" }),
      Code.NOT_FOUND,
      `missing entity of type node execution with identifier ${nodeIdText(id, "ghost")}`,
    );
  });

  test("a child execution is recorded from the first update naming it, and must exist", async () => {
    const id = await fresh(srv());
    const child = await fresh(srv());
    const other = await fresh(srv());
    await nodeEvent(srv(), id, "lp", N.QUEUED, {
      targetMetadata: { case: "workflowNodeMetadata", value: { executionId: child } },
    });
    let ne = await srv().admin.getNodeExecution({ id: { executionId: id, nodeId: "lp" } });
    assert.equal(ne.closure?.targetMetadata.case, undefined, "not recorded by the first event");
    const ghost = { ...child, name: "ghost" };
    const r = await eventRejection(
      nodeEvent(srv(), id, "lp", N.RUNNING, {
        targetMetadata: { case: "workflowNodeMetadata", value: { executionId: ghost } },
      }),
    );
    assert.equal(r.error.code, Code.NOT_FOUND);
    assert.equal(r.error.details, `missing entity of type execution with identifier ${execIdText(ghost)}`);
    await nodeEvent(srv(), id, "lp", N.RUNNING, {
      targetMetadata: { case: "workflowNodeMetadata", value: { executionId: child } },
    });
    await nodeEvent(srv(), id, "lp", N.SUCCEEDED, {
      targetMetadata: { case: "workflowNodeMetadata", value: { executionId: other } },
    });
    ne = await srv().admin.getNodeExecution({ id: { executionId: id, nodeId: "lp" } });
    assert.equal(ne.closure?.targetMetadata.case, "workflowNodeMetadata");
    assert.equal(ne.closure?.targetMetadata.value?.executionId?.name, child.name, "the first child recorded stays");
  });

  test("task-node metadata: cache details only with a catalog key", async () => {
    const id = await fresh(srv());
    await nodeEvent(srv(), id, "c", N.RUNNING, {
      targetMetadata: {
        case: "taskNodeMetadata",
        value: { cacheStatus: CatalogCacheStatus.CACHE_MISS, checkpointUri: "s3://ck" },
      },
    });
    let ne = await srv().admin.getNodeExecution({ id: { executionId: id, nodeId: "c" } });
    assert.equal(ne.closure?.targetMetadata.case, "taskNodeMetadata");
    assert.equal(ne.closure?.targetMetadata.value?.checkpointUri, "s3://ck");
    assert.equal(ne.closure?.targetMetadata.value?.cacheStatus, CatalogCacheStatus.CACHE_DISABLED);
    await nodeEvent(srv(), id, "c", N.SUCCEEDED, {
      targetMetadata: {
        case: "taskNodeMetadata",
        value: { cacheStatus: CatalogCacheStatus.CACHE_POPULATED, catalogKey: { datasetId: { name: "ds" } } },
      },
    });
    ne = await srv().admin.getNodeExecution({ id: { executionId: id, nodeId: "c" } });
    assert.equal(ne.closure?.targetMetadata.case, "taskNodeMetadata");
    assert.equal(ne.closure.targetMetadata.value.cacheStatus, CatalogCacheStatus.CACHE_POPULATED);
    const row = await srv()
      .server.database.kysely.selectFrom("node_executions")
      .select("cache_status")
      .where("execution_name", "=", id.name)
      .executeTakeFirstOrThrow();
    assert.equal(row.cache_status, "CACHE_POPULATED");
    const filtered = await srv().admin.listNodeExecutions({
      workflowExecutionId: id,
      limit: 5,
      filters: "eq(cache_status,CACHE_POPULATED)",
    });
    assert.equal(filtered.nodeExecutions.length, 1);
  });

  test("two first events of one node at once: both applied, none refused", async () => {
    const id = await fresh(srv());
    for (let i = 0; i < 5; i++) {
      const n = `race${i}`;
      await Promise.all([nodeEvent(srv(), id, n, N.QUEUED), nodeEvent(srv(), id, n, N.RUNNING)]);
      const ne = await srv().admin.getNodeExecution({ id: { executionId: id, nodeId: n } });
      assert.ok([N.QUEUED, N.RUNNING].includes(ne.closure?.phase as N));
    }
  });
});
