/** Workflows over gRPC and HTTP, on every database (entities.md §3.1-3.2, compiler.md §1). */
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { clone, fromBinary } from "@bufbuild/protobuf";
import type { ServiceError } from "@grpc/grpc-js";
import { Code } from "../src/errors/codes.js";
import {
  type CreateWorkflowFailureReason,
  CreateWorkflowFailureReasonSchema,
  WorkflowClosureSchema,
  WorkflowCreateRequestSchema,
} from "../src/proto/gen/flyteidl/admin/workflow_pb.js";
import { ResourceType } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import { DOMAIN, PROJECT, taskId } from "./fixtures/tasks.js";
import {
  chainWorkflowRequest,
  EXAMPLE_TASKS,
  exampleTaskRequests,
  exampleWorkflowRequest,
  launchPlanId,
  launchPlanNode,
  promise,
  workflowId,
} from "./fixtures/workflows.js";
import { httpError, rejectsWith, statusDetails } from "./support/assertions.js";
import { ensureProjects, getJson, JSON_HEADERS, jsonBody } from "./support/registration.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

const WF = "workflows.example.wf";

async function registerTasks(s: TestServer, version: string, project = PROJECT): Promise<void> {
  await ensureProjects(s, project);
  for (const t of exampleTaskRequests(version, project)) {
    try {
      await s.admin.createTask(t);
    } catch (e) {
      if ((e as ServiceError).code !== Code.ALREADY_EXISTS) throw e;
    }
  }
}

function failureReason(err: ServiceError): CreateWorkflowFailureReason {
  const d = statusDetails(err)?.details[0];
  assert.equal(d?.typeUrl, "type.googleapis.com/flyteidl.admin.CreateWorkflowFailureReason");
  return fromBinary(CreateWorkflowFailureReasonSchema, d?.value ?? new Uint8Array());
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const idText = (name: string, version: string, type = "WORKFLOW") =>
  `resource_type:${type} project:"${PROJECT}" domain:"${DOMAIN}" name:"${name}" version:"${version}"`;

describeEachDatabase("workflows", (srv) => {
  test("CreateWorkflow compiles a sub-workflow, a branch and a map node; GetWorkflow returns the compiled closure", async () => {
    const s = srv();
    await registerTasks(s, "v1");
    const req = exampleWorkflowRequest(WF, "v1");
    await s.admin.createWorkflow(req);
    const wf = await s.admin.getWorkflow({ id: workflowId(WF, "v1") });
    assert.equal(wf.id?.resourceType, ResourceType.WORKFLOW);
    assert.equal(wf.shortDescription, `${WF} workflow`);
    const compiled = wf.closure?.compiledWorkflow;
    const primary = compiled?.primary?.template;
    assert.deepEqual(
      primary?.nodes.map((n) => n.id),
      ["start-node", "end-node", "n0", "n1", "n2", "n3", "n4"],
    );
    assert.equal(primary?.id?.name, WF, "the template id is the request id");
    assert.deepEqual(compiled?.primary?.connections?.upstream.n2?.ids, ["n1"]);
    assert.deepEqual(compiled?.primary?.connections?.downstream["start-node"]?.ids, ["n0", "n4"]);
    assert.ok(compiled?.primary?.connections?.upstream["n3-n0"], "branch nodes are renamed <branch>-<id>");
    assert.equal(compiled?.subWorkflows.length, 1);
    assert.equal(compiled?.subWorkflows[0]?.template?.id?.name, "workflows.example.sub_wf");
    assert.deepEqual(
      compiled?.tasks.map((t) => t.template?.id?.name).sort(),
      [EXAMPLE_TASKS.greetingLength, EXAMPLE_TASKS.square, EXAMPLE_TASKS.sayHello].sort(),
    );
    assert.ok(wf.closure?.createdAt);

    const { status, body } = await getJson<{
      closure: { compiled_workflow: { primary: { template: { nodes: { id: string }[] } } } };
    }>(s, `/api/v1/workflows/${PROJECT}/${DOMAIN}/${WF}/v1`);
    assert.equal(status, 200);
    assert.equal(body.closure.compiled_workflow.primary.template.nodes.length, 7);
  });

  test("the closure is offloaded to <container>/metadata/admin/<project>/<domain>/<name>/<version>", async () => {
    const s = srv();
    await registerTasks(s, "v1");
    await s.admin.createWorkflow(exampleWorkflowRequest("wf.offload", "v1"));
    const path = join(s.dataDir, "blobs", "flyte", "metadata", "admin", PROJECT, DOMAIN, "wf.offload", "v1");
    assert.ok(existsSync(path), `closure at ${path}`);
    const stored = fromBinary(WorkflowClosureSchema, readFileSync(path));
    assert.equal(stored.compiledWorkflow?.primary?.template?.id?.name, "wf.offload");
    assert.ok(stored.createdAt);
    // A closure that disappeared from the store is an INTERNAL error naming its location.
    rmSync(path);
    await rejectsWith(
      s.admin.getWorkflow({ id: workflowId("wf.offload", "v1") }),
      Code.INTERNAL,
      /^Unable to read WorkflowClosure from location file:\/\/.*\/metadata\/admin\/flytesnacks\/development\/wf\.offload\/v1 : /,
    );
  });

  test("identifier, project and spec validations", async () => {
    const s = srv();
    await registerTasks(s, "v1");
    await s.admin.registerProject({ project: { id: "archived-wf", name: "a", state: 1 } });
    const base = exampleWorkflowRequest("wf.val", "v1");
    const withId = (patch: Record<string, unknown>) => {
      const r = clone(WorkflowCreateRequestSchema, base);
      Object.assign(r.id ?? {}, patch);
      return r;
    };
    const noId = clone(WorkflowCreateRequestSchema, base);
    noId.id = undefined;
    await rejectsWith(s.admin.createWorkflow(noId), Code.INVALID_ARGUMENT, "missing id");
    await rejectsWith(
      s.admin.createWorkflow(withId({ resourceType: ResourceType.TASK })),
      Code.INVALID_ARGUMENT,
      /^unexpected resource type task for identifier \[resource_type:TASK project:"flytesnacks".*\], expected workflow instead$/,
    );
    await rejectsWith(s.admin.createWorkflow(withId({ project: "" })), Code.INVALID_ARGUMENT, "missing project");
    await rejectsWith(s.admin.createWorkflow(withId({ domain: "" })), Code.INVALID_ARGUMENT, "missing domain");
    await rejectsWith(s.admin.createWorkflow(withId({ name: "" })), Code.INVALID_ARGUMENT, "missing name");
    await rejectsWith(s.admin.createWorkflow(withId({ version: "" })), Code.INVALID_ARGUMENT, "missing version");
    await rejectsWith(
      s.admin.createWorkflow(withId({ project: "nowhere" })),
      Code.INVALID_ARGUMENT,
      "failed to validate that project [nowhere] and domain [development] are registered, err: [project [nowhere] not found]",
    );
    await rejectsWith(
      s.admin.createWorkflow(withId({ project: "archived-wf" })),
      Code.INVALID_ARGUMENT,
      "project [archived-wf] is not active",
    );
    await rejectsWith(
      s.admin.createWorkflow(withId({ domain: "qa" })),
      Code.INVALID_ARGUMENT,
      "domain [qa] is unrecognized by system",
    );
    const noTemplate = clone(WorkflowCreateRequestSchema, base);
    if (noTemplate.spec) noTemplate.spec.template = undefined;
    await rejectsWith(s.admin.createWorkflow(noTemplate), Code.INVALID_ARGUMENT, "missing spec");
    const noSpec = clone(WorkflowCreateRequestSchema, base);
    noSpec.spec = undefined;
    await rejectsWith(s.admin.createWorkflow(noSpec), Code.INVALID_ARGUMENT, "missing spec");
  });

  test("compile failures are INVALID_ARGUMENT 'failed to compile workflow for [<id>] with err: ...'", async () => {
    const s = srv();
    await registerTasks(s, "v1");
    const prefix = (name: string) => `failed to compile workflow for [${idText(name, "v1")}] with err: `;

    // A referenced task that is not registered.
    const missingTask = chainWorkflowRequest("wf.missing_task", "v1", 2, "v404");
    await rejectsWith(
      s.admin.createWorkflow(missingTask),
      Code.INVALID_ARGUMENT,
      `${prefix("wf.missing_task")}missing entity of type TASK with identifier project:"${PROJECT}" domain:"${DOMAIN}" name:"${EXAMPLE_TASKS.sayHello}" version:"v404"`,
    );

    // A referenced launch plan that is not registered.
    const missingLp = chainWorkflowRequest("wf.missing_lp", "v1", 1);
    missingLp.spec?.template?.nodes.push(
      launchPlanNode("lp", launchPlanId("nope.lp", "v1"), [promise("name", "n0", "o0")]),
    );
    await rejectsWith(
      s.admin.createWorkflow(missingLp),
      Code.INVALID_ARGUMENT,
      `${prefix("wf.missing_lp")}missing entity of type LAUNCH_PLAN with identifier project:"${PROJECT}" domain:"${DOMAIN}" name:"nope.lp" version:"v1"`,
    );

    // A sub-workflow reference that the request does not carry (reported by the compile, not the requirements).
    const missingSub = exampleWorkflowRequest("wf.missing_sub", "v1");
    if (missingSub.spec) missingSub.spec.subWorkflows = [];
    await rejectsWith(
      s.admin.createWorkflow(missingSub),
      Code.INVALID_ARGUMENT,
      `${prefix("wf.missing_sub")}Collected Errors: 1\n\tError 0: Code: WorkflowReferenceNotFound, Node Id: n1, Description: Referenced Workflow [${idText("workflows.example.sub_wf", "v1")}] not found.\n`,
    );

    // Two sub-workflows with one id make the requirements fail.
    const dupSub = exampleWorkflowRequest("wf.dup_sub", "v1");
    const sub = dupSub.spec?.subWorkflows[0];
    if (sub) dupSub.spec?.subWorkflows.push(sub);
    await rejectsWith(
      s.admin.createWorkflow(dupSub),
      Code.INVALID_ARGUMENT,
      new RegExp(
        `^${escapeRegex(prefix("wf.dup_sub"))}failed to get workflow requirements with err Collected Errors: 1\n\tError 0: Code: DuplicateId, Node Id: .*workflows.example.sub_wf`,
      ),
    );

    // A binding to an output the upstream node does not have.
    const badBinding = chainWorkflowRequest("wf.bad_binding", "v1", 2);
    const n1 = badBinding.spec?.template?.nodes[1];
    if (n1) n1.inputs = [promise("name", "n0", "nope")];
    const bindingErr = await rejectsWith(s.admin.createWorkflow(badBinding), Code.INVALID_ARGUMENT);
    assert.match(
      bindingErr.details,
      /^failed to compile workflow for \[.*name:"wf\.bad_binding".*\] with err: Collected Errors: 2\n\tError 0: Code: ParameterNotBound, Node Id: n1, .*\n\tError 1: Code: VariableNameNotFound, Node Id: n0, /s,
    );

    // Nothing was stored for any of them.
    for (const name of ["wf.missing_task", "wf.missing_lp", "wf.missing_sub", "wf.dup_sub", "wf.bad_binding"]) {
      await rejectsWith(s.admin.getWorkflow({ id: workflowId(name, "v1") }), Code.NOT_FOUND);
    }
  });

  test("registration.maxWorkflowNodes (default 100) counts user nodes only", async () => {
    const s = srv();
    await registerTasks(s, "v1");
    await s.admin.createWorkflow(chainWorkflowRequest("wf.hundred", "v1", 100));
    await rejectsWith(
      s.admin.createWorkflow(chainWorkflowRequest("wf.too_many", "v1", 101)),
      Code.INVALID_ARGUMENT,
      `number of nodes in workflow [${idText("wf.too_many", "v1")}] exceeds limit (101 > 100)`,
    );
  });

  test("re-registration against a digest made another way (FlyteAdmin's, imported) compares the structures", async () => {
    const s = srv();
    await registerTasks(s, "v1");
    await s.admin.createWorkflow(chainWorkflowRequest("wf.imported", "v1", 2));
    const db = s.server.database;
    await db.kysely
      .updateTable("workflows")
      .set({ digest: db.codec.bytes(new Uint8Array(32).fill(7)) })
      .where("name", "=", "wf.imported")
      .execute();
    const same = await rejectsWith(
      s.admin.createWorkflow(chainWorkflowRequest("wf.imported", "v1", 2)),
      Code.ALREADY_EXISTS,
      "workflow with identical structure already exists",
    );
    assert.equal(failureReason(same).reason.case, "existsIdenticalStructure");
    await rejectsWith(
      s.admin.createWorkflow(chainWorkflowRequest("wf.imported", "v1", 3)),
      Code.INVALID_ARGUMENT,
      /^wf\.imported workflow with different structure already exists\. \(Please register a new version of the workflow\):\n\/primary\//,
    );
  });

  test("re-registration: identical is ALREADY_EXISTS, different is INVALID_ARGUMENT; both carry CreateWorkflowFailureReason", async () => {
    const s = srv();
    await registerTasks(s, "v1");
    await s.admin.createWorkflow(chainWorkflowRequest("wf.rereg", "v1", 2));
    const same = await rejectsWith(
      s.admin.createWorkflow(chainWorkflowRequest("wf.rereg", "v1", 2)),
      Code.ALREADY_EXISTS,
      "workflow with identical structure already exists",
    );
    const identical = failureReason(same);
    assert.equal(identical.reason.case, "existsIdenticalStructure");
    assert.equal(identical.reason.value?.id?.name, "wf.rereg");
    assert.equal(identical.reason.value?.id?.resourceType, ResourceType.WORKFLOW);

    const other = await rejectsWith(
      s.admin.createWorkflow(chainWorkflowRequest("wf.rereg", "v1", 3)),
      Code.INVALID_ARGUMENT,
    );
    assert.ok(
      other.details.startsWith(
        "wf.rereg workflow with different structure already exists. (Please register a new version of the workflow):\n",
      ),
      other.details,
    );
    assert.match(other.details, /\n\/primary\/connections\/upstream\/n2:\n\t- <nil> \n\t\+ map\[ids:\[n1\]\]/);
    assert.match(other.details, /\n\/primary\/template\/nodes\/4:\n\t- <nil> \n\t\+ map\[/);
    assert.equal(failureReason(other).reason.case, "existsDifferentStructure");
    // The stored workflow is untouched.
    const stored = await s.admin.getWorkflow({ id: workflowId("wf.rereg", "v1") });
    assert.equal(stored.closure?.compiledWorkflow?.primary?.template?.nodes.length, 4);

    const res = await s.http("/api/v1/workflows", {
      method: "POST",
      headers: JSON_HEADERS,
      body: jsonBody(WorkflowCreateRequestSchema, chainWorkflowRequest("wf.rereg", "v1", 2)),
    });
    const body = await httpError(res, 409, Code.ALREADY_EXISTS, "workflow with identical structure already exists");
    assert.equal(
      (body.details[0] as { "@type": string })["@type"],
      "type.googleapis.com/flyteidl.admin.CreateWorkflowFailureReason",
    );
  });

  test("concurrent registrations of one id: one wins, its closure is the stored one", async () => {
    const s = srv();
    await registerTasks(s, "v1");
    const sizes = [2, 3, 2, 4, 3, 2];
    const results = await Promise.allSettled(
      sizes.map((n) => s.admin.createWorkflow(chainWorkflowRequest("wf.race", "v1", n))),
    );
    const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [sizes[i] as number] : []));
    assert.equal(winners.length, 1);
    const winner = winners[0] as number;
    results.forEach((r, i) => {
      if (r.status === "fulfilled") return;
      const e = r.reason as ServiceError;
      assert.equal(e.code, sizes[i] === winner ? Code.ALREADY_EXISTS : Code.INVALID_ARGUMENT, e.details);
    });
    const stored = await s.admin.getWorkflow({ id: workflowId("wf.race", "v1") });
    assert.equal(stored.closure?.compiledWorkflow?.primary?.template?.nodes.length, winner + 2);
    await rejectsWith(s.admin.createWorkflow(chainWorkflowRequest("wf.race", "v1", winner)), Code.ALREADY_EXISTS);
  });

  test("GetWorkflow validates its identifier; UNSPECIFIED means WORKFLOW", async () => {
    const s = srv();
    await registerTasks(s, "v1");
    await s.admin.createWorkflow(chainWorkflowRequest("wf.get", "v1", 1));
    const id = workflowId("wf.get", "v1");
    assert.equal(
      (await s.admin.getWorkflow({ id: { ...id, resourceType: ResourceType.UNSPECIFIED } })).id?.name,
      "wf.get",
    );
    await rejectsWith(s.admin.getWorkflow({}), Code.INVALID_ARGUMENT, "missing id");
    await rejectsWith(s.admin.getWorkflow({ id: { ...id, version: "" } }), Code.INVALID_ARGUMENT, "missing version");
    await rejectsWith(
      s.admin.getWorkflow({ id: { ...id, resourceType: ResourceType.TASK } }),
      Code.INVALID_ARGUMENT,
      /^unexpected resource type task for identifier \[.*\], expected workflow instead$/,
    );
    await rejectsWith(
      s.admin.getWorkflow({ id: workflowId("wf.get", "v2") }),
      Code.NOT_FOUND,
      /^missing entity of type WORKFLOW with identifier project:"flytesnacks" domain:"development" name:"wf.get" version:"v2" ?$/,
    );
    await httpError(
      await s.http(`/api/v1/workflows/${PROJECT}/${DOMAIN}/wf.get/v2`, { headers: { Accept: "application/json" } }),
      404,
      Code.NOT_FOUND,
    );
  });

  test("ListWorkflows: items carry only the interface and creation time; scope, filters, sort, pages", async () => {
    const s = srv();
    await registerTasks(s, "v1", "wflist");
    const mk = (name: string, version: string) => chainWorkflowRequest(name, version, 1, "v1", "wflist");
    for (const v of ["v1", "v2", "v3"]) await s.admin.createWorkflow(mk("wf.a", v));
    await s.admin.createWorkflow(mk("wf.b", "v1"));
    const all = await s.admin.listWorkflows({ id: { project: "wflist", domain: DOMAIN }, limit: 10 });
    assert.equal(all.workflows.length, 4);
    const item = all.workflows[0];
    const template = item?.closure?.compiledWorkflow?.primary?.template;
    assert.deepEqual(Object.keys(template?.interface?.inputs?.variables ?? {}), ["name"]);
    assert.equal(template?.nodes.length, 0, "no nodes in list items");
    assert.equal(item?.closure?.compiledWorkflow?.tasks.length, 0);
    assert.ok(item?.closure?.createdAt);
    const latest = await s.admin.listWorkflows({
      id: { project: "wflist", domain: DOMAIN, name: "wf.a" },
      limit: 1,
      sortBy: { key: "created_at" },
    });
    assert.equal(latest.workflows[0]?.id?.version, "v3");
    assert.equal(latest.token, "1");
    const filtered = await s.admin.listWorkflows({
      id: { project: "wflist", domain: DOMAIN },
      limit: 10,
      filters: "eq(version,v1)+contains(name,wf.)",
    });
    assert.deepEqual(
      filtered.workflows.map((w) => w.id?.name),
      ["wf.a", "wf.b"],
    );
    const page = await s.admin.listWorkflows({ id: { project: "wflist", domain: DOMAIN }, limit: 3, token: "3" });
    assert.equal(page.workflows.length, 1);
    assert.equal(page.token, "");
    await rejectsWith(s.admin.listWorkflows({ limit: 1 }), Code.INVALID_ARGUMENT, "missing id");
    await rejectsWith(
      s.admin.listWorkflows({ id: { project: "wflist" }, limit: 1 }),
      Code.INVALID_ARGUMENT,
      "missing domain",
    );
    await rejectsWith(
      s.admin.listWorkflows({ id: { project: "wflist", domain: DOMAIN } }),
      Code.INVALID_ARGUMENT,
      "invalid value for limit",
    );
    await rejectsWith(
      s.admin.listWorkflows({ id: { project: "wflist", domain: DOMAIN }, limit: 1, token: "x" }),
      Code.INVALID_ARGUMENT,
      "invalid pagination token x for ListWorkflows",
    );
    const { body } = await getJson<{ workflows: { id: { name: string } }[] }>(
      s,
      "/api/v1/workflows/wflist/development/wf.b?limit=5",
    );
    assert.deepEqual(
      body.workflows.map((w) => w.id.name),
      ["wf.b"],
    );
  });

  test("ListWorkflowIds: distinct names", async () => {
    const s = srv();
    await registerTasks(s, "v1", "wfids");
    for (const [n, v] of [
      ["wf.z", "v1"],
      ["wf.y", "v1"],
      ["wf.z", "v2"],
    ] as const) {
      await s.admin.createWorkflow(chainWorkflowRequest(n, v, 1, "v1", "wfids"));
    }
    const ids = await s.admin.listWorkflowIds({ project: "wfids", domain: DOMAIN, limit: 10 });
    assert.deepEqual(
      ids.entities.map((e) => e.name),
      ["wf.y", "wf.z"],
    );
    assert.equal(ids.token, "");
    await rejectsWith(
      s.admin.listWorkflowIds({ project: "wfids", domain: DOMAIN, limit: 1, token: "z" }),
      Code.INVALID_ARGUMENT,
      "invalid pagination token z for ListWorkflowIdentifiers",
    );
    await rejectsWith(
      s.admin.listWorkflowIds({ project: "wfids", domain: DOMAIN }),
      Code.INVALID_ARGUMENT,
      "invalid value for limit",
    );
    const { body } = await getJson<{ entities: { name: string }[]; token: string }>(
      s,
      "/api/v1/workflow_ids/wfids/development?limit=1",
    );
    assert.deepEqual(
      body.entities.map((e) => e.name),
      ["wf.y"],
    );
    assert.equal(body.token, "1");
  });

  test("a task version that is registered under another project is not found", async () => {
    const s = srv();
    await registerTasks(s, "v1");
    await ensureProjects(s, "elsewhere");
    const req = chainWorkflowRequest("wf.cross", "v1", 1, "v1", "elsewhere");
    const n0 = req.spec?.template?.nodes[0];
    if (n0?.target.case === "taskNode")
      n0.target.value.reference = { case: "referenceId", value: taskId(EXAMPLE_TASKS.sayHello, "v1", "elsewhere") };
    await rejectsWith(
      s.admin.createWorkflow(req),
      Code.INVALID_ARGUMENT,
      /missing entity of type TASK with identifier project:"elsewhere"/,
    );
  });
});

describeEachDatabase(
  "workflows with registration limits",
  (srv) => {
    test("maxWorkflowNodes and workflowSizeLimit from the config", async () => {
      const s = srv();
      await registerTasks(s, "v1");
      await s.admin.createWorkflow(chainWorkflowRequest("wf.small", "v1", 3));
      await rejectsWith(
        s.admin.createWorkflow(chainWorkflowRequest("wf.four", "v1", 4)),
        Code.INVALID_ARGUMENT,
        `number of nodes in workflow [${idText("wf.four", "v1")}] exceeds limit (4 > 3)`,
      );
    });

    test("a closure larger than workflowSizeLimit is refused, before the node count is checked", async () => {
      const s = srv();
      await registerTasks(s, "v1");
      // The example's closure embeds three task templates: about 4.3KB; a three-node chain about 3KB.
      await rejectsWith(
        s.admin.createWorkflow(exampleWorkflowRequest("wf.big", "v1")),
        Code.INVALID_ARGUMENT,
        "Workflow closure size exceeds max limit [4Ki]",
      );
    });
  },
  { registration: { maxWorkflowNodes: 3, workflowSizeLimit: "4Ki" } },
);
