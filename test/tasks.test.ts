/** Tasks over gRPC and HTTP, on every database (entities.md §2). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { clone, create, fromBinary, type JsonObject } from "@bufbuild/protobuf";
import { Code } from "../src/errors/codes.js";
import { InactiveProjectSchema } from "../src/proto/gen/flyteidl/admin/project_pb.js";
import { TaskCreateRequestSchema } from "../src/proto/gen/flyteidl/admin/task_pb.js";
import { ResourceType } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import {
  K8sPodSchema,
  Resources_ResourceEntrySchema,
  Resources_ResourceName,
  RuntimeMetadata_RuntimeType,
} from "../src/proto/gen/flyteidl/core/tasks_pb.js";
import { createTaskRequest, DOMAIN, PROJECT, type PythonTaskOptions, taskId } from "./fixtures/tasks.js";
import { INTEGER, STRING } from "./fixtures/types.js";
import { httpError, rejectsWith, statusDetails } from "./support/assertions.js";
import { ensureProjects, getJson, JSON_HEADERS, jsonBody } from "./support/registration.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

const IO: PythonTaskOptions = { inputs: { name: STRING }, outputs: { o0: STRING } };

/** A task request with the given mutation applied. */
function mutated(name: string, mutate: (r: ReturnType<typeof createTaskRequest>) => void, o: PythonTaskOptions = IO) {
  const r = createTaskRequest(taskId(name, "v1"), o);
  mutate(r);
  return r;
}

function template(r: ReturnType<typeof createTaskRequest>) {
  const t = r.spec?.template;
  assert.ok(t);
  return t;
}

function container(r: ReturnType<typeof createTaskRequest>) {
  const t = r.spec?.template?.target;
  assert.ok(t?.case === "container");
  return t.value;
}

describeEachDatabase("tasks", (srv) => {
  test("CreateTask then GetTask returns the compiled template, the row's creation time and the short description", async () => {
    const s = srv();
    await ensureProjects(s, PROJECT);
    const id = taskId("workflows.example.say_hello", "v1");
    const before = Date.now();
    await s.admin.createTask(createTaskRequest(id, IO));
    const t = await s.admin.getTask({ id });
    assert.equal(t.id?.resourceType, ResourceType.TASK);
    assert.deepEqual([t.id?.project, t.id?.domain, t.id?.name, t.id?.version], [PROJECT, DOMAIN, id.name, "v1"]);
    const template = t.closure?.compiledTask?.template;
    assert.equal(template?.type, "python-task");
    assert.equal(template?.id?.name, id.name, "the template id is the request id");
    assert.equal(template?.metadata?.runtime?.type, RuntimeMetadata_RuntimeType.FLYTE_SDK);
    assert.deepEqual(Object.keys(template?.interface?.inputs?.variables ?? {}), ["name"]);
    const created = Number(t.closure?.createdAt?.seconds) * 1000;
    assert.ok(created >= before - 2000 && created <= Date.now() + 1000, "created_at is the registration time");
    assert.equal(t.shortDescription, "workflows.example.say_hello task");

    const { status, body } = await getJson<{
      id: { resource_type: string };
      closure: { compiled_task: { template: { container: { args: string[] } } } };
    }>(s, `/api/v1/tasks/${PROJECT}/${DOMAIN}/${id.name}/v1`);
    assert.equal(status, 200);
    assert.equal(body.id.resource_type, "TASK");
    assert.ok(body.closure.compiled_task.template.container.args.includes("pyflyte-execute"));
  });

  test("the template id is overwritten with the request id", async () => {
    const s = srv();
    await ensureProjects(s, PROJECT);
    const req = createTaskRequest(taskId("wf.overwritten", "v1"), IO);
    const template = req.spec?.template;
    assert.ok(template);
    template.id = taskId("something.else", "v9");
    await s.admin.createTask(req);
    const t = await s.admin.getTask({ id: taskId("wf.overwritten", "v1") });
    assert.equal(t.closure?.compiledTask?.template?.id?.name, "wf.overwritten");
    assert.equal(t.closure?.compiledTask?.template?.id?.version, "v1");
  });

  test("identifier and project validations, in FlyteAdmin's order and words", async () => {
    const s = srv();
    await ensureProjects(s, PROJECT);
    await s.admin.registerProject({ project: { id: "archived-tasks", name: "a", state: 1 } });
    const base = createTaskRequest(taskId("wf.t", "v1"), IO);
    const withId = (
      id: Partial<{ resourceType: ResourceType; project: string; domain: string; name: string; version: string }>,
    ) => {
      const r = clone(TaskCreateRequestSchema, base);
      Object.assign(r.id ?? {}, id);
      return r;
    };
    const noId = clone(TaskCreateRequestSchema, base);
    noId.id = undefined;
    await rejectsWith(s.admin.createTask(noId), Code.INVALID_ARGUMENT, "missing id");
    await rejectsWith(
      s.admin.createTask(withId({ resourceType: ResourceType.WORKFLOW })),
      Code.INVALID_ARGUMENT,
      /^unexpected resource type workflow for identifier \[resource_type:WORKFLOW project:"flytesnacks" domain:"development" name:"wf.t" version:"v1" ?\], expected task instead$/,
    );
    await rejectsWith(
      s.admin.createTask(withId({ resourceType: ResourceType.UNSPECIFIED })),
      Code.INVALID_ARGUMENT,
      /^unexpected resource type unspecified for identifier \[project:"flytesnacks".*\], expected task instead$/,
    );
    await rejectsWith(s.admin.createTask(withId({ project: "" })), Code.INVALID_ARGUMENT, "missing project");
    await rejectsWith(s.admin.createTask(withId({ domain: "" })), Code.INVALID_ARGUMENT, "missing domain");
    await rejectsWith(s.admin.createTask(withId({ name: "" })), Code.INVALID_ARGUMENT, "missing name");
    await rejectsWith(s.admin.createTask(withId({ version: "" })), Code.INVALID_ARGUMENT, "missing version");
    await rejectsWith(
      s.admin.createTask(withId({ project: "nope" })),
      Code.INVALID_ARGUMENT,
      "failed to validate that project [nope] and domain [development] are registered, err: [project [nope] not found]",
    );
    const inactive = await rejectsWith(
      s.admin.createTask(withId({ project: "archived-tasks" })),
      Code.INVALID_ARGUMENT,
      "project [archived-tasks] is not active",
    );
    const detail = statusDetails(inactive)?.details[0];
    assert.equal(detail?.typeUrl, "type.googleapis.com/flyteidl.admin.InactiveProject");
    assert.equal(fromBinary(InactiveProjectSchema, detail?.value ?? new Uint8Array()).id, "archived-tasks");
    await rejectsWith(
      s.admin.createTask(withId({ domain: "qa" })),
      Code.INVALID_ARGUMENT,
      "domain [qa] is unrecognized by system",
    );
    const noSpec = clone(TaskCreateRequestSchema, base);
    noSpec.spec = undefined;
    await rejectsWith(s.admin.createTask(noSpec), Code.INVALID_ARGUMENT, "missing spec");
    await rejectsWith(
      s.admin.createTask(
        mutated("wf.t", (r) => {
          if (r.spec) r.spec.template = undefined;
        }),
      ),
      Code.INVALID_ARGUMENT,
      "missing spec",
    );
  });

  test("template validations, in FlyteAdmin's order and words", async () => {
    const s = srv();
    await ensureProjects(s, PROJECT);
    const cases: [string, (r: ReturnType<typeof createTaskRequest>) => void, string][] = [
      [
        "type",
        (r) => {
          template(r).type = "";
        },
        "missing type",
      ],
      [
        "metadata",
        (r) => {
          template(r).metadata = undefined;
        },
        "missing metadata",
      ],
      [
        "runtime version",
        (r) => {
          const runtime = template(r).metadata?.runtime;
          if (runtime) runtime.version = "";
        },
        "missing runtime version",
      ],
      [
        "interface",
        (r) => {
          template(r).interface = undefined;
        },
        "missing typed interface",
      ],
      [
        "image",
        (r) => {
          container(r).image = "";
        },
        "missing image",
      ],
      [
        "type before metadata",
        (r) => {
          if (!r.spec?.template) return;
          r.spec.template.type = "";
          r.spec.template.metadata = undefined;
        },
        "missing type",
      ],
    ];
    for (const [what, mutate, message] of cases) {
      await rejectsWith(s.admin.createTask(mutated("wf.v", mutate)), Code.INVALID_ARGUMENT, message);
      assert.ok(what);
    }
    // A runtime-less template is fine.
    await s.admin.createTask(
      mutated("wf.no_runtime", (r) => {
        const metadata = template(r).metadata;
        if (metadata) metadata.runtime = undefined;
      }),
    );
  });

  test("resource requests and limits against each other and the platform limits (config: cpu 2, memory 1Gi, gpu 1)", async () => {
    const s = srv();
    await ensureProjects(s, PROJECT);
    const rejects = async (o: PythonTaskOptions, message: string | RegExp) =>
      rejectsWith(
        s.admin.createTask(createTaskRequest(taskId("wf.res", "v1"), { ...IO, ...o })),
        Code.INVALID_ARGUMENT,
        message,
      );
    const PLATFORM = "Please contact Flyte Admins to change these limits or consult the configuration";
    await rejects(
      { requests: { CPU: "2" }, limits: { CPU: "1" } },
      "Requested CPU default [2] is greater than the limit [1]. Please fix your configuration",
    );
    await rejects(
      { requests: { MEMORY: "1Gi" }, limits: { MEMORY: "1536Mi" } },
      `Requested MEMORY limit [1536Mi] is greater than current limit set in the platform configuration [1Gi]. ${PLATFORM}`,
    );
    await rejects(
      { requests: { CPU: "2500m" } },
      `Requested CPU default [2500m] is greater than current limit set in the platform configuration [2]. ${PLATFORM}`,
    );
    await rejects(
      { requests: { GPU: "1" }, limits: { GPU: "2" } },
      /^For extended resource 'gpu' the default value must equal the limit value for task \[resource_type:TASK project:"flytesnacks" domain:"development" name:"wf.res" version:"v1" ?\]$/,
    );
    await rejects(
      { requests: { GPU: "2" } },
      `Requested GPU default [2] is greater than current limit set in the platform configuration [1]. ${PLATFORM}`,
    );
    await rejects(
      { requests: { GPU: "500m" } },
      /^gpu for \[resource_type:TASK .*\] must be a whole number, got: 500m instead$/,
    );
    await rejects(
      { requests: { MEMORY: "lots" } },
      "Parsing of MEMORY request failed for value lots - reason  quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'. Please follow K8s conventions for resources https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
    );
    await rejects(
      { limits: { MEMORY: "1kk" } },
      /^Parsing of MEMORY request failed for value 1kk - reason {2}unable to parse quantity's suffix\./,
    );
    const dup = createTaskRequest(taskId("wf.res", "v1"), IO);
    container(dup).resources?.requests.push(
      create(Resources_ResourceEntrySchema, { name: Resources_ResourceName.CPU, value: "1" }),
      create(Resources_ResourceEntrySchema, { name: Resources_ResourceName.CPU, value: "1" }),
    );
    await rejectsWith(
      s.admin.createTask(dup),
      Code.INVALID_ARGUMENT,
      /^can't specify CPU limit for task \[resource_type:TASK .*name:"wf.res".*\] multiple times$/,
    );
    // Value() rounds up: 1500m CPU requested against a 1 CPU limit compares 2 > 1, but 500m against 1 compares equal.
    await rejects(
      { requests: { CPU: "1500m" }, limits: { CPU: "1" } },
      "Requested CPU default [1500m] is greater than the limit [1]. Please fix your configuration",
    );
    await s.admin.createTask(
      createTaskRequest(taskId("wf.res.ok", "v1"), {
        ...IO,
        requests: { CPU: "1", MEMORY: "500Mi", STORAGE: "100Gi" },
        limits: { CPU: "500m", MEMORY: "1Gi" },
      }),
    );
    await s.admin.createTask(
      createTaskRequest(taskId("wf.res.gpu", "v1"), { ...IO, requests: { GPU: "1" }, limits: { GPU: "1" } }),
    );
    // Ephemeral storage has no platform limit by default.
    await s.admin.createTask(
      createTaskRequest(taskId("wf.res.eph", "v1"), { ...IO, requests: { EPHEMERAL_STORAGE: "500Gi" } }),
    );
  });

  test("compile errors are INVALID_ARGUMENT 'task failed compilation with <errors>'", async () => {
    const s = srv();
    await ensureProjects(s, PROJECT);
    await rejectsWith(
      s.admin.createTask(mutated("wf.c", (r) => (container(r).args = []))),
      Code.INVALID_ARGUMENT,
      "task failed compilation with Collected Errors: 1\n\tError 0: Code: ValueRequired, Node Id: container, Description: Value required [command].\n",
    );
    // Storage is not validated but must still parse.
    await rejectsWith(
      s.admin.createTask(createTaskRequest(taskId("wf.c", "v1"), { ...IO, requests: { STORAGE: "lots" } })),
      Code.INVALID_ARGUMENT,
      "task failed compilation with Collected Errors: 1\n\tError 0: Code: UnrecognizedValue, Node Id: resources.STORAGE, Description: Unrecognized value [lots].\n",
    );
    // No inputs or outputs: no command needed.
    await s.admin.createTask(mutated("wf.c.noio", (r) => (container(r).args = []), {}));
  });

  test("pod tasks: a pod spec is required; container resources are checked, ephemeral-storage included", async () => {
    const s = srv();
    await ensureProjects(s, PROJECT);
    const pod = (podSpec: Record<string, unknown> | undefined) =>
      mutated("wf.pod", (r) => {
        if (!r.spec?.template) return;
        r.spec.template.type = "sidecar";
        r.spec.template.target = {
          case: "k8sPod",
          value: create(K8sPodSchema, { podSpec: podSpec as JsonObject | undefined }),
        };
      });
    await rejectsWith(
      s.admin.createTask(pod(undefined)),
      Code.INVALID_ARGUMENT,
      "invalid TaskSpecification, pod tasks should specify their target as a K8sPod with a defined pod spec",
    );
    await rejectsWith(
      s.admin.createTask(pod({ containers: [{ name: "primary", image: "x", resources: { requests: { cpu: "3" } } }] })),
      Code.INVALID_ARGUMENT,
      /^Requested CPU default \[3\] is greater than current limit set in the platform configuration \[2\]/,
    );
    await rejectsWith(
      s.admin.createTask(
        pod({
          containers: [
            {
              name: "primary",
              image: "x",
              resources: { requests: { "ephemeral-storage": "2Gi" }, limits: { "ephemeral-storage": "1Gi" } },
            },
          ],
        }),
      ),
      Code.INVALID_ARGUMENT,
      "Requested EPHEMERAL_STORAGE default [2Gi] is greater than the limit [1Gi]. Please fix your configuration",
    );
    await rejectsWith(
      s.admin.createTask(pod({ containers: [{ name: "Not_A_Label", image: "x" }] })),
      Code.INVALID_ARGUMENT,
      /^task failed compilation with Collected Errors: 1\n\tError 0: Code: InvalidValue, Node Id: root/,
    );
    await s.admin.createTask(
      pod({ containers: [{ name: "primary", image: "x", resources: { requests: { cpu: "1", memory: "1Gi" } } }] }),
    );
  });

  test("re-registration against a digest made another way (FlyteAdmin's, imported) compares the structures", async () => {
    const s = srv();
    await ensureProjects(s, PROJECT);
    const id = taskId("wf.imported", "v1");
    await s.admin.createTask(createTaskRequest(id, IO));
    const db = s.server.database;
    await db.kysely
      .updateTable("tasks")
      .set({ digest: db.codec.bytes(new Uint8Array(32).fill(7)) })
      .where("name", "=", "wf.imported")
      .execute();
    await rejectsWith(
      s.admin.createTask(createTaskRequest(id, IO)),
      Code.ALREADY_EXISTS,
      "task with identical structure already exists",
    );
    await rejectsWith(
      s.admin.createTask(createTaskRequest(id, { inputs: { name: INTEGER }, outputs: { o0: STRING } })),
      Code.INVALID_ARGUMENT,
      "wf.imported task with different structure already exists. (Please register a new version of the task):\n" +
        "/template/interface/inputs/variables/name/type/simple:\n\t- STRING \n\t+ INTEGER",
    );
  });

  test("re-registration: identical is ALREADY_EXISTS, different is INVALID_ARGUMENT listing the differing paths", async () => {
    const s = srv();
    await ensureProjects(s, PROJECT);
    const id = taskId("wf.rereg", "v1");
    await s.admin.createTask(createTaskRequest(id, IO));
    await rejectsWith(
      s.admin.createTask(createTaskRequest(id, IO)),
      Code.ALREADY_EXISTS,
      "task with identical structure already exists",
    );
    // The description is not part of the structure.
    const otherDescription = createTaskRequest(id, IO);
    if (otherDescription.spec?.description) otherDescription.spec.description.shortDescription = "changed";
    await rejectsWith(
      s.admin.createTask(otherDescription),
      Code.ALREADY_EXISTS,
      "task with identical structure already exists",
    );
    await rejectsWith(
      s.admin.createTask(createTaskRequest(id, { inputs: { name: INTEGER }, outputs: { o0: STRING } })),
      Code.INVALID_ARGUMENT,
      "wf.rereg task with different structure already exists. (Please register a new version of the task):\n/template/interface/inputs/variables/name/type/simple:\n\t- STRING \n\t+ INTEGER",
    );
    const err = await rejectsWith(
      s.admin.createTask(createTaskRequest(id, { ...IO, requests: { CPU: "1" }, retries: 3 })),
      Code.INVALID_ARGUMENT,
    );
    assert.match(
      err.details,
      /^wf\.rereg task with different structure already exists\. \(Please register a new version of the task\):\n/,
    );
    assert.match(err.details, /\/template\/metadata\/retries\/retries:\n\t- <nil> \n\t\+ 3/);
    assert.match(
      err.details,
      /\/template\/container\/resources\/requests:\n\t- <nil> \n\t\+ \[map\[name:CPU value:1\]\]/,
    );
    assert.equal((await s.admin.getTask({ id })).closure?.compiledTask?.template?.metadata?.retries?.retries, 0);
  });

  test("concurrent identical registrations: one succeeds, the others are ALREADY_EXISTS", async () => {
    const s = srv();
    await ensureProjects(s, PROJECT);
    const id = taskId("wf.concurrent", "v1");
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => s.admin.createTask(createTaskRequest(id, IO))),
    );
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
    for (const r of results.filter((x) => x.status === "rejected")) {
      const e = (r as PromiseRejectedResult).reason as { code: number; details: string };
      assert.equal(e.code, Code.ALREADY_EXISTS);
      assert.equal(e.details, "task with identical structure already exists");
    }
  });

  test("GetTask: every key field is required; a missing task is NOT_FOUND with its identifier", async () => {
    const s = srv();
    await ensureProjects(s, PROJECT);
    await s.admin.createTask(createTaskRequest(taskId("wf.get", "v1"), IO));
    await rejectsWith(s.admin.getTask({}), Code.INVALID_ARGUMENT, "missing id");
    await rejectsWith(
      s.admin.getTask({ id: { ...taskId("wf.get", "v1"), version: "" } }),
      Code.INVALID_ARGUMENT,
      "missing version",
    );
    await rejectsWith(
      s.admin.getTask({ id: { ...taskId("wf.get", "v1"), name: "" } }),
      Code.INVALID_ARGUMENT,
      "missing name",
    );
    await rejectsWith(
      s.admin.getTask({ id: taskId("wf.get", "v2") }),
      Code.NOT_FOUND,
      /^missing entity of type TASK with identifier project:"flytesnacks" domain:"development" name:"wf.get" version:"v2" ?$/,
    );
    // The resource type is not checked (FlyteAdmin only logs it).
    const t = await s.admin.getTask({ id: { ...taskId("wf.get", "v1"), resourceType: ResourceType.WORKFLOW } });
    assert.equal(t.id?.resourceType, ResourceType.TASK);
    await httpError(
      await s.http(`/api/v1/tasks/${PROJECT}/${DOMAIN}/wf.get/v2`, { headers: { Accept: "application/json" } }),
      404,
      Code.NOT_FOUND,
      /^missing entity of type TASK/,
    );
  });

  test("ListTasks: scope, filters, sort, limit and offset tokens", async () => {
    const s = srv();
    await ensureProjects(s, "listing");
    const id = (name: string, version: string) => taskId(name, version, "listing");
    for (const v of ["v1", "v2", "v3"]) await s.admin.createTask(createTaskRequest(id("wf.a", v), IO));
    await s.admin.createTask(createTaskRequest(id("wf.b", "v1"), { ...IO, type: "sidecar" }));
    const all = await s.admin.listTasks({ id: { project: "listing", domain: DOMAIN }, limit: 10 });
    assert.equal(all.tasks.length, 4);
    assert.equal(all.token, "");
    const byName = await s.admin.listTasks({ id: { project: "listing", domain: DOMAIN, name: "wf.a" }, limit: 10 });
    assert.deepEqual(
      byName.tasks.map((t) => t.id?.version),
      ["v1", "v2", "v3"],
    );
    assert.ok(
      byName.tasks.every((t) => t.closure?.compiledTask?.template),
      "items carry the full closure",
    );
    const latest = await s.admin.listTasks({
      id: { project: "listing", domain: DOMAIN, name: "wf.a" },
      limit: 1,
      sortBy: { key: "created_at", direction: 0 },
    });
    assert.equal(latest.tasks[0]?.id?.version, "v3", "flytekit's latest-version lookup");
    assert.equal(latest.token, "1");
    const page2 = await s.admin.listTasks({
      id: { project: "listing", domain: DOMAIN, name: "wf.a" },
      limit: 2,
      token: "2",
      sortBy: { key: "version", direction: 1 },
    });
    assert.deepEqual(
      page2.tasks.map((t) => t.id?.version),
      ["v3"],
    );
    assert.equal(page2.token, "");
    const typed = await s.admin.listTasks({
      id: { project: "listing", domain: DOMAIN },
      limit: 10,
      filters: "value_in(type,sidecar;spark)",
    });
    assert.deepEqual(
      typed.tasks.map((t) => t.id?.name),
      ["wf.b"],
    );
    const otherDomain = await s.admin.listTasks({ id: { project: "listing", domain: "staging" }, limit: 10 });
    assert.equal(otherDomain.tasks.length, 0);

    await rejectsWith(s.admin.listTasks({ limit: 1 }), Code.INVALID_ARGUMENT, "missing id");
    await rejectsWith(
      s.admin.listTasks({ id: { domain: DOMAIN }, limit: 1 }),
      Code.INVALID_ARGUMENT,
      "missing project",
    );
    await rejectsWith(
      s.admin.listTasks({ id: { project: "listing" }, limit: 1 }),
      Code.INVALID_ARGUMENT,
      "missing domain",
    );
    await rejectsWith(
      s.admin.listTasks({ id: { project: "listing", domain: DOMAIN } }),
      Code.INVALID_ARGUMENT,
      "invalid value for limit",
    );
    await rejectsWith(
      s.admin.listTasks({ id: { project: "listing", domain: DOMAIN }, limit: 1, token: "abc" }),
      Code.INVALID_ARGUMENT,
      "invalid pagination token abc for ListTasks",
    );
    await rejectsWith(
      s.admin.listTasks({ id: { project: "listing", domain: DOMAIN }, limit: 1, sortBy: { key: "nope" } }),
      Code.INVALID_ARGUMENT,
      "invalid sort key 'nope'",
    );
    await rejectsWith(
      s.admin.listTasks({ id: { project: "listing", domain: DOMAIN }, limit: 1, filters: "eq(workflow.name,x)" }),
      Code.INVALID_ARGUMENT,
      "'w' entity is not allowed in filters",
    );

    const { status, body } = await getJson<{ tasks: { id: { version: string } }[]; token: string }>(
      s,
      "/api/v1/tasks/listing/development/wf.a?limit=2&sort_by.key=version&sort_by.direction=ASCENDING",
    );
    assert.equal(status, 200);
    assert.deepEqual(
      body.tasks.map((t) => t.id.version),
      ["v1", "v2"],
    );
    assert.equal(body.token, "2");
    const filtered = await getJson<{ tasks: unknown[] }>(
      s,
      "/api/v1/tasks/listing/development?limit=5&filters=eq(type%2Csidecar)",
    );
    assert.equal(filtered.body.tasks.length, 1);
  });

  test("ListTaskIds: distinct names, paged; filters ignored", async () => {
    const s = srv();
    await ensureProjects(s, "ids");
    for (const [n, v] of [
      ["b", "v1"],
      ["a", "v1"],
      ["a", "v2"],
      ["c", "v1"],
    ] as const) {
      await s.admin.createTask(createTaskRequest(taskId(`wf.${n}`, v, "ids"), IO));
    }
    const page1 = await s.admin.listTaskIds({ project: "ids", domain: DOMAIN, limit: 2, filters: "eq(name,wf.c)" });
    assert.deepEqual(
      page1.entities.map((e) => [e.project, e.domain, e.name]),
      [
        ["ids", DOMAIN, "wf.a"],
        ["ids", DOMAIN, "wf.b"],
      ],
    );
    assert.equal(page1.token, "2");
    const page2 = await s.admin.listTaskIds({ project: "ids", domain: DOMAIN, limit: 2, token: page1.token });
    assert.deepEqual(
      page2.entities.map((e) => e.name),
      ["wf.c"],
    );
    assert.equal(page2.token, "");
    const desc = await s.admin.listTaskIds({ project: "ids", domain: DOMAIN, limit: 5, sortBy: { key: "name" } });
    assert.deepEqual(
      desc.entities.map((e) => e.name),
      ["wf.c", "wf.b", "wf.a"],
    );
    await rejectsWith(s.admin.listTaskIds({ domain: DOMAIN, limit: 1 }), Code.INVALID_ARGUMENT, "missing project");
    await rejectsWith(s.admin.listTaskIds({ project: "ids", limit: 1 }), Code.INVALID_ARGUMENT, "missing domain");
    await rejectsWith(
      s.admin.listTaskIds({ project: "ids", domain: DOMAIN }),
      Code.INVALID_ARGUMENT,
      "invalid value for limit",
    );
    await rejectsWith(
      s.admin.listTaskIds({ project: "ids", domain: DOMAIN, limit: 1, token: "-1" }),
      Code.INVALID_ARGUMENT,
      "invalid pagination token -1 for ListUniqueTaskIdentifiers",
    );
    await rejectsWith(
      s.admin.listTaskIds({ project: "ids", domain: DOMAIN, limit: 1, sortBy: { key: "created_at" } }),
      Code.INVALID_ARGUMENT,
      "invalid sort key 'created_at'",
    );
    const { body } = await getJson<{ entities: { name: string }[] }>(s, "/api/v1/task_ids/ids/development?limit=10");
    assert.deepEqual(
      body.entities.map((e) => e.name),
      ["wf.a", "wf.b", "wf.c"],
    );
  });

  test("a TASK_RESOURCE matchable attribute replaces the config limits entirely", async () => {
    const s = srv();
    await ensureProjects(s, "attrs");
    const req = (name: string, o: PythonTaskOptions, domain = DOMAIN) =>
      createTaskRequest(taskId(name, "v1", "attrs", domain), { ...IO, ...o });
    await s.admin.updateProjectDomainAttributes({
      attributes: {
        project: "attrs",
        domain: DOMAIN,
        matchingAttributes: {
          target: { case: "taskResourceAttributes", value: { defaults: { cpu: "1" }, limits: { cpu: "8" } } },
        },
      },
    });
    // CPU 5 is above the config's 2 but within the attribute's 8; memory has no limit in the attribute.
    await s.admin.createTask(req("wf.attr.ok", { requests: { CPU: "5", MEMORY: "64Gi" } }));
    await rejectsWith(
      s.admin.createTask(req("wf.attr.cpu", { requests: { CPU: "9" } })),
      Code.INVALID_ARGUMENT,
      /^Requested CPU default \[9\] is greater than current limit set in the platform configuration \[8\]/,
    );
    // Another domain of the project has no attribute: the config limits apply.
    await rejectsWith(
      s.admin.createTask(req("wf.attr.staging", { requests: { CPU: "5" } }, "staging")),
      Code.INVALID_ARGUMENT,
      /platform configuration \[2\]/,
    );
    // A project-level attribute without limits means no limits at all for the project's other domains.
    await s.admin.updateProjectAttributes({
      attributes: {
        project: "attrs",
        matchingAttributes: { target: { case: "taskResourceAttributes", value: { defaults: { cpu: "1" } } } },
      },
    });
    await s.admin.createTask(req("wf.attr.unlimited", { requests: { CPU: "100", GPU: "4" } }, "staging"));
  });

  test("CreateTask over HTTP with a JSON body; errors as grpc-gateway bodies", async () => {
    const s = srv();
    await ensureProjects(s, PROJECT);
    const req = createTaskRequest(taskId("wf.http", "v1"), IO);
    let res = await s.http("/api/v1/tasks", {
      method: "POST",
      headers: JSON_HEADERS,
      body: jsonBody(TaskCreateRequestSchema, req),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});
    res = await s.http("/api/v1/tasks", {
      method: "POST",
      headers: JSON_HEADERS,
      body: jsonBody(TaskCreateRequestSchema, req),
    });
    await httpError(res, 409, Code.ALREADY_EXISTS, "task with identical structure already exists");
    const bad = clone(TaskCreateRequestSchema, req);
    if (bad.spec?.template) bad.spec.template.type = "";
    res = await s.http("/api/v1/tasks", {
      method: "POST",
      headers: JSON_HEADERS,
      body: jsonBody(TaskCreateRequestSchema, bad),
    });
    await httpError(res, 400, Code.INVALID_ARGUMENT, "missing type");
  });
});

describeEachDatabase(
  "tasks with configured limits and a type whitelist",
  (srv: () => TestServer) => {
    test("task_resources.limits from the config are the platform limits", async () => {
      const s = srv();
      await ensureProjects(s, PROJECT, "other");
      await rejectsWith(
        s.admin.createTask(createTaskRequest(taskId("wf.cfg", "v1"), { ...IO, requests: { CPU: "5" } })),
        Code.INVALID_ARGUMENT,
        /^Requested CPU default \[5\] is greater than current limit set in the platform configuration \[4\]/,
      );
      await rejectsWith(
        s.admin.createTask(
          createTaskRequest(taskId("wf.cfg", "v1"), { ...IO, requests: { EPHEMERAL_STORAGE: "2Gi" } }),
        ),
        Code.INVALID_ARGUMENT,
        /^Requested EPHEMERAL_STORAGE default \[2Gi\] is greater than current limit set in the platform configuration \[1Gi\]/,
      );
      // No memory limit configured: any amount is fine.
      await s.admin.createTask(
        createTaskRequest(taskId("wf.cfg", "v1"), { ...IO, requests: { CPU: "4", MEMORY: "64Gi" } }),
      );
    });

    test("task_type_whitelist: listed types only in their scopes", async () => {
      const s = srv();
      await ensureProjects(s, PROJECT, "other");
      const req = (type: string, project: string, domain = DOMAIN) =>
        createTaskRequest(taskId(`wf.wl.${type}`, `${project}-${domain}`, project, domain), { ...IO, type });
      await s.admin.createTask(req("spark", PROJECT));
      await s.admin.createTask(req("spark", PROJECT, "production"));
      await rejectsWith(
        s.admin.createTask(req("spark", "other")),
        Code.INVALID_ARGUMENT,
        "task type must be whitelisted before use",
      );
      await s.admin.createTask(req("ray", "other", "staging"));
      await rejectsWith(
        s.admin.createTask(req("ray", "other")),
        Code.INVALID_ARGUMENT,
        "task type must be whitelisted before use",
      );
      await s.admin.createTask(req("sagemaker", "other"));
      await s.admin.createTask(req("python-task", "other"));
    });
  },
  {
    task_resources: { limits: { cpu: "4", ephemeralStorage: "1Gi" } },
    task_type_whitelist: {
      spark: [{ project: PROJECT }],
      ray: [{ project: "other", domain: "staging" }],
      sagemaker: [{ project: "" }],
      empty: [],
    },
  },
);
