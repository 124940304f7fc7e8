/**
 * Terminate, update, get and list (executions.md §2) over gRPC and HTTP on
 * every database, on executions recorded through the repository; flytectl's
 * list query (S17) and archive (S21).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code } from "../src/errors/codes.js";
import { EventFailureReasonSchema } from "../src/proto/gen/flyteidl/admin/event_pb.js";
import { ExecutionState } from "../src/proto/gen/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { DOMAIN, PROJECT } from "./fixtures/tasks.js";
import { intLiteral, stringLiteral } from "./fixtures/types.js";
import { httpError, rejectsWith, statusDetails } from "./support/assertions.js";
import { type SeedOptions, seedExecution, setPhase } from "./support/executions.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

const JSON_HEADERS = { "Content-Type": "application/json", Accept: "application/json" };
const idOf = (name: string) => ({ project: PROJECT, domain: DOMAIN, name });

async function run(s: TestServer, name: string, o: SeedOptions = {}): Promise<void> {
  await seedExecution(s, name, o);
}

describeEachDatabase("execution lifecycle", (srv) => {
  test("GetExecution validates the id and answers NOT_FOUND in FlyteAdmin's words", async () => {
    const s = srv();
    await rejectsWith(s.admin.getExecution({}), Code.INVALID_ARGUMENT, "missing id");
    await rejectsWith(
      s.admin.getExecution({ id: { project: PROJECT, domain: DOMAIN } }),
      Code.INVALID_ARGUMENT,
      "missing name",
    );
    await rejectsWith(
      s.admin.getExecution({ id: idOf("nope") }),
      Code.NOT_FOUND,
      'missing entity of type execution with identifier project:"flytesnacks" domain:"development" name:"nope"',
    );
    const res = await s.http(`/api/v1/executions/${PROJECT}/${DOMAIN}/nope`, { headers: JSON_HEADERS });
    await httpError(res, 404, Code.NOT_FOUND, /^missing entity of type execution/);
  });

  test("TerminateExecution: ABORTING with cause and principal; again is allowed; terminal is FAILED_PRECONDITION with details", async () => {
    const s = srv();
    await run(s, "to-abort");
    await s.admin.terminateExecution({ id: idOf("to-abort"), cause: "no longer needed" });
    let e = await s.admin.getExecution({ id: idOf("to-abort") });
    assert.equal(e.closure?.phase, WorkflowExecution_Phase.ABORTING);
    assert.equal(e.closure?.outputResult.case, "abortMetadata");
    assert.deepEqual(
      e.closure?.outputResult.case === "abortMetadata"
        ? [e.closure.outputResult.value.cause, e.closure.outputResult.value.principal]
        : [],
      ["no longer needed", ""],
    );
    const res = await s.http(`/api/v1/executions/${PROJECT}/${DOMAIN}/to-abort`, {
      method: "DELETE",
      headers: JSON_HEADERS,
      body: JSON.stringify({ cause: "again" }),
    });
    assert.equal(res.status, 200);
    e = await s.admin.getExecution({ id: idOf("to-abort") });
    assert.equal(e.closure?.outputResult.case === "abortMetadata" && e.closure.outputResult.value.cause, "again");

    await setPhase(s, "to-abort", WorkflowExecution_Phase.ABORTED);
    const err = await rejectsWith(
      s.admin.terminateExecution({ id: idOf("to-abort"), cause: "x" }),
      Code.FAILED_PRECONDITION,
      "Cannot abort an already terminated workflow execution",
    );
    const details = statusDetails(err)?.details ?? [];
    const reason = details[0] ? anyUnpack(details[0], EventFailureReasonSchema) : undefined;
    assert.equal(reason?.reason.case, "alreadyInTerminalState");
    assert.equal(reason?.reason.case === "alreadyInTerminalState" && reason.reason.value.currentPhase, "ABORTED");
    e = await s.admin.getExecution({ id: idOf("to-abort") });
    assert.equal(e.closure?.outputResult.case === "abortMetadata" && e.closure.outputResult.value.cause, "again");
    await rejectsWith(
      s.admin.terminateExecution({ id: idOf("nope") }),
      Code.NOT_FOUND,
      /^missing entity of type execution/,
    );
    await rejectsWith(
      s.admin.terminateExecution({ id: { project: PROJECT } }),
      Code.INVALID_ARGUMENT,
      "missing domain",
    );
  });

  test("UpdateExecution archives and re-activates, recording who and when; archived runs leave the default list (S21)", async () => {
    const s = srv();
    await run(s, "to-archive");
    const res = await s.http(`/api/v1/executions/${PROJECT}/${DOMAIN}/to-archive`, {
      method: "PUT",
      headers: JSON_HEADERS,
      body: JSON.stringify({ state: "EXECUTION_ARCHIVED" }),
    });
    assert.equal(res.status, 200);
    const e = await s.admin.getExecution({ id: idOf("to-archive") });
    assert.equal(e.closure?.stateChangeDetails?.state, ExecutionState.EXECUTION_ARCHIVED);
    assert.ok(e.closure?.stateChangeDetails?.occurredAt);
    const names = async (filters = "") =>
      (await s.admin.listExecutions({ id: { project: PROJECT, domain: DOMAIN }, limit: 100, filters })).executions.map(
        (x) => x.id?.name,
      );
    assert.ok(!(await names()).includes("to-archive"));
    assert.deepEqual(await names("eq(state,1)"), ["to-archive"]);
    await s.admin.updateExecution({ id: idOf("to-archive"), state: ExecutionState.EXECUTION_ACTIVE });
    assert.ok((await names()).includes("to-archive"));
    await rejectsWith(
      s.admin.updateExecution({ id: idOf("nope") }),
      Code.NOT_FOUND,
      /^missing entity of type execution/,
    );
  });

  test("flytectl get execution (S17): value_in phases, limit 2, token 2, created_at DESC", async () => {
    const s = srv();
    const phases = [
      WorkflowExecution_Phase.SUCCEEDED,
      WorkflowExecution_Phase.FAILED,
      WorkflowExecution_Phase.RUNNING,
      WorkflowExecution_Phase.SUCCEEDED,
      WorkflowExecution_Phase.SUCCEEDED,
      WorkflowExecution_Phase.FAILED,
      WorkflowExecution_Phase.RUNNING,
    ];
    for (const [i, phase] of phases.entries()) {
      await seedExecution(s, `s17-${i}`, { project: "s17", phase });
    }
    const page = await s.admin.listExecutions({
      id: { project: "s17", domain: DOMAIN },
      filters: "value_in(execution.phase,SUCCEEDED;FAILED)",
      limit: 2,
      token: "2",
      sortBy: { key: "created_at", direction: 0 },
    });
    // Matching, newest first: s17-5, s17-4, s17-3, s17-1, s17-0 → the 3rd and 4th.
    assert.deepEqual(
      page.executions.map((e) => e.id?.name),
      ["s17-3", "s17-1"],
    );
    assert.equal(page.token, "4");
    const http = await s.http(
      `/api/v1/executions/s17/${DOMAIN}?filters=value_in(execution.phase,SUCCEEDED;FAILED)&limit=2&token=4&sort_by.key=created_at&sort_by.direction=DESCENDING`,
      { headers: JSON_HEADERS },
    );
    const body = (await http.json()) as { executions: { id: { name: string } }[]; token: string };
    assert.deepEqual(
      body.executions.map((e) => e.id.name),
      ["s17-0"],
    );
    assert.equal(body.token, "");
  });

  test("ListExecutions: validation, joins by launch plan, name scope, trimmed errors, blanked inputs", async () => {
    const s = srv();
    const list = (r: Parameters<typeof s.admin.listExecutions>[0]) => s.admin.listExecutions(r);
    await rejectsWith(list({ limit: 1 }), Code.INVALID_ARGUMENT, "missing id");
    await rejectsWith(list({ id: { domain: DOMAIN }, limit: 1 }), Code.INVALID_ARGUMENT, "missing project");
    await rejectsWith(list({ id: { project: PROJECT }, limit: 1 }), Code.INVALID_ARGUMENT, "missing domain");
    await rejectsWith(
      list({ id: { project: PROJECT, domain: DOMAIN } }),
      Code.INVALID_ARGUMENT,
      "invalid value for limit",
    );
    const scope = { project: PROJECT, domain: DOMAIN };
    await rejectsWith(
      list({ id: scope, limit: 1, filters: "eq(node_execution.phase,X)" }),
      Code.INVALID_ARGUMENT,
      "'ne' entity is not allowed in filters",
    );
    await rejectsWith(
      list({ id: scope, limit: 1, filters: "eq(execution.bogus,X)" }),
      Code.INVALID_ARGUMENT,
      "'e.bogus' is invalid filter",
    );
    await rejectsWith(
      list({ id: scope, limit: 1, filters: "bogus(phase,X)" }),
      Code.INVALID_ARGUMENT,
      "unrecognized filter function: bogus",
    );
    await rejectsWith(
      list({ id: scope, limit: 1, sortBy: { key: "bogus" } }),
      Code.INVALID_ARGUMENT,
      "invalid sort key 'bogus'",
    );
    await rejectsWith(
      list({ id: scope, limit: 1, token: "x" }),
      Code.INVALID_ARGUMENT,
      "invalid pagination token x for ListExecutions",
    );
    await run(s, "listed", { inputs: { times: intLiteral(1), name: stringLiteral("n") } });
    const named = await list({ id: { ...scope, name: "listed" }, limit: 100 });
    assert.deepEqual(
      named.executions.map((e) => e.id?.name),
      ["listed"],
    );
    assert.equal(named.executions[0]?.spec?.inputs, undefined, "spec.inputs is blanked in lists");
    const got = await s.admin.getExecution({ id: idOf("listed") });
    assert.ok(got.spec?.inputs, "but kept by GetExecution");
    assert.equal(got.spec?.metadata?.systemMetadata?.namespace, "flytesnacks-development", "Get fills the namespace");
    assert.equal(named.executions[0]?.spec?.metadata?.systemMetadata, undefined, "List does not");
    // 99 ASCII bytes then a 3-byte character: the cut at 100 bytes drops the whole character.
    const message = `${"e".repeat(99)}\u20ac and more`;
    await run(s, "failed-long", { phase: WorkflowExecution_Phase.FAILED, error: message });
    const failed = (await list({ id: { ...scope, name: "failed-long" }, limit: 1 })).executions[0]?.closure
      ?.outputResult;
    assert.equal(failed?.case, "error", JSON.stringify(failed));
    assert.equal(failed?.case === "error" && failed.value.message, "e".repeat(99));
    const full = (await s.admin.getExecution({ id: idOf("failed-long") })).closure?.outputResult;
    assert.equal(full?.case === "error" && full.value.message, message, "GetExecution does not trim");
  });
});
