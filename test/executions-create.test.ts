/** CreateExecution over gRPC and HTTP on every database (executions.md §1), as flytekit and flytectl send it. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { create, fromBinary } from "@bufbuild/protobuf";
import { Code } from "../src/errors/codes.js";
import { LabelsSchema } from "../src/proto/gen/flyteidl/admin/common_pb.js";
import { ExecutionMetadata_ExecutionMode, ExecutionState } from "../src/proto/gen/flyteidl/admin/execution_pb.js";
import { ConcurrencyLimitBehavior } from "../src/proto/gen/flyteidl/admin/launch_plan_pb.js";
import { WorkflowExecution_Phase } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { ResourceType } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema } from "../src/proto/gen/flyteidl/core/literals_pb.js";
import { HELLO_WF, pyflyteRunRequest, registerHello } from "./fixtures/executions.js";
import { DOMAIN, PROJECT, taskId } from "./fixtures/tasks.js";
import { INTEGER, intLiteral, stringLiteral } from "./fixtures/types.js";
import { launchPlanId } from "./fixtures/workflows.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

const idOf = (name: string) => ({ project: PROJECT, domain: DOMAIN, name });
const JSON_HEADERS = { "Content-Type": "application/json", Accept: "application/json" };
const GENERATED = /^a[bcdfghjklmnpqrstvwxz2456789]{19}$/;

/** The stored literal map at `metadata/<p>/<d>/<name>/<file>` of the local blob store. */
function storedInputs(srv: TestServer, name: string, file: "inputs" | "user_inputs", project = PROJECT) {
  const path = join(srv.dataDir, "blobs", "flyte", "metadata", project, DOMAIN, name, file);
  return fromBinary(LiteralMapSchema, readFileSync(path));
}

async function setUp(srv: TestServer): Promise<void> {
  await srv.admin.registerProject({
    project: { id: PROJECT, name: PROJECT, labels: { values: { team: "ml", env: "p" } } },
  });
  await registerHello(srv.admin, "v1");
}

describeEachDatabase("CreateExecution", (srv) => {
  test('pyflyte run --remote: a generated name, UNDEFINED, the principal from auth (anonymous: ""), inputs stored', async () => {
    const s = srv();
    await setUp(s);
    const lp = launchPlanId(HELLO_WF, "v1");
    const { id } = await s.admin.createExecution(pyflyteRunRequest(lp, { times: intLiteral(3) }));
    assert.equal(id?.project, PROJECT);
    assert.equal(id?.domain, DOMAIN);
    assert.match(id?.name ?? "", GENERATED);
    const e = await s.admin.getExecution({ id });
    assert.equal(e.closure?.phase, WorkflowExecution_Phase.UNDEFINED);
    assert.equal(e.spec?.metadata?.principal, "");
    assert.equal(e.spec?.metadata?.mode, ExecutionMetadata_ExecutionMode.MANUAL);
    assert.equal(e.spec?.metadata?.systemMetadata?.namespace, "flytesnacks-development");
    assert.equal(e.spec?.maxParallelism, 25, "the resolved max parallelism is stored");
    assert.equal(e.closure?.workflowId?.name, HELLO_WF);
    assert.equal(e.closure?.stateChangeDetails?.state, ExecutionState.EXECUTION_ACTIVE);
    assert.ok(e.closure?.createdAt);
    assert.deepEqual(Object.keys(storedInputs(s, id?.name ?? "", "inputs").literals).sort(), ["name", "times"]);
    assert.deepEqual(Object.keys(storedInputs(s, id?.name ?? "", "user_inputs").literals), ["times"]);
  });

  test("a duplicate name is ALREADY_EXISTS and leaves the first execution and its inputs untouched", async () => {
    const s = srv();
    const lp = launchPlanId(HELLO_WF, "v1");
    const first = pyflyteRunRequest(lp, { times: intLiteral(1), name: stringLiteral("first") });
    first.name = "dup-run";
    await s.admin.createExecution(first);
    const second = pyflyteRunRequest(lp, { times: intLiteral(2), name: stringLiteral("second") });
    second.name = "dup-run";
    await rejectsWith(s.admin.createExecution(second), Code.ALREADY_EXISTS, /^value with matching already exists \(/);
    const user = storedInputs(s, "dup-run", "user_inputs");
    assert.deepEqual(user.literals.name, stringLiteral("first"));
    assert.deepEqual(storedInputs(s, "dup-run", "inputs").literals.times, intLiteral(1));
  });

  test("simultaneous creates of one name: one wins, and the stored inputs are the winner's", async () => {
    const s = srv();
    const lp = launchPlanId(HELLO_WF, "v1");
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => {
        const req = pyflyteRunRequest(lp, { times: intLiteral(i), name: stringLiteral(`racer ${i}`) });
        req.name = "race-run";
        return s.admin.createExecution(req);
      }),
    );
    const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
    assert.equal(winners.length, 1);
    for (const r of results) {
      if (r.status === "rejected") assert.equal((r.reason as { code: number }).code, Code.ALREADY_EXISTS);
    }
    const winner = winners[0] as number;
    assert.deepEqual(storedInputs(s, "race-run", "user_inputs").literals.name, stringLiteral(`racer ${winner}`));
    assert.deepEqual(storedInputs(s, "race-run", "inputs").literals.times, intLiteral(winner));
  });

  test("legacy clients: inputs inside the spec are used when request.inputs is empty, and stay in the spec", async () => {
    const s = srv();
    const req = pyflyteRunRequest(launchPlanId(HELLO_WF, "v1"), {});
    req.name = "legacy-inputs";
    if (req.spec) req.spec.inputs = create(LiteralMapSchema, { literals: { times: intLiteral(7) } });
    await s.admin.createExecution(req);
    assert.deepEqual(storedInputs(s, "legacy-inputs", "inputs").literals.times, intLiteral(7));
    const e = await s.admin.getExecution({ id: { project: PROJECT, domain: DOMAIN, name: "legacy-inputs" } });
    assert.deepEqual(e.spec?.inputs?.literals.times, intLiteral(7));
  });

  test("validation, in FlyteAdmin's order and words", async () => {
    const s = srv();
    await s.admin.registerProject({ project: { id: "archived", name: "archived" } });
    await s.admin.updateProject({ id: "archived", name: "archived", state: 1 });
    const lp = launchPlanId(HELLO_WF, "v1");
    const ok = () => pyflyteRunRequest(lp, { times: intLiteral(1) });
    const cases: [ReturnType<typeof ok>, number, string | RegExp][] = [
      [{ ...ok(), project: "" }, Code.INVALID_ARGUMENT, "missing project"],
      [{ ...ok(), domain: "" }, Code.INVALID_ARGUMENT, "missing domain"],
      [
        { ...ok(), name: "MyRun" },
        Code.INVALID_ARGUMENT,
        "invalid name format: MyRun, does not match regex '^[a-z][a-z\\-0-9]*$'",
      ],
      [
        { ...ok(), name: "run-" },
        Code.INVALID_ARGUMENT,
        "invalid name format: run-, must end with a lower case letter or a digit",
      ],
      [{ ...ok(), name: "r".repeat(64) }, Code.INVALID_ARGUMENT, `size of name exceeded length 63 : ${"r".repeat(64)}`],
      [
        { ...ok(), project: "nope" },
        Code.INVALID_ARGUMENT,
        "failed to validate that project [nope] and domain [development] are registered, err: [project [nope] not found]",
      ],
      [{ ...ok(), project: "archived" }, Code.INVALID_ARGUMENT, "project [archived] is not active"],
      [{ ...ok(), domain: "qa" }, Code.INVALID_ARGUMENT, "domain [qa] is unrecognized by system"],
      [{ ...ok(), spec: undefined }, Code.INVALID_ARGUMENT, "missing spec"],
      [pyflyteRunRequest({ ...lp, version: "" }, {}), Code.INVALID_ARGUMENT, "missing version"],
      [
        pyflyteRunRequest({ ...lp, resourceType: ResourceType.WORKFLOW }, {}),
        Code.INVALID_ARGUMENT,
        "Invalid reference entity resource type [WORKFLOW], only [map[TASK:<nil> LAUNCH_PLAN:<nil>]] allowed",
      ],
      [pyflyteRunRequest({ ...lp, version: "v404" }, {}), Code.NOT_FOUND, /^missing entity of type LAUNCH_PLAN/],
      [
        pyflyteRunRequest(lp, { times: intLiteral(1), what: intLiteral(1) }),
        Code.INVALID_ARGUMENT,
        "invalid input what",
      ],
      [pyflyteRunRequest(lp, {}), Code.INVALID_ARGUMENT, "expected_inputs times missing"],
      [
        pyflyteRunRequest(lp, { times: stringLiteral("x") }),
        Code.INVALID_ARGUMENT,
        "invalid times input wrong type. Expected simple:INTEGER, but got simple:STRING",
      ],
      [pyflyteRunRequest(taskId("nope.task", "v1"), {}), Code.NOT_FOUND, /^missing entity of type TASK/],
    ];
    for (const [req, code, message] of cases) await rejectsWith(s.admin.createExecution(req), code, message);
  });

  test("over HTTP: POST /api/v1/executions, errors as grpc-gateway bodies", async () => {
    const s = srv();
    const body = {
      project: PROJECT,
      domain: DOMAIN,
      name: "http-run",
      spec: {
        launch_plan: { resource_type: "LAUNCH_PLAN", project: PROJECT, domain: DOMAIN, name: HELLO_WF, version: "v1" },
        metadata: { mode: "MANUAL", principal: "placeholder" },
      },
      inputs: { literals: { times: { scalar: { primitive: { integer: "4" } } } } },
    };
    const res = await s.http("/api/v1/executions", {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { id: { project: PROJECT, domain: DOMAIN, name: "http-run", org: "" } });
    const again = await s.http("/api/v1/executions", {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
    });
    await httpError(again, 409, Code.ALREADY_EXISTS, /^value with matching already exists/);
    const bad = await s.http("/api/v1/executions", {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ ...body, name: "Upper" }),
    });
    await httpError(
      bad,
      400,
      Code.INVALID_ARGUMENT,
      "invalid name format: Upper, does not match regex '^[a-z][a-z\\-0-9]*$'",
    );
  });

  test("fixed inputs are merged and cannot be overridden; labels and tags become tag rows", async () => {
    const s = srv();
    await registerHello(s.admin, "v-fixed", {
      lpName: "hello-fixed",
      lpSpec: {
        defaultInputs: {
          parameters: {
            times: { var: { type: INTEGER }, behavior: { case: "required", value: true } },
          },
        },
        fixedInputs: { literals: { name: stringLiteral("fixed") } },
        labels: { values: { from: "lp" } },
      },
    });
    const lp = launchPlanId("hello-fixed", "v-fixed");
    await rejectsWith(
      s.admin.createExecution(pyflyteRunRequest(lp, { times: intLiteral(1), name: stringLiteral("x") })),
      Code.INVALID_ARGUMENT,
      "invalid input name",
    );
    const req = pyflyteRunRequest(lp, { times: intLiteral(1) });
    req.name = "with-fixed";
    if (req.spec) {
      req.spec.labels = create(LabelsSchema, { values: { team: "exec" } });
      req.spec.tags = ["nightly"];
    }
    await s.admin.createExecution(req);
    assert.deepEqual(storedInputs(s, "with-fixed", "inputs").literals.name, stringLiteral("fixed"));
    const byTag = await s.admin.listExecutions({
      id: { project: PROJECT, domain: DOMAIN },
      limit: 10,
      filters: "eq(admin_tag.name,nightly)",
    });
    assert.deepEqual(
      byTag.executions.map((e) => e.id?.name),
      ["with-fixed"],
    );
    const byLabel = await s.admin.listExecutions({
      id: { project: PROJECT, domain: DOMAIN },
      limit: 10,
      filters: "eq(execution_tag.key,team)+eq(execution_tag.value,exec)",
    });
    assert.deepEqual(
      byLabel.executions.map((e) => e.id?.name),
      ["with-fixed"],
    );
  });

  test("launch plan concurrency: SKIP admits exactly max of many simultaneous creates", async () => {
    const s = srv();
    await registerHello(s.admin, "v-conc", {
      lpName: "hello-limited",
      lpSpec: { concurrencyPolicy: { max: 2, behavior: ConcurrencyLimitBehavior.SKIP } },
    });
    const lp = launchPlanId("hello-limited", "v-conc");
    const results = await Promise.allSettled(
      Array.from({ length: 16 }, () => s.admin.createExecution(pyflyteRunRequest(lp, { times: intLiteral(1) }))),
    );
    const ok = results.filter((r) => r.status === "fulfilled");
    assert.equal(ok.length, 2);
    for (const r of results) {
      if (r.status === "rejected") {
        const err = r.reason as { code: number; details: string };
        assert.equal(err.code, Code.ALREADY_EXISTS);
        assert.equal(err.details, "concurrency limit (2) reached for launch plan hello-limited; skipping execution");
      }
    }
    // An aborting execution no longer holds its slot (only UNDEFINED, QUEUED and RUNNING do).
    const first = (ok[0] as PromiseFulfilledResult<{ id?: { name: string } }>).value.id;
    await s.admin.terminateExecution({ id: { project: PROJECT, domain: DOMAIN, name: first?.name ?? "" }, cause: "x" });
    await s.admin.createExecution(pyflyteRunRequest(lp, { times: intLiteral(1) }));
    await rejectsWith(
      s.admin.createExecution(pyflyteRunRequest(lp, { times: intLiteral(1) })),
      Code.ALREADY_EXISTS,
      "concurrency limit (2) reached for launch plan hello-limited; skipping execution",
    );
  });
  test("RelaunchExecution: same user inputs, mode RELAUNCH, reference to the original, overwrite_cache from the request", async () => {
    const s = srv();
    const orig = pyflyteRunRequest(launchPlanId(HELLO_WF, "v1"), { times: intLiteral(5) });
    orig.name = "orig";
    await s.admin.createExecution(orig);
    const { id } = await s.admin.relaunchExecution({ id: idOf("orig"), name: "relaunched", overwriteCache: true });
    assert.equal(id?.name, "relaunched");
    const e = await s.admin.getExecution({ id });
    assert.equal(e.spec?.metadata?.mode, ExecutionMetadata_ExecutionMode.RELAUNCH);
    assert.equal(e.spec?.metadata?.referenceExecution?.name, "orig");
    assert.equal(e.spec?.overwriteCache, true);
    const data = await s.admin.getExecutionData({ id });
    assert.deepEqual(data.fullInputs?.literals.times, intLiteral(5));
    const generated = await s.admin.relaunchExecution({ id: idOf("orig") });
    assert.match(generated.id?.name ?? "", /^a[bcdfghjklmnpqrstvwxz2456789]{19}$/);
    await rejectsWith(
      s.admin.relaunchExecution({ id: idOf("nope") }),
      Code.NOT_FOUND,
      /^missing entity of type execution/,
    );
    await rejectsWith(s.admin.relaunchExecution({ id: idOf("orig"), name: "relaunched" }), Code.ALREADY_EXISTS);
  });

  test("ListExecutions joins launch plans and workflows only when a filter names them", async () => {
    const s = srv();
    const scope = { project: PROJECT, domain: DOMAIN };
    const byLp = await s.admin.listExecutions({
      id: scope,
      limit: 100,
      filters: `eq(launch_plan.name,${HELLO_WF})+eq(launch_plan.version,v1)`,
    });
    assert.ok(byLp.executions.some((e) => e.id?.name === "orig"));
    assert.ok(!byLp.executions.some((e) => e.id?.name === "with-fixed"), "another launch plan");
    const byWf = await s.admin.listExecutions({ id: scope, limit: 100, filters: `eq(workflow.name,${HELLO_WF})` });
    assert.ok(byWf.executions.length >= byLp.executions.length);
  });

  test("RecoverExecution: mode RECOVERED with the original as reference; over HTTP too", async () => {
    const s = srv();
    const { id } = await s.admin.recoverExecution({ id: idOf("orig"), name: "recovered" });
    const e = await s.admin.getExecution({ id });
    assert.equal(e.spec?.metadata?.mode, ExecutionMetadata_ExecutionMode.RECOVERED);
    assert.equal(e.spec?.metadata?.referenceExecution?.name, "orig");
    const res = await s.http("/api/v1/executions/recover", {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ id: idOf("orig"), name: "recovered-http" }),
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { id: { name: string } }).id.name, "recovered-http");
    const rel = await s.http("/api/v1/executions/relaunch", {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ id: idOf("orig"), name: "relaunched-http" }),
    });
    assert.equal(rel.status, 200);
  });
});
