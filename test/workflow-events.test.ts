/** CreateWorkflowEvent (executions.md §3.1) over gRPC and HTTP, on every database. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { create, fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "../src/errors/codes.js";
import { ExecutionClosureSchema, ExecutionSpecSchema } from "../src/proto/gen/flyteidl/admin/execution_pb.js";
import { ExecutionError_ErrorKind, WorkflowExecution_Phase as W } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { LiteralMapSchema } from "../src/proto/gen/flyteidl/core/literals_pb.js";
import type { WorkflowExecutionEventSchema } from "../src/proto/gen/flyteidl/event/event_pb.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { eventExecution, eventRejection, ints, tick } from "./support/propeller.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

type EventInit = Omit<MessageInitShape<typeof WorkflowExecutionEventSchema>, "$typeName">;
type ExecId = { project: string; domain: string; name: string };
const idText = (id: ExecId) => `project:"${id.project}" domain:"${id.domain}" name:"${id.name}"`;

let counter = 0;
const fresh = (srv: TestServer, cluster = "") => eventExecution(srv, `wf${++counter}`, cluster);

function send(srv: TestServer, id: ExecId, phase: W, extra: EventInit = {}) {
  return srv.admin.createWorkflowEvent({
    requestId: `r${++counter}`,
    event: { executionId: id, phase, occurredAt: tick(), ...extra },
  });
}

/** The stored execution row, decoded. */
async function stored(srv: TestServer, id: ExecId) {
  const db = srv.server.database;
  const row = await db.kysely
    .selectFrom("executions")
    .selectAll()
    .where("execution_name", "=", id.name)
    .executeTakeFirstOrThrow();
  return {
    row,
    closure: fromBinary(ExecutionClosureSchema, row.closure),
    spec: fromBinary(ExecutionSpecSchema, row.spec),
    startedAt: row.started_at === null ? undefined : db.codec.micros(row.started_at),
  };
}

describeEachDatabase("workflow events", (srv) => {
  test("RUNNING then SUCCEEDED: start, duration, outputs and the event log", async () => {
    const id = await fresh(srv());
    const running = tick();
    await srv().admin.createWorkflowEvent({
      requestId: "a",
      event: { executionId: id, phase: W.RUNNING, occurredAt: running },
    });
    const done = tick();
    await srv().admin.createWorkflowEvent({
      requestId: "b",
      event: {
        executionId: id,
        phase: W.SUCCEEDED,
        occurredAt: done,
        outputResult: { case: "outputUri", value: "s3://b/out.pb" },
      },
    });
    const { row, closure } = await stored(srv(), id);
    assert.equal(row.phase, "SUCCEEDED");
    assert.equal(closure.phase, W.SUCCEEDED);
    assert.deepEqual(closure.startedAt, running);
    assert.deepEqual(closure.updatedAt, done);
    assert.equal(closure.duration?.seconds, 1n);
    assert.equal(Number(row.duration), 1e9);
    assert.equal(closure.outputResult.case, "outputs");
    assert.equal(closure.outputResult.value?.data.value, "s3://b/out.pb");
    const events = await srv()
      .server.database.kysely.selectFrom("execution_events")
      .select(["phase", "request_id"])
      .where("execution_name", "=", id.name)
      .orderBy("id")
      .execute();
    assert.deepEqual(events, [
      { phase: "RUNNING", request_id: "a" },
      { phase: "SUCCEEDED", request_id: "b" },
    ]);
  });

  test("request validation", async () => {
    const { admin } = srv();
    await rejectsWith(
      admin.createWorkflowEvent({}),
      Code.INVALID_ARGUMENT,
      "Workflow event handler was called without event",
    );
    await rejectsWith(
      admin.createWorkflowEvent({ event: { phase: W.RUNNING } }),
      Code.INVALID_ARGUMENT,
      /^Workflow event handler request event doesn't have an execution id - phase:RUNNING$/,
    );
    const partial: [ExecId, string][] = [
      [{ project: "", domain: "d", name: "n" }, "missing project"],
      [{ project: "p", domain: "", name: "n" }, "missing domain"],
      [{ project: "p", domain: "d", name: "" }, "missing name"],
    ];
    for (const [id, message] of partial) {
      await rejectsWith(send(srv(), id, W.RUNNING), Code.INVALID_ARGUMENT, message);
    }
    const id = await fresh(srv());
    await rejectsWith(
      admin.createWorkflowEvent({ event: { executionId: id, phase: W.RUNNING } }),
      Code.INVALID_ARGUMENT,
      "missing occurred_at",
    );
  });

  test("an unknown execution is NOT_FOUND (propeller: ExecutionNotFound)", async () => {
    const id = { project: "flytesnacks", domain: "development", name: "nope" };
    const r = await eventRejection(send(srv(), id, W.RUNNING));
    assert.equal(r.kind, "ExecutionNotFound");
    assert.equal(r.error.code, Code.NOT_FOUND);
    assert.equal(r.error.details, `missing entity of type execution with identifier ${idText(id)}`);
  });

  test("a repeated phase is ALREADY_EXISTS; a repeated QUEUED is applied", async () => {
    const id = await fresh(srv());
    await send(srv(), id, W.QUEUED);
    await send(srv(), id, W.QUEUED);
    await send(srv(), id, W.RUNNING);
    const r = await eventRejection(send(srv(), id, W.RUNNING));
    assert.equal(r.kind, "AlreadyExists");
    assert.equal(r.error.details, `This phase RUNNING was already recorded for workflow execution ${idText(id)}`);
  });

  test("a terminal execution refuses events with AlreadyInTerminalState naming the stored phase", async () => {
    const id = await fresh(srv());
    await send(srv(), id, W.RUNNING);
    await send(srv(), id, W.FAILED, {
      outputResult: { case: "error", value: { code: "E1", message: "boom", kind: ExecutionError_ErrorKind.USER } },
    });
    for (const ev of [W.RUNNING, W.QUEUED, W.SUCCEEDED, W.ABORTED]) {
      const r = await eventRejection(send(srv(), id, ev));
      assert.equal(r.kind, "EventAlreadyInTerminalStateError");
      assert.equal(r.detail, "FAILED");
      assert.equal(r.error.code, Code.FAILED_PRECONDITION);
      assert.equal(
        r.error.details,
        `Invalid phase change from FAILED to ${W[ev]} for workflow execution ${idText(id)}`,
      );
    }
    const { row, closure } = await stored(srv(), id);
    assert.equal(row.error_kind, "USER");
    assert.equal(row.error_code, "E1");
    assert.equal(closure.outputResult.case, "error");
  });

  test("RUNNING cannot go back to QUEUED; ABORTING accepts only terminal phases", async () => {
    const id = await fresh(srv());
    await send(srv(), id, W.RUNNING);
    const back = await eventRejection(send(srv(), id, W.QUEUED));
    assert.equal(back.error.code, Code.FAILED_PRECONDITION);
    assert.equal(back.kind, "EventSinkError", "no failure reason in the details");
    assert.equal(back.error.details, `Cannot go from RUNNING to QUEUED for workflow execution ${idText(id)}`);
    await send(srv(), id, W.ABORTING);
    for (const ev of [W.QUEUED, W.RUNNING, W.SUCCEEDING, W.FAILING]) {
      const r = await eventRejection(send(srv(), id, ev));
      assert.equal(r.error.code, Code.FAILED_PRECONDITION);
      assert.equal(
        r.error.details,
        `Invalid phase change from aborting to ${W[ev]} for workflow execution ${idText(id)}`,
      );
    }
    await send(srv(), id, W.ABORTED);
    assert.equal((await stored(srv(), id)).row.phase, "ABORTED");
  });

  test("skipped and backward non-terminal phases are applied; no duration without a start", async () => {
    const id = await fresh(srv());
    await send(srv(), id, W.SUCCEEDING);
    await send(srv(), id, W.FAILING);
    await send(srv(), id, W.SUCCEEDED);
    const { row, closure, startedAt } = await stored(srv(), id);
    assert.equal(row.phase, "SUCCEEDED");
    assert.equal(startedAt, undefined);
    assert.equal(closure.duration, undefined);
    assert.equal(Number(row.duration), 0);
  });

  test("cluster ownership: another producer is refused naming the recorded cluster; QUEUED reassigns", async () => {
    const id = await fresh(srv(), "c1");
    const r = await eventRejection(send(srv(), id, W.RUNNING, { producerId: "c2" }));
    assert.equal(r.kind, "EventIncompatibleClusterError");
    assert.equal(r.detail, "c1");
    assert.equal(
      r.error.details,
      "Cluster/producer from event [c2] does not match existing workflow execution clusterInDB: [c1]",
    );
    await send(srv(), id, W.RUNNING, { producerId: "propeller" });
    // QUEUED skips the cluster check but not the RUNNING -> QUEUED rule.
    const back = await eventRejection(send(srv(), id, W.QUEUED, { producerId: "c3" }));
    assert.match(back.error.details, /^Cannot go from RUNNING to QUEUED/);
    assert.equal((await stored(srv(), id)).row.cluster, "c1");
    const other = await fresh(srv(), "c1");
    await send(srv(), other, W.QUEUED, { producerId: "c3" });
    const after = await stored(srv(), other);
    assert.equal(after.row.cluster, "c3");
    assert.equal(after.spec.metadata?.systemMetadata?.executionCluster, "c3");
    await send(srv(), other, W.RUNNING, { producerId: "c3" });
    const late = await eventRejection(send(srv(), other, W.SUCCEEDED, { producerId: "c1" }));
    assert.equal(late.detail, "c3");
  });

  test("inline outputs are offloaded to <base>/metadata/<p>/<d>/<name>/offloaded_outputs by default", async () => {
    const id = await fresh(srv());
    await send(srv(), id, W.RUNNING);
    await send(srv(), id, W.SUCCEEDED, { outputResult: { case: "outputData", value: ints({ o0: 42 }) } });
    const { closure } = await stored(srv(), id);
    assert.equal(closure.outputResult.case, "outputs");
    const uri = closure.outputResult.value?.data.value as string;
    assert.match(uri, new RegExp(`/metadata/${id.project}/${id.domain}/${id.name}/offloaded_outputs$`));
    const written = fromBinary(LiteralMapSchema, readFileSync(fileURLToPath(uri)));
    assert.equal(written.literals.o0?.value.case, "scalar");
  });

  test("over HTTP: applied, and refusals carry the EventFailureReason in the body", async () => {
    const id = await fresh(srv());
    const post = (phase: string) =>
      srv().http("/api/v1/events/workflows", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          request_id: "h",
          event: { execution_id: id, phase, occurred_at: "2024-02-01T00:00:00Z" },
        }),
      });
    assert.equal((await post("RUNNING")).status, 200);
    assert.equal((await post("SUCCEEDED")).status, 200);
    const body = await httpError(
      await post("RUNNING"),
      400,
      Code.FAILED_PRECONDITION,
      `Invalid phase change from SUCCEEDED to RUNNING for workflow execution ${idText(id)}`,
    );
    assert.deepEqual(body.details, [
      {
        "@type": "type.googleapis.com/flyteidl.admin.EventFailureReason",
        already_in_terminal_state: { current_phase: "SUCCEEDED" },
      },
    ]);
    await httpError(await post("SUCCEEDED"), 409, Code.ALREADY_EXISTS, /^This phase SUCCEEDED was already recorded/);
  });
});

describeEachDatabase(
  "workflow events with small inline data kept inline",
  (srv) => {
    test("output data above remoteData.maxSizeInBytes is RESOURCE_EXHAUSTED", async () => {
      const id = await eventExecution(srv(), "big");
      const big = create(LiteralMapSchema, {
        literals: {
          s: {
            value: {
              case: "scalar",
              value: {
                value: { case: "primitive", value: { value: { case: "stringValue", value: "x".repeat(200) } } },
              },
            },
          },
        },
      });
      const r = await eventRejection(
        srv().admin.createWorkflowEvent({
          event: {
            executionId: id,
            phase: W.SUCCEEDED,
            occurredAt: tick(),
            outputResult: { case: "outputData", value: big },
          },
        }),
      );
      assert.equal(r.kind, "ResourceExhausted");
      assert.match(r.error.details, /^Output data size exceeds platform configured threshold \(2\d\d > 128\)$/);
    });
    test("StoreInline keeps output data in the closure", async () => {
      const id = await eventExecution(srv(), "inline");
      await srv().admin.createWorkflowEvent({
        event: {
          executionId: id,
          phase: W.SUCCEEDED,
          occurredAt: tick(),
          outputResult: { case: "outputData", value: ints({ o0: 7 }) },
        },
      });
      const { closure } = await stored(srv(), id);
      assert.equal(closure.outputResult.case, "outputData");
    });
  },
  { remoteData: { maxSizeInBytes: 128, inlineEventDataPolicy: "StoreInline" } },
);
