/** Named entities over gRPC and HTTP, on every database (entities.md §3.4). */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ServiceError } from "@grpc/grpc-js";
import { Code } from "../src/errors/codes.js";
import { NamedEntityState } from "../src/proto/gen/flyteidl/admin/common_pb.js";
import { ResourceType } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import { launchPlanRequest } from "./fixtures/launch-plans.js";
import { createTaskRequest, DOMAIN, taskId } from "./fixtures/tasks.js";
import { STRING } from "./fixtures/types.js";
import { chainWorkflowRequest, exampleTaskRequests, launchPlanId, workflowId } from "./fixtures/workflows.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { ensureProjects, getJson, JSON_HEADERS } from "./support/registration.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

const { TASK, WORKFLOW, LAUNCH_PLAN, DATASET } = ResourceType;
const ARCHIVED = NamedEntityState.NAMED_ENTITY_ARCHIVED;

/** Registers the example tasks and one-node workflows with the given names in `project`. */
async function registerWorkflows(s: TestServer, project: string, names: string[]): Promise<void> {
  await ensureProjects(s, project);
  for (const t of exampleTaskRequests("v1", project)) {
    await s.admin.createTask(t).catch((e: ServiceError) => {
      if (e.code !== Code.ALREADY_EXISTS) throw e;
    });
  }
  for (const name of names) await s.admin.createWorkflow(chainWorkflowRequest(name, "v1", 1, "v1", project));
}

describeEachDatabase("named entities", (srv) => {
  test("GetNamedEntity: a registered name without metadata is ACTIVE with no description", async () => {
    const s = srv();
    await registerWorkflows(s, "ne-get", ["wf.one"]);
    await s.admin.createLaunchPlan(
      launchPlanRequest(launchPlanId("wf.one", "v1", "ne-get"), workflowId("wf.one", "v1", "ne-get"), {
        inputs: { name: STRING },
      }),
    );
    const id = { project: "ne-get", domain: DOMAIN, name: "wf.one" };
    for (const rt of [WORKFLOW, LAUNCH_PLAN]) {
      const ne = await s.admin.getNamedEntity({ resourceType: rt, id });
      assert.equal(ne.resourceType, rt);
      assert.deepEqual([ne.id?.project, ne.id?.domain, ne.id?.name], ["ne-get", DOMAIN, "wf.one"]);
      assert.equal(ne.metadata?.description, "");
      assert.equal(ne.metadata?.state, NamedEntityState.NAMED_ENTITY_ACTIVE);
    }
    const task = await s.admin.getNamedEntity({
      resourceType: TASK,
      id: { project: "ne-get", domain: DOMAIN, name: "workflows.example.say_hello" },
    });
    assert.equal(task.id?.name, "workflows.example.say_hello");
    await rejectsWith(s.admin.getNamedEntity({ resourceType: TASK, id }), Code.NOT_FOUND, "entry not found");
    await rejectsWith(
      s.admin.getNamedEntity({ resourceType: 0, id }),
      Code.INVALID_ARGUMENT,
      "invalid value for resource_type",
    );
    await rejectsWith(
      s.admin.getNamedEntity({ resourceType: 42 as ResourceType, id }),
      Code.INVALID_ARGUMENT,
      "invalid value for resource_type",
    );
    await rejectsWith(s.admin.getNamedEntity({ resourceType: WORKFLOW }), Code.INVALID_ARGUMENT, "missing id");
    await rejectsWith(
      s.admin.getNamedEntity({ resourceType: WORKFLOW, id: { ...id, project: "" } }),
      Code.INVALID_ARGUMENT,
      "missing project",
    );
    await rejectsWith(
      s.admin.getNamedEntity({ resourceType: WORKFLOW, id: { ...id, domain: "" } }),
      Code.INVALID_ARGUMENT,
      "missing domain",
    );
    await rejectsWith(
      s.admin.getNamedEntity({ resourceType: WORKFLOW, id: { ...id, name: "" } }),
      Code.INVALID_ARGUMENT,
      "missing name",
    );
    await rejectsWith(
      s.admin.getNamedEntity({ resourceType: DATASET, id }),
      Code.INVALID_ARGUMENT,
      "Cannot get NamedEntityMetadata for resource type: DATASET",
    );
    // The console sends the resource type as a number in the path.
    const { status, body } = await getJson<{ resource_type: string; metadata: { state: string } }>(
      s,
      `/api/v1/named_entities/2/ne-get/${DOMAIN}/wf.one`,
    );
    assert.equal(status, 200);
    assert.equal(body.resource_type, "WORKFLOW");
    assert.equal(body.metadata.state, "NAMED_ENTITY_ACTIVE");
    await httpError(
      await s.http(`/api/v1/named_entities/1/ne-get/${DOMAIN}/wf.one`, { headers: { Accept: "application/json" } }),
      404,
      Code.NOT_FOUND,
      "entry not found",
    );
  });

  test("UpdateNamedEntity upserts: state always, description only when given; launch plans can be archived", async () => {
    const s = srv();
    await registerWorkflows(s, "ne-upd", ["wf.upd"]);
    await s.admin.createLaunchPlan(
      launchPlanRequest(launchPlanId("wf.upd", "v1", "ne-upd"), workflowId("wf.upd", "v1", "ne-upd"), {
        inputs: { name: STRING },
      }),
    );
    const id = { project: "ne-upd", domain: DOMAIN, name: "wf.upd" };
    await s.admin.updateNamedEntity({
      resourceType: WORKFLOW,
      id,
      metadata: { description: "first", state: ARCHIVED },
    });
    let ne = await s.admin.getNamedEntity({ resourceType: WORKFLOW, id });
    assert.equal(ne.metadata?.description, "first");
    assert.equal(ne.metadata?.state, ARCHIVED);
    await s.admin.updateNamedEntity({ resourceType: WORKFLOW, id, metadata: {} });
    ne = await s.admin.getNamedEntity({ resourceType: WORKFLOW, id });
    assert.equal(ne.metadata?.description, "first", "an empty description leaves the stored one");
    assert.equal(ne.metadata?.state, NamedEntityState.NAMED_ENTITY_ACTIVE, "the state is always written");
    await s.admin.updateNamedEntity({ resourceType: WORKFLOW, id, metadata: { description: "second" } });
    assert.equal((await s.admin.getNamedEntity({ resourceType: WORKFLOW, id })).metadata?.description, "second");
    // Metadata is per resource type.
    assert.equal((await s.admin.getNamedEntity({ resourceType: LAUNCH_PLAN, id })).metadata?.description, "");
    await s.admin.updateNamedEntity({ resourceType: LAUNCH_PLAN, id, metadata: { state: ARCHIVED } });
    assert.equal((await s.admin.getNamedEntity({ resourceType: LAUNCH_PLAN, id })).metadata?.state, ARCHIVED);

    await rejectsWith(
      s.admin.updateNamedEntity({ resourceType: WORKFLOW, id }),
      Code.INVALID_ARGUMENT,
      "missing metadata",
    );
    await rejectsWith(
      s.admin.updateNamedEntity({ resourceType: 0, id, metadata: {} }),
      Code.INVALID_ARGUMENT,
      "invalid value for resource_type",
    );
    await rejectsWith(
      s.admin.updateNamedEntity({ resourceType: DATASET, id, metadata: { state: ARCHIVED } }),
      Code.INVALID_ARGUMENT,
      "Resource [DATASET] cannot have its state updated",
    );
    await rejectsWith(
      s.admin.updateNamedEntity({ resourceType: DATASET, id, metadata: {} }),
      Code.INVALID_ARGUMENT,
      "Cannot get NamedEntityMetadata for resource type: DATASET",
    );
    await rejectsWith(
      s.admin.updateNamedEntity({ resourceType: TASK, id, metadata: { description: "x" } }),
      Code.NOT_FOUND,
      "entry not found",
    );
    await rejectsWith(
      s.admin.updateNamedEntity({ resourceType: WORKFLOW, id, metadata: { description: "d".repeat(301) } }),
      Code.INVALID_ARGUMENT,
      "description cannot exceed 300 characters",
    );
    const res = await s.http(`/api/v1/named_entities/2/ne-upd/${DOMAIN}/wf.upd`, {
      method: "PUT",
      headers: JSON_HEADERS,
      body: JSON.stringify({ metadata: { description: "from http", state: "NAMED_ENTITY_ARCHIVED" } }),
    });
    assert.equal(res.status, 200);
    ne = await s.admin.getNamedEntity({ resourceType: WORKFLOW, id });
    assert.deepEqual([ne.metadata?.description, ne.metadata?.state], ["from http", ARCHIVED]);
  });

  test("ListNamedEntities filters before paging; hides .flytegen names unless filtered", async () => {
    const s = srv();
    const names = ["wf.a", "wf.b", "wf.c", "wf.d", "wf.e", ".flytegen.workflows.example.say_hello"];
    await registerWorkflows(s, "ne-list", names);
    for (const name of ["wf.a", "wf.b", "wf.c"]) {
      await s.admin.updateNamedEntity({
        resourceType: WORKFLOW,
        id: { project: "ne-list", domain: DOMAIN, name },
        metadata: { state: ARCHIVED, description: `${name} archived` },
      });
    }
    const scope = { resourceType: WORKFLOW, project: "ne-list", domain: DOMAIN };
    const all = await s.admin.listNamedEntities({ ...scope, limit: 10 });
    assert.deepEqual(
      all.entities.map((e) => e.id?.name),
      ["wf.a", "wf.b", "wf.c", "wf.d", "wf.e"],
    );
    assert.equal(all.entities[0]?.metadata?.description, "wf.a archived");
    assert.equal(all.entities[0]?.resourceType, WORKFLOW);
    assert.equal(all.token, "");

    // Active only: the archived names at the start of the list do not eat the page.
    const active = await s.admin.listNamedEntities({ ...scope, limit: 2, filters: "eq(state,0)" });
    assert.deepEqual(
      active.entities.map((e) => e.id?.name),
      [".flytegen.workflows.example.say_hello", "wf.d"],
    );
    assert.equal(active.token, "2");
    const active2 = await s.admin.listNamedEntities({ ...scope, limit: 2, filters: "eq(state,0)", token: "2" });
    assert.deepEqual(
      active2.entities.map((e) => e.id?.name),
      ["wf.e"],
    );
    assert.equal(active2.token, "");
    const archived = await s.admin.listNamedEntities({ ...scope, limit: 10, filters: "eq(state,1)" });
    assert.deepEqual(
      archived.entities.map((e) => e.id?.name),
      ["wf.a", "wf.b", "wf.c"],
    );
    const combined = await s.admin.listNamedEntities({
      ...scope,
      limit: 10,
      filters: "eq(state,0)+not_like(name,.flytegen%)",
    });
    assert.deepEqual(
      combined.entities.map((e) => e.id?.name),
      ["wf.d", "wf.e"],
    );
    const byDescription = await s.admin.listNamedEntities({
      ...scope,
      limit: 10,
      filters: "contains(description,b arch)",
    });
    assert.deepEqual(
      byDescription.entities.map((e) => e.id?.name),
      ["wf.b"],
    );

    const desc = await s.admin.listNamedEntities({ ...scope, limit: 2, sortBy: { key: "name" } });
    assert.deepEqual(
      desc.entities.map((e) => e.id?.name),
      ["wf.e", "wf.d"],
    );
    const byState = await s.admin.listNamedEntities({ ...scope, limit: 10, sortBy: { key: "state", direction: 0 } });
    assert.deepEqual(
      byState.entities.map((e) => e.id?.name),
      ["wf.a", "wf.b", "wf.c", "wf.d", "wf.e"],
    );

    // Tasks have names too (the example tasks).
    const tasks = await s.admin.listNamedEntities({ ...scope, resourceType: TASK, limit: 10 });
    assert.equal(tasks.entities.length, 3);

    await rejectsWith(
      s.admin.listNamedEntities({ ...scope, project: "", limit: 1 }),
      Code.INVALID_ARGUMENT,
      "missing project",
    );
    await rejectsWith(
      s.admin.listNamedEntities({ ...scope, domain: "", limit: 1 }),
      Code.INVALID_ARGUMENT,
      "missing domain",
    );
    await rejectsWith(
      s.admin.listNamedEntities({ ...scope, resourceType: 0, limit: 1 }),
      Code.INVALID_ARGUMENT,
      "invalid value for resource_type",
    );
    await rejectsWith(s.admin.listNamedEntities(scope), Code.INVALID_ARGUMENT, "invalid value for limit");
    await rejectsWith(
      s.admin.listNamedEntities({ ...scope, resourceType: DATASET, limit: 1 }),
      Code.INVALID_ARGUMENT,
      "Cannot list entity names for resource type: DATASET",
    );
    await rejectsWith(
      s.admin.listNamedEntities({ ...scope, limit: 1, token: "q" }),
      Code.INVALID_ARGUMENT,
      "invalid pagination token q for ListNamedEntities",
    );
    await rejectsWith(
      s.admin.listNamedEntities({ ...scope, limit: 1, sortBy: { key: "version" } }),
      Code.INVALID_ARGUMENT,
      "invalid sort key 'version'",
    );
    await rejectsWith(
      s.admin.listNamedEntities({ ...scope, limit: 1, filters: "eq(version,v1)" }),
      Code.INVALID_ARGUMENT,
      "'nen.version' is invalid filter",
    );

    const { body } = await getJson<{
      entities: { id: { name: string }; metadata: { state: string } }[];
      token: string;
    }>(
      s,
      `/api/v1/named_entities/2/ne-list/${DOMAIN}?limit=10&filters=eq(state%2C1)&sort_by.key=name&sort_by.direction=ASCENDING`,
    );
    assert.deepEqual(
      body.entities.map((e) => e.id.name),
      ["wf.a", "wf.b", "wf.c"],
    );
    assert.equal(body.entities[0]?.metadata.state, "NAMED_ENTITY_ARCHIVED");
  });

  test("archived task names are still listed by default", async () => {
    const s = srv();
    await ensureProjects(s, "ne-tasks");
    await s.admin.createTask(
      createTaskRequest(taskId("t.keep", "v1", "ne-tasks"), { inputs: { a: STRING }, outputs: {} }),
    );
    await s.admin.updateNamedEntity({
      resourceType: TASK,
      id: { project: "ne-tasks", domain: DOMAIN, name: "t.keep" },
      metadata: { state: ARCHIVED },
    });
    const list = await s.admin.listNamedEntities({ resourceType: TASK, project: "ne-tasks", domain: DOMAIN, limit: 5 });
    assert.deepEqual(
      list.entities.map((e) => [e.id?.name, e.metadata?.state]),
      [["t.keep", ARCHIVED]],
    );
  });
});
