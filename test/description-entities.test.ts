/** Description entities over gRPC and HTTP, on every database (entities.md §3.7). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code } from "../src/errors/codes.js";
import { DescriptionEntitySchema, DescriptionFormat } from "../src/proto/gen/flyteidl/admin/description_entity_pb.js";
import { ResourceType } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import { createTaskRequest, DOMAIN, taskId } from "./fixtures/tasks.js";
import { STRING } from "./fixtures/types.js";
import { chainWorkflowRequest, workflowId } from "./fixtures/workflows.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { ensureProjects, getJson } from "./support/registration.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

const IO = { inputs: { name: STRING }, outputs: { o0: STRING } };
const P = "descriptions";

/** Registers task `name` (with the fixture's description) at each version, and a workflow of the same name. */
async function register(s: TestServer, name: string, versions: string[]): Promise<void> {
  await ensureProjects(s, P);
  for (const v of versions) await s.admin.createTask(createTaskRequest(taskId(name, v, P), IO));
  // The chain workflow's node needs the example say_hello task.
  await s.admin
    .createTask(createTaskRequest(taskId("workflows.example.say_hello", "v1", P), IO))
    .catch(() => undefined);
  const wf = chainWorkflowRequest(name, "v1", 1, "v1", P);
  if (wf.spec) {
    wf.spec.description = create(DescriptionEntitySchema, {
      shortDescription: "the workflow",
      sourceCode: { link: "https://example.com/wf" },
    });
  }
  await s.admin.createWorkflow(wf);
}

describeEachDatabase("description entities", (srv) => {
  test("CreateTask and CreateWorkflow store the description; GetDescriptionEntity reads it back", async () => {
    const s = srv();
    await register(s, "d.get", ["v1"]);
    const d = await s.admin.getDescriptionEntity({ id: taskId("d.get", "v1", P) });
    assert.equal(d.id?.resourceType, ResourceType.TASK);
    assert.equal(d.shortDescription, "d.get task");
    assert.equal(d.longDescription?.content.case, "value");
    assert.equal(d.longDescription?.content.value, "Docstring of d.get.");
    assert.equal(d.longDescription?.format, DescriptionFormat.MARKDOWN);
    assert.equal(d.sourceCode?.link, "https://github.com/flyteorg/flytesnacks/blob/master/d/get.py");
    // The task row carries the short description too.
    assert.equal((await s.admin.getTask({ id: taskId("d.get", "v1", P) })).shortDescription, "d.get task");

    const wf = await s.admin.getDescriptionEntity({ id: workflowId("d.get", "v1", P) });
    // Rows are matched without the resource type (FlyteAdmin's query): the first row of that key answers.
    assert.equal(wf.id?.resourceType, ResourceType.TASK);
    const wfOnly = await s.admin
      .getDescriptionEntity({ id: workflowId("workflows.example.say_hello.wf", "v1", P) })
      .catch((e) => e);
    assert.equal(wfOnly.code, Code.NOT_FOUND);

    // UNSPECIFIED defaults to TASK.
    const unspecified = await s.admin.getDescriptionEntity({
      id: { ...taskId("d.get", "v1", P), resourceType: ResourceType.UNSPECIFIED },
    });
    assert.equal(unspecified.shortDescription, "d.get task");

    const { status, body } = await getJson<{ short_description: string; source_code: { link: string } }>(
      s,
      `/api/v1/description_entities/1/${P}/${DOMAIN}/d.get/v1`,
    );
    assert.equal(status, 200);
    assert.equal(body.short_description, "d.get task");
  });

  test("a task without a description has none; long description and source code are always present", async () => {
    const s = srv();
    await ensureProjects(s, P);
    const bare = createTaskRequest(taskId("d.bare", "v1", P), IO);
    if (bare.spec) bare.spec.description = undefined;
    await s.admin.createTask(bare);
    await rejectsWith(
      s.admin.getDescriptionEntity({ id: taskId("d.bare", "v1", P) }),
      Code.NOT_FOUND,
      "entry not found",
    );
    const short = createTaskRequest(taskId("d.short", "v1", P), IO);
    if (short.spec)
      short.spec.description = create(DescriptionEntitySchema, { shortDescription: "only this", tags: ["dropped"] });
    await s.admin.createTask(short);
    const d = await s.admin.getDescriptionEntity({ id: taskId("d.short", "v1", P) });
    assert.equal(d.shortDescription, "only this");
    assert.ok(d.longDescription, "an empty long description");
    assert.equal(d.longDescription.content.case, undefined);
    assert.equal(d.sourceCode?.link, "");
    assert.deepEqual(d.tags, [], "tags are not stored");
  });

  test("a rejected re-registration leaves the stored description alone", async () => {
    const s = srv();
    await ensureProjects(s, P);
    await s.admin.createTask(createTaskRequest(taskId("d.keep", "v1", P), IO));
    const again = createTaskRequest(taskId("d.keep", "v1", P), IO);
    if (again.spec?.description) again.spec.description.shortDescription = "changed";
    await rejectsWith(s.admin.createTask(again), Code.ALREADY_EXISTS);
    assert.equal(
      (await s.admin.getDescriptionEntity({ id: taskId("d.keep", "v1", P) })).shortDescription,
      "d.keep task",
    );
  });

  test("GetDescriptionEntity validations", async () => {
    const s = srv();
    await rejectsWith(s.admin.getDescriptionEntity({}), Code.INVALID_ARGUMENT, "invalid value for resource_type");
    await rejectsWith(
      s.admin.getDescriptionEntity({ id: { ...taskId("x", "v1", P), resourceType: 42 as ResourceType } }),
      Code.INVALID_ARGUMENT,
      "invalid value for resource_type",
    );
    await rejectsWith(
      s.admin.getDescriptionEntity({ id: { ...taskId("x", "v1", P), project: "" } }),
      Code.INVALID_ARGUMENT,
      "missing project",
    );
    await rejectsWith(
      s.admin.getDescriptionEntity({ id: { ...taskId("x", "v1", P), version: "" } }),
      Code.INVALID_ARGUMENT,
      "missing version",
    );
    await httpError(
      await s.http(`/api/v1/description_entities/1/${P}/${DOMAIN}/nothing/v1`, {
        headers: { Accept: "application/json" },
      }),
      404,
      Code.NOT_FOUND,
      "entry not found",
    );
  });

  test("ListDescriptionEntities: one name, every resource type, filters, sort and pages", async () => {
    const s = srv();
    await register(s, "d.list", ["v1", "v2", "v3"]);
    const id = { project: P, domain: DOMAIN, name: "d.list" };
    const all = await s.admin.listDescriptionEntities({ resourceType: ResourceType.TASK, id, limit: 10 });
    assert.deepEqual(
      all.descriptionEntities.map((d) => [d.id?.resourceType, d.id?.version]),
      [
        [ResourceType.TASK, "v1"],
        [ResourceType.TASK, "v2"],
        [ResourceType.TASK, "v3"],
        [ResourceType.WORKFLOW, "v1"],
      ],
      "the resource type does not filter",
    );
    const v1 = await s.admin.listDescriptionEntities({
      resourceType: ResourceType.WORKFLOW,
      id,
      limit: 10,
      filters: "eq(version,v1)",
    });
    assert.equal(v1.descriptionEntities.length, 2);
    const sorted = await s.admin.listDescriptionEntities({
      resourceType: ResourceType.TASK,
      id,
      limit: 2,
      sortBy: { key: "short_description", direction: 1 },
    });
    assert.deepEqual(
      sorted.descriptionEntities.map((d) => d.shortDescription),
      ["d.list task", "d.list task"],
    );
    assert.equal(sorted.token, "2");
    const last = await s.admin.listDescriptionEntities({ resourceType: ResourceType.TASK, id, limit: 3, token: "3" });
    assert.equal(last.descriptionEntities.length, 1);
    assert.equal(last.token, "");

    await rejectsWith(
      s.admin.listDescriptionEntities({ resourceType: ResourceType.TASK, limit: 1 }),
      Code.INVALID_ARGUMENT,
      "missing id",
    );
    await rejectsWith(
      s.admin.listDescriptionEntities({ resourceType: ResourceType.TASK, id: { ...id, name: "" }, limit: 1 }),
      Code.INVALID_ARGUMENT,
      "missing name",
    );
    await rejectsWith(
      s.admin.listDescriptionEntities({ resourceType: ResourceType.TASK, id }),
      Code.INVALID_ARGUMENT,
      "invalid value for limit",
    );
    await rejectsWith(
      s.admin.listDescriptionEntities({ resourceType: ResourceType.TASK, id, limit: 1, token: "bad" }),
      Code.INVALID_ARGUMENT,
      "invalid pagination token bad for ListWorkflows",
    );
    await rejectsWith(
      s.admin.listDescriptionEntities({
        resourceType: ResourceType.TASK,
        id,
        limit: 1,
        filters: "eq(type,python-task)",
      }),
      Code.INVALID_ARGUMENT,
      "'t.type' is invalid filter",
    );
    await rejectsWith(
      s.admin.listDescriptionEntities({ resourceType: ResourceType.TASK, id, limit: 1, filters: "eq(link,x)" }),
      Code.INVALID_ARGUMENT,
      "'t.link' is invalid filter",
    );
    await rejectsWith(
      s.admin.listDescriptionEntities({ resourceType: ResourceType.TASK, id, limit: 1, sortBy: { key: "type" } }),
      Code.INVALID_ARGUMENT,
      "invalid sort key 'type'",
    );
    // The list field is spelled descriptionEntities in the .proto itself, so that is its JSON name too.
    const { status, body } = await getJson<{ descriptionEntities: { id: { version: string } }[] }>(
      s,
      `/api/v1/description_entities/2/${P}/${DOMAIN}/d.list?limit=10&filters=eq(version%2Cv2)`,
    );
    assert.equal(status, 200);
    assert.deepEqual(
      body.descriptionEntities.map((d) => d.id.version),
      ["v2"],
    );
  });
});
