/** Launch plans over gRPC and HTTP, on every database (entities.md §3.3). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import type { ServiceError } from "@grpc/grpc-js";
import { Code } from "../src/errors/codes.js";
import {
  type LaunchPlanCreateRequest,
  LaunchPlanCreateRequestSchema,
  LaunchPlanState,
} from "../src/proto/gen/flyteidl/admin/launch_plan_pb.js";
import { ScheduleSchema } from "../src/proto/gen/flyteidl/admin/schedule_pb.js";
import { ArtifactQuerySchema } from "../src/proto/gen/flyteidl/core/artifact_id_pb.js";
import { WorkflowExecution_Phase } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { ResourceType } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import { LiteralSchema } from "../src/proto/gen/flyteidl/core/literals_pb.js";
import {
  cronSchedule,
  fixedRate,
  launchPlanRequest,
  parameter,
  SCHEDULED_WF,
  scheduledLaunchPlanRequest,
  scheduledWorkflowRequest,
} from "./fixtures/launch-plans.js";
import { DOMAIN, PROJECT } from "./fixtures/tasks.js";
import { DATETIME, datetimeLiteral, INTEGER, intLiteral, STRING, stringLiteral } from "./fixtures/types.js";
import {
  chainWorkflowRequest,
  exampleTaskRequests,
  launchPlanId,
  launchPlanNode,
  promise,
  stringBinding,
  workflowId,
} from "./fixtures/workflows.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { ensureProjects, getJson, JSON_HEADERS, jsonBody } from "./support/registration.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

const CHAIN = "wf.chain";

/** Registers the example tasks, a one-node chain workflow `wf.chain(name: str) -> str` and the scheduled workflow. */
async function setUp(s: TestServer, project = PROJECT): Promise<void> {
  await ensureProjects(s, project);
  const ignoreExisting = (e: unknown) => {
    if ((e as ServiceError).code !== Code.ALREADY_EXISTS) throw e;
  };
  for (const t of exampleTaskRequests("v1", project)) await s.admin.createTask(t).catch(ignoreExisting);
  await s.admin.createWorkflow(chainWorkflowRequest(CHAIN, "v1", 1, "v1", project)).catch(ignoreExisting);
  if (project === PROJECT) await s.admin.createWorkflow(scheduledWorkflowRequest("v1")).catch(ignoreExisting);
}

/** The default launch plan of wf.chain, named `name`. */
function chainLp(name: string, version = "v1", o: Partial<Parameters<typeof launchPlanRequest>[2]> = {}) {
  return launchPlanRequest(launchPlanId(name, version), workflowId(CHAIN, "v1"), { inputs: { name: STRING }, ...o });
}

async function schedulableRows(s: TestServer, name: string) {
  return s.server.database.kysely
    .selectFrom("schedulable_entities")
    .select(["version", "cron_expression", "fixed_rate_value", "unit", "kickoff_time_input_arg", "active"])
    .where("name", "=", name)
    .orderBy("version")
    .execute();
}

describeEachDatabase("launch plans", (srv) => {
  test("CreateLaunchPlan stores the expected inputs as default inputs; GetLaunchPlan returns spec and closure", async () => {
    const s = srv();
    await setUp(s);
    await s.admin.createLaunchPlan(scheduledLaunchPlanRequest("lp.sched", "v1"));
    const lp = await s.admin.getLaunchPlan({ id: launchPlanId("lp.sched", "v1") });
    assert.equal(lp.id?.resourceType, ResourceType.LAUNCH_PLAN);
    assert.equal(lp.closure?.state, LaunchPlanState.INACTIVE);
    const params = lp.spec?.defaultInputs?.parameters ?? {};
    assert.deepEqual(Object.keys(params).sort(), ["kickoff_time", "name"]);
    assert.equal(params.kickoff_time?.behavior.case, "required");
    assert.equal(params.name?.behavior.case, "default");
    assert.deepEqual(Object.keys(lp.closure?.expectedInputs?.parameters ?? {}).sort(), ["kickoff_time", "name"]);
    assert.deepEqual(Object.keys(lp.closure?.expectedOutputs?.variables ?? {}), ["o0"]);
    assert.ok(lp.closure?.createdAt && lp.closure.updatedAt);
    assert.equal(lp.spec?.entityMetadata?.schedule?.ScheduleExpression.case, "cronSchedule");

    // Workflow inputs the launch plan does not mention become required; fixed ones are left out.
    await s.admin.createLaunchPlan(
      launchPlanRequest(launchPlanId("lp.fixed", "v1"), workflowId(SCHEDULED_WF, "v1"), {
        inputs: { kickoff_time: DATETIME },
        fixed: { name: stringLiteral("fixed") },
      }),
    );
    const fixed = await s.admin.getLaunchPlan({ id: launchPlanId("lp.fixed", "v1") });
    assert.deepEqual(Object.keys(fixed.spec?.defaultInputs?.parameters ?? {}), ["kickoff_time"]);
    assert.equal(fixed.spec?.fixedInputs?.literals.name?.value.case, "scalar");
    const sparse = chainLp("lp.sparse");
    if (sparse.spec) sparse.spec.defaultInputs = undefined;
    await s.admin.createLaunchPlan(sparse);
    const expanded = await s.admin.getLaunchPlan({ id: launchPlanId("lp.sparse", "v1") });
    const name = expanded.spec?.defaultInputs?.parameters.name;
    assert.equal(name?.behavior.case, "required");
    assert.equal(name?.var?.description, "name");

    const { status, body } = await getJson<{
      closure: { state: string };
      spec: { default_inputs: { parameters: Record<string, unknown> } };
    }>(s, `/api/v1/launch_plans/${PROJECT}/${DOMAIN}/lp.sched/v1`);
    assert.equal(status, 200);
    assert.equal(body.closure.state, "INACTIVE");
    assert.deepEqual(Object.keys(body.spec.default_inputs.parameters).sort(), ["kickoff_time", "name"]);
  });

  test("the workflow id is checked first, then the workflow must exist", async () => {
    const s = srv();
    await setUp(s);
    const noSpec = chainLp("lp.x");
    noSpec.spec = undefined;
    await rejectsWith(s.admin.createLaunchPlan(noSpec), Code.INVALID_ARGUMENT, "missing id");
    const wrongType = chainLp("lp.x");
    if (wrongType.spec?.workflowId) wrongType.spec.workflowId.resourceType = ResourceType.TASK;
    await rejectsWith(
      s.admin.createLaunchPlan(wrongType),
      Code.INVALID_ARGUMENT,
      /^unexpected resource type task for identifier \[.*\], expected workflow instead$/,
    );
    const noVersion = chainLp("lp.x");
    if (noVersion.spec?.workflowId) noVersion.spec.workflowId.version = "";
    await rejectsWith(s.admin.createLaunchPlan(noVersion), Code.INVALID_ARGUMENT, "missing version");
    const missingWf = launchPlanRequest(launchPlanId("lp.x", "v1"), workflowId("wf.none", "v1"), { inputs: {} });
    await rejectsWith(
      s.admin.createLaunchPlan(missingWf),
      Code.NOT_FOUND,
      /^missing entity of type WORKFLOW with identifier project:"flytesnacks" domain:"development" name:"wf.none" version:"v1" ?$/,
    );
    // The launch plan's own identifier comes next.
    const noId = chainLp("lp.x");
    noId.id = undefined;
    await rejectsWith(s.admin.createLaunchPlan(noId), Code.INVALID_ARGUMENT, "missing id");
    const lpWrongType = chainLp("lp.x");
    if (lpWrongType.id) lpWrongType.id.resourceType = ResourceType.WORKFLOW;
    await rejectsWith(
      s.admin.createLaunchPlan(lpWrongType),
      Code.INVALID_ARGUMENT,
      /^unexpected resource type workflow for identifier \[.*\], expected launch_plan instead$/,
    );
    const otherDomain = chainLp("lp.x");
    if (otherDomain.id) otherDomain.id.domain = "qa";
    await rejectsWith(
      s.admin.createLaunchPlan(otherDomain),
      Code.INVALID_ARGUMENT,
      "domain [qa] is unrecognized by system",
    );
  });

  test("labels, fixed inputs and default inputs validations", async () => {
    const s = srv();
    await setUp(s);
    const rejects = (req: LaunchPlanCreateRequest, message: string | RegExp) =>
      rejectsWith(s.admin.createLaunchPlan(req), Code.INVALID_ARGUMENT, message);
    await rejects(chainLp("lp.v", "v1", { labels: { "bad key!": "v" } }), /^invalid label key \[bad key!\]: \[/);
    await rejects(
      chainLp("lp.v", "v1", { labels: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) }),
      "labels map cannot exceed 16 entries",
    );
    await rejects(
      chainLp("lp.v", "v1", { fixed: { name: create(LiteralSchema) } }),
      "missing valid literal in fixed_inputs name",
    );
    await rejects(chainLp("lp.v", "v1", { fixed: { "": stringLiteral("x") } }), "missing key in fixed_inputs");
    await rejects(
      chainLp("lp.v", "v1", { fixed: { when: datetimeLiteral(-62135596801) } }),
      "proto: timestamp (seconds:-62135596801) before 0001-01-01",
    );
    await rejects(chainLp("lp.v", "v1", { fixed: { other: stringLiteral("x") } }), "unexpected fixed_input other");
    await rejects(
      chainLp("lp.v", "v1", { fixed: { name: intLiteral(3) } }),
      "invalid fixed_input wrong type name, expected simple:STRING, got simple:INTEGER instead",
    );
    // A blob literal without metadata has no inferable type.
    const blob = create(LiteralSchema, {
      value: { case: "scalar", value: { value: { case: "blob", value: { uri: "s3://b/k" } } } },
    });
    await rejects(
      chainLp("lp.v", "v1", { fixed: { name: blob } }),
      /^Failed to validate literal type for \[name\] with err: got unknown literal type: \[<nil>\]\.\nSuggested solution: /,
    );

    const withParam = (p: ReturnType<typeof parameter>, key = "name") => {
      const r = chainLp("lp.v");
      if (r.spec?.defaultInputs) r.spec.defaultInputs.parameters = { [key]: p };
      return r;
    };
    await rejects(withParam(parameter(STRING, "name"), ""), "missing key in default_inputs");
    const untyped = parameter(STRING, "name");
    untyped.var = undefined;
    await rejects(
      withParam(untyped),
      "The Variable component of the Parameter name in default_inputs either is missing, or has a missing Type",
    );
    const neither = parameter(STRING, "name");
    neither.behavior = { case: "required", value: false };
    await rejects(
      withParam(neither),
      "Invalid variable name in default_inputs - variable has neither default, nor is required. One must be specified",
    );
    await rejects(
      withParam(parameter(STRING, "name", intLiteral(1))),
      "Type mismatch for Parameter name in default_inputs has type simple:STRING, expected simple:INTEGER",
    );
    const artifact = parameter(STRING, "name");
    artifact.behavior = { case: "artifactQuery", value: create(ArtifactQuerySchema) };
    await rejects(withParam(artifact), "artifact mode not enabled but query found default_inputs name");
    await rejects(withParam(parameter(STRING, "other", stringLiteral("x")), "other"), "unexpected default_input other");
    await rejects(
      withParam(parameter(INTEGER, "name", intLiteral(1))),
      "invalid default_input wrong type name, expected simple:INTEGER, got simple:STRING instead",
    );
    await rejects(
      withParam(parameter(DATETIME, "name", datetimeLiteral(0, 2_000_000_000))),
      "proto: timestamp (nanos:2000000000) has out-of-range nanos",
    );
  });

  test("a workflow without inputs accepts no default or fixed inputs", async () => {
    const s = srv();
    await setUp(s);
    const noInputs = chainWorkflowRequest("wf.noinputs", "v1", 1);
    const template = noInputs.spec?.template;
    if (template?.interface?.inputs) template.interface.inputs.variables = {};
    const n0 = template?.nodes[0];
    if (n0) n0.inputs = [stringBinding("name", "fixed")];
    await s.admin.createWorkflow(noInputs);
    const lp = (o: Partial<Parameters<typeof launchPlanRequest>[2]>) =>
      launchPlanRequest(launchPlanId("lp.noinputs", "v1"), workflowId("wf.noinputs", "v1"), { inputs: {}, ...o });
    await rejectsWith(
      s.admin.createLaunchPlan(lp({ inputs: { a: STRING, b: STRING } })),
      Code.INVALID_ARGUMENT,
      "invalid launch plan default inputs, expected none but found 2",
    );
    await rejectsWith(
      s.admin.createLaunchPlan(lp({ fixed: { a: stringLiteral("x") } })),
      Code.INVALID_ARGUMENT,
      "invalid launch plan fixed inputs, expected none but found 1",
    );
    await s.admin.createLaunchPlan(lp({}));
    const got = await s.admin.getLaunchPlan({ id: launchPlanId("lp.noinputs", "v1") });
    assert.deepEqual(got.spec?.defaultInputs?.parameters, {});
  });

  test("schedule validations: unbound inputs, kickoff argument, cron syntax", async () => {
    const s = srv();
    await setUp(s);
    const rejects = (req: LaunchPlanCreateRequest, message: string) =>
      rejectsWith(s.admin.createLaunchPlan(req), Code.INVALID_ARGUMENT, message);
    await rejects(
      scheduledLaunchPlanRequest("lp.s", "v1", cronSchedule("*/5 * * * *")),
      "Cannot create a launch plan with a schedule if there is an unbound required input. [kickoff_time] is required",
    );
    await rejects(
      scheduledLaunchPlanRequest("lp.s", "v1", cronSchedule("*/5 * * * *", "nope")),
      "Cannot create a launch plan with a schedule if there is an unbound required input. [kickoff_time] is required",
    );
    const kickoffFixed = launchPlanRequest(launchPlanId("lp.s", "v1"), workflowId(SCHEDULED_WF, "v1"), {
      inputs: { name: STRING },
      defaults: { name: stringLiteral("x") },
      fixed: { kickoff_time: datetimeLiteral(0) },
      schedule: cronSchedule("@hourly", "kickoff_time"),
    });
    await rejects(
      kickoffFixed,
      "Cannot create a schedule with a KickoffTimeInputArg that does not point to a free input. [kickoff_time] is not free or does not exist.",
    );
    const kickoffString = launchPlanRequest(launchPlanId("lp.s", "v1"), workflowId(SCHEDULED_WF, "v1"), {
      inputs: { name: STRING },
      fixed: { kickoff_time: datetimeLiteral(0) },
      schedule: fixedRate(1, 1, "name"),
    });
    await rejects(kickoffString, "KickoffTimeInputArg must reference a datetime input. [name] is a [simple:STRING]");
    await rejects(
      scheduledLaunchPlanRequest("lp.s", "v1", cronSchedule("0 0 * *", "kickoff_time")),
      "Invalid cron expression: expected exactly 5 fields, found 4: [0 0 * *]",
    );
    await rejects(
      scheduledLaunchPlanRequest("lp.s", "v1", cronSchedule("61 * * * *", "kickoff_time")),
      "Invalid cron expression: end of range (61) above maximum (59): 61",
    );
    const deprecated = create(ScheduleSchema, {
      ScheduleExpression: { case: "cronExpression", value: "0 0 * * * *" },
      kickoffTimeInputArg: "kickoff_time",
    });
    await rejects(
      scheduledLaunchPlanRequest("lp.s", "v1", deprecated),
      "Invalid cron expression: expected exactly 5 fields, found 6: [0 0 * * * *]",
    );
    // Descriptors, an empty cron schedule and fixed rates need no cron parse.
    await s.admin.createLaunchPlan(
      scheduledLaunchPlanRequest("lp.daily", "v1", cronSchedule("@daily", "kickoff_time")),
    );
    await s.admin.createLaunchPlan(scheduledLaunchPlanRequest("lp.empty", "v1", cronSchedule("", "kickoff_time")));
    await s.admin.createLaunchPlan(scheduledLaunchPlanRequest("lp.rate", "v1", fixedRate(10, 0, "kickoff_time")));
  });

  test("notifications and launch conditions", async () => {
    const s = srv();
    await setUp(s);
    const withNotification = (notification: Record<string, unknown>) => {
      const r = chainLp("lp.n");
      r.spec?.entityMetadata?.notifications.push(notification as never);
      return r;
    };
    const rejects = (req: LaunchPlanCreateRequest, message: string | RegExp) =>
      rejectsWith(s.admin.createLaunchPlan(req), Code.INVALID_ARGUMENT, message);
    const email = (recipients: string[], phases = [WorkflowExecution_Phase.FAILED]) => ({
      $typeName: "flyteidl.admin.Notification",
      phases,
      type: {
        case: "email",
        value: { $typeName: "flyteidl.admin.EmailNotification", recipientsEmail: recipients, template: "" },
      },
    });
    await rejects(withNotification(email([])), "missing recipients");
    await rejects(withNotification(email(["a@b.c", ""])), "missing recipient");
    await rejects(withNotification(email(["a@b.c"], [WorkflowExecution_Phase.RUNNING])), "invalid value for phase");
    await rejects(
      withNotification({ $typeName: "flyteidl.admin.Notification", phases: [], type: { case: undefined } }),
      "invalid value for notification type",
    );
    const conditions = chainLp("lp.n");
    if (conditions.spec?.entityMetadata) {
      conditions.spec.entityMetadata.launchConditions = create(AnySchema, {
        typeUrl: "type.googleapis.com/x.Y",
        value: new Uint8Array(),
      });
    }
    await rejects(conditions, /^Launch condition must be empty, found type_url:"type.googleapis.com\/x.Y"/);
    await s.admin.createLaunchPlan(
      withNotification(
        email(["oncall@example.com"], [WorkflowExecution_Phase.FAILED, WorkflowExecution_Phase.TIMED_OUT]),
      ),
    );
  });

  test("re-registration: identical is ALREADY_EXISTS, a changed spec lists the differences", async () => {
    const s = srv();
    await setUp(s);
    await s.admin.createLaunchPlan(chainLp("lp.rereg"));
    await rejectsWith(
      s.admin.createLaunchPlan(chainLp("lp.rereg")),
      Code.ALREADY_EXISTS,
      "launch plan with identical structure already exists",
    );
    await rejectsWith(
      s.admin.createLaunchPlan(chainLp("lp.rereg", "v1", { labels: { team: "ml" } })),
      Code.INVALID_ARGUMENT,
      "lp.rereg launch plan with different structure already exists. (Please register a new version of the launch plan):\n/labels/values:\n\t- <nil> \n\t+ map[team:ml]",
    );
    const res = await s.http("/api/v1/launch_plans", {
      method: "POST",
      headers: JSON_HEADERS,
      body: jsonBody(LaunchPlanCreateRequestSchema, chainLp("lp.rereg")),
    });
    await httpError(res, 409, Code.ALREADY_EXISTS, "launch plan with identical structure already exists");
    const concurrent = await Promise.allSettled(
      Array.from({ length: 5 }, () => s.admin.createLaunchPlan(chainLp("lp.race"))),
    );
    assert.equal(concurrent.filter((r) => r.status === "fulfilled").length, 1);
  });

  test("activation: one active version per name; deactivation is idempotent; activation validates its id", async () => {
    const s = srv();
    await setUp(s);
    for (const v of ["v1", "v2"]) await s.admin.createLaunchPlan(chainLp("lp.act", v));
    const id = (v: string) => launchPlanId("lp.act", v);
    const before = await s.admin.getLaunchPlan({ id: id("v1") });
    await s.admin.updateLaunchPlan({ id: id("v1"), state: LaunchPlanState.ACTIVE });
    let v1 = await s.admin.getLaunchPlan({ id: id("v1") });
    assert.equal(v1.closure?.state, LaunchPlanState.ACTIVE);
    assert.deepEqual(v1.closure?.updatedAt, before.closure?.updatedAt, "activation leaves updated_at alone");
    assert.equal(
      (await s.admin.getActiveLaunchPlan({ id: { project: PROJECT, domain: DOMAIN, name: "lp.act" } })).id?.version,
      "v1",
    );

    await s.admin.updateLaunchPlan({
      id: { ...id("v2"), resourceType: ResourceType.UNSPECIFIED },
      state: LaunchPlanState.ACTIVE,
    });
    v1 = await s.admin.getLaunchPlan({ id: id("v1") });
    assert.equal(v1.closure?.state, LaunchPlanState.INACTIVE);
    assert.equal(
      (await s.admin.getActiveLaunchPlan({ id: { project: PROJECT, domain: DOMAIN, name: "lp.act" } })).id?.version,
      "v2",
    );
    // Re-activating the active version is fine.
    await s.admin.updateLaunchPlan({ id: id("v2"), state: LaunchPlanState.ACTIVE });

    await s.admin.updateLaunchPlan({ id: id("v2"), state: LaunchPlanState.INACTIVE });
    const v2 = await s.admin.getLaunchPlan({ id: id("v2") });
    assert.equal(v2.closure?.state, LaunchPlanState.INACTIVE);
    assert.ok(
      Number(v2.closure?.updatedAt?.seconds) * 1e9 + (v2.closure?.updatedAt?.nanos ?? 0) >
        Number(before.closure?.updatedAt?.seconds) * 1e9 + (before.closure?.updatedAt?.nanos ?? 0),
      "deactivation bumps updated_at",
    );
    await s.admin.updateLaunchPlan({ id: id("v2"), state: LaunchPlanState.INACTIVE });
    await rejectsWith(
      s.admin.getActiveLaunchPlan({ id: { project: PROJECT, domain: DOMAIN, name: "lp.act" } }),
      Code.NOT_FOUND,
      "No active launch plan could be found: flytesnacks:development:lp.act",
    );

    await rejectsWith(
      s.admin.updateLaunchPlan({ id: { ...id("v1"), version: "" }, state: LaunchPlanState.ACTIVE }),
      Code.INVALID_ARGUMENT,
      "missing version",
    );
    await rejectsWith(s.admin.updateLaunchPlan({ state: LaunchPlanState.ACTIVE }), Code.INVALID_ARGUMENT, "missing id");
    await rejectsWith(
      s.admin.updateLaunchPlan({ id: id("v9"), state: LaunchPlanState.ACTIVE }),
      Code.NOT_FOUND,
      /^missing entity of type LAUNCH_PLAN with identifier project:"flytesnacks" domain:"development" name:"lp.act" version:"v9" ?$/,
    );
    await rejectsWith(s.admin.updateLaunchPlan({ id: id("v9"), state: LaunchPlanState.INACTIVE }), Code.NOT_FOUND);
    await rejectsWith(
      s.admin.updateLaunchPlan({ id: id("v1"), state: 7 as LaunchPlanState }),
      Code.INVALID_ARGUMENT,
      /^Unrecognized launch plan state 7 for update for launch plan \[resource_type:LAUNCH_PLAN project:"flytesnacks".*version:"v1" ?\]$/,
    );
    await rejectsWith(s.admin.getActiveLaunchPlan({}), Code.INVALID_ARGUMENT, "missing project");
    await rejectsWith(
      s.admin.getActiveLaunchPlan({ id: { project: PROJECT, domain: DOMAIN } }),
      Code.INVALID_ARGUMENT,
      "missing name",
    );

    // Over HTTP.
    const res = await s.http(`/api/v1/launch_plans/${PROJECT}/${DOMAIN}/lp.act/v1`, {
      method: "PUT",
      headers: JSON_HEADERS,
      body: JSON.stringify({ state: "ACTIVE" }),
    });
    assert.equal(res.status, 200);
    const active = await getJson<{ id: { version: string } }>(
      s,
      `/api/v1/active_launch_plans/${PROJECT}/${DOMAIN}/lp.act`,
    );
    assert.equal(active.body.id.version, "v1");
  });

  test("concurrent activations of different versions leave exactly one active", async () => {
    const s = srv();
    await setUp(s);
    const versions = ["v1", "v2", "v3", "v4"];
    for (const v of versions) await s.admin.createLaunchPlan(chainLp("lp.busy", v));
    await Promise.all(
      [...versions, ...versions].map((v) =>
        s.admin.updateLaunchPlan({ id: launchPlanId("lp.busy", v), state: LaunchPlanState.ACTIVE }),
      ),
    );
    const active = await s.admin.listActiveLaunchPlans({ project: PROJECT, domain: DOMAIN, limit: 100 });
    assert.equal(active.launchPlans.filter((l) => l.id?.name === "lp.busy").length, 1);
  });

  test("activation drives schedulable_entities: the new version's schedule on, the former's off", async () => {
    const s = srv();
    await setUp(s);
    await s.admin.createLaunchPlan(scheduledLaunchPlanRequest("lp.cron", "v1"));
    await s.admin.createLaunchPlan(scheduledLaunchPlanRequest("lp.cron", "v2", fixedRate(2, 1, "kickoff_time"), "v1"));
    await s.admin.createLaunchPlan(scheduledLaunchPlanRequest("lp.cron", "v3", cronSchedule("", "kickoff_time"), "v1"));
    const id = (v: string) => launchPlanId("lp.cron", v);
    assert.deepEqual(await schedulableRows(s, "lp.cron"), [], "creating schedules nothing");

    await s.admin.updateLaunchPlan({ id: id("v1"), state: LaunchPlanState.ACTIVE });
    assert.deepEqual(await schedulableRows(s, "lp.cron"), [
      {
        version: "v1",
        cron_expression: "*/5 * * * *",
        fixed_rate_value: 0,
        unit: 0,
        kickoff_time_input_arg: "kickoff_time",
        active: 1,
      },
    ]);
    await s.admin.updateLaunchPlan({ id: id("v2"), state: LaunchPlanState.ACTIVE });
    assert.deepEqual(
      (await schedulableRows(s, "lp.cron")).map((r) => [
        r.version,
        r.cron_expression,
        r.fixed_rate_value,
        r.unit,
        r.active,
      ]),
      [
        ["v1", "*/5 * * * *", 0, 0, 0],
        ["v2", "", 2, 1, 1],
      ],
    );
    // An empty cron schedule is no schedule: the former one goes off, nothing comes on.
    await s.admin.updateLaunchPlan({ id: id("v3"), state: LaunchPlanState.ACTIVE });
    assert.deepEqual(
      (await schedulableRows(s, "lp.cron")).map((r) => r.active),
      [0, 0],
    );
    await s.admin.updateLaunchPlan({ id: id("v1"), state: LaunchPlanState.ACTIVE });
    assert.deepEqual(
      (await schedulableRows(s, "lp.cron")).map((r) => r.active),
      [1, 0],
    );
    await s.admin.updateLaunchPlan({ id: id("v1"), state: LaunchPlanState.INACTIVE });
    assert.deepEqual(
      (await schedulableRows(s, "lp.cron")).map((r) => r.active),
      [0, 0],
    );

    // The deprecated cron_expression cannot be scheduled by the native scheduler.
    const deprecated = create(ScheduleSchema, {
      ScheduleExpression: { case: "cronExpression", value: "0 * * * *" },
      kickoffTimeInputArg: "kickoff_time",
    });
    await s.admin.createLaunchPlan(scheduledLaunchPlanRequest("lp.deprecated", "v1", deprecated));
    await rejectsWith(
      s.admin.updateLaunchPlan({ id: launchPlanId("lp.deprecated", "v1"), state: LaunchPlanState.ACTIVE }),
      Code.INTERNAL,
      "failed adding schedule for unknown schedule expression type &{0 * * * *}",
    );
    assert.equal(
      (await s.admin.getLaunchPlan({ id: launchPlanId("lp.deprecated", "v1") })).closure?.state,
      LaunchPlanState.INACTIVE,
    );
  });

  test("ListLaunchPlans (with workflow.* filters), ListActiveLaunchPlans, ListLaunchPlanIds", async () => {
    const s = srv();
    await setUp(s, "lplist");
    const wf = (name: string) => workflowId(name, "v1", "lplist");
    await s.admin.createWorkflow(chainWorkflowRequest("wf.other", "v1", 1, "v1", "lplist"));
    const mk = (name: string, version: string, wfName = CHAIN) =>
      launchPlanRequest(launchPlanId(name, version, "lplist"), wf(wfName), { inputs: { name: STRING } });
    for (const v of ["v1", "v2", "v3"]) await s.admin.createLaunchPlan(mk("lp.a", v));
    await s.admin.createLaunchPlan(mk("lp.b", "v1", "wf.other"));
    await s.admin.updateLaunchPlan({ id: launchPlanId("lp.a", "v2", "lplist"), state: LaunchPlanState.ACTIVE });
    await s.admin.updateLaunchPlan({ id: launchPlanId("lp.b", "v1", "lplist"), state: LaunchPlanState.ACTIVE });

    const scope = { project: "lplist", domain: DOMAIN };
    const all = await s.admin.listLaunchPlans({ id: scope, limit: 10 });
    assert.equal(all.launchPlans.length, 4);
    const byWorkflow = await s.admin.listLaunchPlans({ id: scope, limit: 10, filters: "eq(workflow.name,wf.other)" });
    assert.deepEqual(
      byWorkflow.launchPlans.map((l) => l.id?.name),
      ["lp.b"],
    );
    const active = await s.admin.listLaunchPlans({ id: { ...scope, name: "lp.a" }, limit: 10, filters: "eq(state,1)" });
    assert.deepEqual(
      active.launchPlans.map((l) => l.id?.version),
      ["v2"],
    );
    const latest = await s.admin.listLaunchPlans({
      id: { ...scope, name: "lp.a" },
      limit: 1,
      sortBy: { key: "created_at" },
    });
    assert.equal(latest.launchPlans[0]?.id?.version, "v3");
    assert.equal(latest.token, "1");
    const joinedSorted = await s.admin.listLaunchPlans({
      id: scope,
      limit: 2,
      filters: `eq(workflow.version,v1)`,
      sortBy: { key: "name", direction: 1 },
    });
    assert.deepEqual(
      joinedSorted.launchPlans.map((l) => l.id?.name),
      ["lp.a", "lp.a"],
    );
    assert.equal(joinedSorted.token, "2");
    await rejectsWith(s.admin.listLaunchPlans({ id: scope }), Code.INVALID_ARGUMENT, "invalid value for limit");
    await rejectsWith(
      s.admin.listLaunchPlans({ id: { project: "lplist" }, limit: 1 }),
      Code.INVALID_ARGUMENT,
      "missing domain",
    );
    await rejectsWith(
      s.admin.listLaunchPlans({ id: scope, limit: 1, token: "no" }),
      Code.INVALID_ARGUMENT,
      "invalid pagination token no for ListLaunchPlans",
    );
    await rejectsWith(
      s.admin.listLaunchPlans({ id: scope, limit: 1, filters: "eq(task.name,x)" }),
      Code.INVALID_ARGUMENT,
      "'t' entity is not allowed in filters",
    );

    const activeList = await s.admin.listActiveLaunchPlans({
      ...scope,
      limit: 10,
      sortBy: { key: "name", direction: 1 },
    });
    assert.deepEqual(
      activeList.launchPlans.map((l) => [l.id?.name, l.id?.version]),
      [
        ["lp.a", "v2"],
        ["lp.b", "v1"],
      ],
    );
    await rejectsWith(
      s.admin.listActiveLaunchPlans({ project: "lplist", limit: 1 }),
      Code.INVALID_ARGUMENT,
      "missing domain",
    );
    await rejectsWith(s.admin.listActiveLaunchPlans(scope), Code.INVALID_ARGUMENT, "invalid value for limit");
    await rejectsWith(
      s.admin.listActiveLaunchPlans({ ...scope, limit: 1, token: "t" }),
      Code.INVALID_ARGUMENT,
      "invalid pagination token t for ListActiveLaunchPlans",
    );

    const ids = await s.admin.listLaunchPlanIds({ ...scope, limit: 10 });
    assert.deepEqual(
      ids.entities.map((e) => e.name),
      ["lp.a", "lp.b"],
    );
    const allDomains = await s.admin.listLaunchPlanIds({ project: "lplist", limit: 10 });
    assert.deepEqual(
      allDomains.entities.map((e) => e.name),
      ["lp.a", "lp.b"],
    );
    await rejectsWith(
      s.admin.listLaunchPlanIds(scope),
      Code.INVALID_ARGUMENT,
      "missing and/or invalid parameters: limit",
    );
    await rejectsWith(
      s.admin.listLaunchPlanIds({ limit: 1 }),
      Code.INVALID_ARGUMENT,
      "missing and/or invalid parameters: filters",
    );
    await rejectsWith(
      s.admin.listLaunchPlanIds({ ...scope, limit: 1, token: "x" }),
      Code.INVALID_ARGUMENT,
      "invalid pagination token x",
    );

    const http = await getJson<{ launch_plans: { id: { name: string } }[] }>(
      s,
      "/api/v1/launch_plans/lplist/development?limit=10&filters=eq(workflow.name%2Cwf.other)",
    );
    assert.deepEqual(
      http.body.launch_plans.map((l) => l.id.name),
      ["lp.b"],
    );
    const httpActive = await getJson<{ launch_plans: unknown[] }>(
      s,
      "/api/v1/active_launch_plans/lplist/development?limit=10",
    );
    assert.equal(httpActive.body.launch_plans.length, 2);
    const httpIds = await getJson<{ entities: unknown[] }>(s, "/api/v1/launch_plan_ids/lplist/development?limit=10");
    assert.equal(httpIds.body.entities.length, 2);
  });

  test("a workflow may launch a registered launch plan; the node binds its required inputs only", async () => {
    const s = srv();
    await setUp(s);
    await s.admin.createLaunchPlan(chainLp("lp.child"));
    const parent = chainWorkflowRequest("wf.parent", "v1", 1);
    parent.spec?.template?.nodes.push(
      launchPlanNode("n1", launchPlanId("lp.child", "v1"), [promise("name", "n0", "o0")], ["n0"]),
    );
    await s.admin.createWorkflow(parent);
    const compiled = (await s.admin.getWorkflow({ id: workflowId("wf.parent", "v1") })).closure?.compiledWorkflow;
    assert.deepEqual(compiled?.primary?.connections?.upstream.n1?.ids, ["n0"]);
    // Binding a type the launch plan does not accept is a compile error.
    const bad = chainWorkflowRequest("wf.parent.bad", "v1", 1);
    bad.spec?.template?.nodes.push(
      launchPlanNode("n1", launchPlanId("lp.child", "v1"), [{ ...promise("name", "start-node", "name"), var: "nope" }]),
    );
    await rejectsWith(
      s.admin.createWorkflow(bad),
      Code.INVALID_ARGUMENT,
      /^failed to compile workflow for \[.*name:"wf.parent.bad".*\] with err: Collected Errors: /,
    );
  });
});

describeEachDatabase(
  "launch plans with artifacts enabled",
  (srv) => {
    test("an artifact query counts as a default", async () => {
      const s = srv();
      await setUp(s);
      const r = chainLp("lp.artifact");
      const p = parameter(STRING, "name");
      p.behavior = { case: "artifactQuery", value: create(ArtifactQuerySchema) };
      if (r.spec?.defaultInputs) r.spec.defaultInputs.parameters = { name: p };
      await s.admin.createLaunchPlan(r);
      const lp = await s.admin.getLaunchPlan({ id: launchPlanId("lp.artifact", "v1") });
      assert.equal(lp.spec?.defaultInputs?.parameters.name?.behavior.case, "artifactQuery");
    });
  },
  { flyteadmin: { featureGates: { enableArtifacts: true } } },
);
