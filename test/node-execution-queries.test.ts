/** Node execution queries (executions.md §4.1–4.5) on nodes created by events, on every database. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code } from "../src/errors/codes.js";
import { CompiledWorkflowClosureSchema } from "../src/proto/gen/flyteidl/core/compiler_pb.js";
import { ExecutionError_ErrorKind, NodeExecution_Phase as N } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { LiteralMapSchema } from "../src/proto/gen/flyteidl/core/literals_pb.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { eventExecution, ints, nodeEvent, nodeIdText } from "./support/propeller.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

const JSON_ACCEPT = { Accept: "application/json" };

let counter = 0;
const fresh = (srv: TestServer, cluster = "") => eventExecution(srv, `nq${++counter}`, cluster);

describeEachDatabase("node execution queries", (srv) => {
  test("dynamic workflows: closure offloaded, served by GetDynamicNodeWorkflow and GetNodeExecutionData", async () => {
    const id = await fresh(srv());
    const nid = { executionId: id, nodeId: "d0" };
    await nodeEvent(srv(), id, "d0", N.RUNNING);
    await rejectsWith(
      srv().admin.getDynamicNodeWorkflow({ id: nid }),
      Code.NOT_FOUND,
      "node does not contain dynamic workflow",
    );
    const wfId = { resourceType: 2, project: "flytesnacks", domain: "development", name: "dyn_wf", version: "v9" };
    const compiled = create(CompiledWorkflowClosureSchema, { primary: { template: { id: wfId } } });
    await nodeEvent(srv(), id, "d0", N.DYNAMIC_RUNNING, {
      isDynamic: true,
      isParent: true,
      targetMetadata: {
        case: "taskNodeMetadata",
        value: { dynamicWorkflow: { id: wfId, compiledWorkflow: compiled, dynamicJobSpecUri: "s3://b/futures.pb" } },
      },
    });
    const got = await srv().admin.getDynamicNodeWorkflow({ id: nid });
    assert.equal(got.compiledWorkflow?.primary?.template?.id?.name, "dyn_wf");
    const row = await srv()
      .server.database.kysely.selectFrom("node_executions")
      .select("dynamic_workflow_remote_closure_reference as ref")
      .where("execution_name", "=", id.name)
      .executeTakeFirstOrThrow();
    assert.match(
      row.ref,
      new RegExp(`/metadata/admin/${id.project}/${id.domain}/${id.name}/d0/flytesnacks_development_dyn_wf_v9$`),
    );
    await nodeEvent(srv(), id, "d0", N.SUCCEEDED);
    const data = await srv().admin.getNodeExecutionData({ id: nid });
    assert.equal(data.dynamicWorkflow?.id?.name, "dyn_wf");
    assert.equal(data.dynamicWorkflow?.dynamicJobSpecUri, "s3://b/futures.pb");
    assert.equal(data.dynamicWorkflow?.compiledWorkflow?.primary?.template?.id?.version, "v9");
  });

  test("inline inputs and outputs are offloaded; GetNodeExecutionData returns them with flyte URLs", async () => {
    const id = await fresh(srv());
    const nid = { executionId: id, nodeId: "io" };
    await nodeEvent(srv(), id, "io", N.RUNNING, { inputValue: { case: "inputData", value: ints({ x: 1 }) } });
    await nodeEvent(srv(), id, "io", N.SUCCEEDED, {
      outputResult: { case: "outputData", value: ints({ x: 2 }) },
      deckUri: "s3://deck",
    });
    const ne = await srv().admin.getNodeExecution({ id: nid });
    assert.match(ne.inputUri, new RegExp(`/metadata/${id.project}/${id.domain}/${id.name}/io/offloaded_inputs$`));
    const out = ne.closure?.outputResult.value as string;
    assert.match(out, new RegExp(`/metadata/${id.project}/${id.domain}/${id.name}/io/offloaded_outputs$`));
    assert.equal(fromBinary(LiteralMapSchema, readFileSync(fileURLToPath(out))).literals.x?.value.case, "scalar");
    const data = await srv().admin.getNodeExecutionData({ id: nid });
    const int = (m: typeof data.fullInputs) => {
      const v = m?.literals.x?.value;
      return v?.case === "scalar" && v.value.value.case === "primitive" ? v.value.value.value.value.value : undefined;
    };
    assert.equal(int(data.fullInputs), 1n);
    assert.equal(int(data.fullOutputs), 2n);
    const base = `flyte://v1/${id.project}/${id.domain}/${id.name}/io`;
    assert.deepEqual(
      { i: data.flyteUrls?.inputs, o: data.flyteUrls?.outputs, d: data.flyteUrls?.deck },
      { i: `${base}/i`, o: `${base}/o`, d: `${base}/d` },
    );
    await nodeEvent(srv(), id, "nodeck", N.SUCCEEDED);
    const plain = await srv().admin.getNodeExecutionData({ id: { executionId: id, nodeId: "nodeck" } });
    assert.equal(plain.flyteUrls?.deck, "");
    assert.deepEqual(plain.fullInputs?.literals, {});
  });

  test("errors: columns set, lists cut messages to 100 bytes, Get does not", async () => {
    const id = await fresh(srv());
    const message = `boom ${"é".repeat(100)}`;
    await nodeEvent(srv(), id, "bad", N.FAILED, {
      outputResult: { case: "error", value: { code: "E42", message, kind: ExecutionError_ErrorKind.SYSTEM } },
    });
    const got = await srv().admin.getNodeExecution({ id: { executionId: id, nodeId: "bad" } });
    assert.equal(got.closure?.outputResult.case, "error");
    assert.equal(got.closure.outputResult.value.message, message);
    const list = await srv().admin.listNodeExecutions({
      workflowExecutionId: id,
      limit: 1,
      filters: "eq(error_kind,SYSTEM)+eq(error_code,E42)",
    });
    const err = list.nodeExecutions[0]?.closure?.outputResult.value as { message: string };
    assert.equal(err.message, `boom ${"é".repeat(47)}`, "100 bytes, without half a character");
    assert.equal(list.token, "1");
  });

  test("ListNodeExecutions validation, filters, joins, paging", async () => {
    const id = await fresh(srv());
    for (const n of ["a", "b", "c"]) await nodeEvent(srv(), id, n, N.RUNNING);
    await nodeEvent(srv(), id, "c", N.SUCCEEDED);
    const { admin } = srv();
    await rejectsWith(admin.listNodeExecutions({ limit: 1 }), Code.INVALID_ARGUMENT, "missing execution_id");
    await rejectsWith(
      admin.listNodeExecutions({ workflowExecutionId: { project: "p", domain: "d" }, limit: 1 }),
      Code.INVALID_ARGUMENT,
      "missing execution_id",
    );
    await rejectsWith(
      admin.listNodeExecutions({ workflowExecutionId: id }),
      Code.INVALID_ARGUMENT,
      "invalid value for limit",
    );
    await rejectsWith(
      admin.listNodeExecutions({ workflowExecutionId: id, limit: 1, token: "x" }),
      Code.INVALID_ARGUMENT,
      "invalid pagination token x for ListNodeExecutions",
    );
    await rejectsWith(
      admin.listNodeExecutions({ workflowExecutionId: id, limit: 1, filters: "eq(task.name,x)" }),
      Code.INVALID_ARGUMENT,
      "'t' entity is not allowed in filters",
    );
    const page1 = await admin.listNodeExecutions({
      workflowExecutionId: id,
      limit: 2,
      sortBy: { key: "node_id", direction: 1 },
    });
    assert.deepEqual(
      page1.nodeExecutions.map((n) => n.id?.nodeId),
      ["a", "b"],
    );
    assert.equal(page1.token, "2");
    const page2 = await admin.listNodeExecutions({
      workflowExecutionId: id,
      limit: 2,
      token: page1.token,
      sortBy: { key: "node_id", direction: 1 },
    });
    assert.deepEqual(
      page2.nodeExecutions.map((n) => n.id?.nodeId),
      ["c"],
    );
    assert.equal(page2.token, "");
    const running = await admin.listNodeExecutions({
      workflowExecutionId: id,
      limit: 10,
      filters: "eq(phase,RUNNING)",
    });
    assert.equal(running.nodeExecutions.length, 2);
    // A filter on the execution joins the executions table (its phase is UNDEFINED here).
    const joined = await admin.listNodeExecutions({
      workflowExecutionId: id,
      limit: 10,
      filters: "eq(execution.phase,UNDEFINED)+eq(phase,SUCCEEDED)",
    });
    assert.deepEqual(
      joined.nodeExecutions.map((n) => n.id?.nodeId),
      ["c"],
    );
    const none = await admin.listNodeExecutions({
      workflowExecutionId: id,
      limit: 10,
      filters: "eq(execution.phase,RUNNING)",
    });
    assert.equal(none.nodeExecutions.length, 0);
  });

  test("GetNodeExecution validation and NOT_FOUND", async () => {
    const id = await fresh(srv());
    const { admin } = srv();
    await rejectsWith(admin.getNodeExecution({}), Code.INVALID_ARGUMENT, "missing id");
    await rejectsWith(admin.getNodeExecution({ id: { executionId: id } }), Code.INVALID_ARGUMENT, "missing node_id");
    await rejectsWith(
      admin.getNodeExecutionData({ id: { nodeId: "n" } }),
      Code.INVALID_ARGUMENT,
      "missing execution_id",
    );
    await rejectsWith(
      admin.getNodeExecution({ id: { executionId: id, nodeId: "nope" } }),
      Code.NOT_FOUND,
      `missing entity of type node execution with identifier ${nodeIdText(id, "nope")}`,
    );
  });

  test("over HTTP: events, get, list, data", async () => {
    const id = await fresh(srv());
    const post = (phase: string, nodeId = "h0") =>
      srv().http("/api/v1/events/nodes", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          event: { id: { execution_id: id, node_id: nodeId }, phase, occurred_at: "2024-02-01T00:00:00Z" },
        }),
      });
    assert.equal((await post("RUNNING")).status, 200);
    assert.equal((await post("SUCCEEDED")).status, 200);
    const body = await httpError(
      await post("RUNNING"),
      400,
      Code.FAILED_PRECONDITION,
      /^Invalid phase change from SUCCEEDED to RUNNING for node execution \d+$/,
    );
    assert.deepEqual(body.details, [
      {
        "@type": "type.googleapis.com/flyteidl.admin.EventFailureReason",
        already_in_terminal_state: { current_phase: "SUCCEEDED" },
      },
    ]);
    const base = `${id.project}/${id.domain}/${id.name}`;
    const one = (await (await srv().http(`/api/v1/node_executions/${base}/h0`, { headers: JSON_ACCEPT })).json()) as {
      closure: { phase: string };
    };
    assert.equal(one.closure.phase, "SUCCEEDED");
    const list = (await (
      await srv().http(`/api/v1/node_executions/${base}?limit=5`, { headers: JSON_ACCEPT })
    ).json()) as {
      node_executions: unknown[];
    };
    assert.equal(list.node_executions.length, 1);
    const data = (await (
      await srv().http(`/api/v1/data/node_executions/${base}/h0`, { headers: JSON_ACCEPT })
    ).json()) as {
      flyte_urls: { inputs: string };
    };
    assert.equal(data.flyte_urls.inputs, `flyte://v1/${base}/h0/i`);
    await httpError(
      await srv().http(`/api/v1/node_executions/${base}/zz`),
      404,
      Code.NOT_FOUND,
      /^missing entity of type node execution/,
    );
    await httpError(
      await srv().http(`/api/v1/node_executions/${base}/h0/dynamic_workflow`),
      404,
      Code.NOT_FOUND,
      "node does not contain dynamic workflow",
    );
  });
});

describeEachDatabase(
  "node data with signed URLs",
  (srv) => {
    test("GetNodeExecutionData and GetTaskExecutionData sign the input and output URLs", async () => {
      const id = await eventExecution(srv(), "signed");
      const blobs = srv().server.blobs;
      const inRef = blobs.ref("test", "signed", "inputs.pb");
      await blobs.write(inRef, toBinary(LiteralMapSchema, ints({ x: 5 })));
      await nodeEvent(srv(), id, "s0", N.RUNNING, { inputValue: { case: "inputUri", value: inRef } });
      await nodeEvent(srv(), id, "s0", N.SUCCEEDED, { outputResult: { case: "outputData", value: ints({ x: 6 }) } });
      const data = await srv().admin.getNodeExecutionData({ id: { executionId: id, nodeId: "s0" } });
      assert.ok(data.inputs?.url.startsWith("http"), data.inputs?.url);
      assert.ok(Number(data.inputs?.bytes) > 0);
      assert.ok(data.outputs?.url.startsWith("http"), "offloaded outputs are signed too");
      const fetched = await fetch(data.inputs?.url as string);
      assert.deepEqual(
        fromBinary(LiteralMapSchema, new Uint8Array(await fetched.arrayBuffer())),
        fromBinary(LiteralMapSchema, toBinary(LiteralMapSchema, ints({ x: 5 }))),
      );
      assert.equal(data.fullInputs?.literals.x?.value.case, "scalar");
    });
  },
  { remoteData: { signedUrls: { enabled: true, durationMinutes: 5 } } },
);
