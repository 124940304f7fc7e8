/**
 * Matchable attributes (entities.md §3.6) over gRPC and HTTP, on every
 * database: validations and messages, most-specific fallback, delete
 * semantics, PLUGIN_OVERRIDE merging, WORKFLOW_EXECUTION_CONFIG defaults,
 * ListMatchableAttributes, and the resolver other managers use.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { loadConfig } from "../src/config/load.js";
import { Code } from "../src/errors/codes.js";
import { AttributesManager, PRIORITY } from "../src/managers/attributes-manager.js";
import { ProjectManager } from "../src/managers/project-manager.js";
import {
  MatchableResource,
  MatchingAttributesSchema,
  PluginOverride_MissingPluginBehavior,
} from "../src/proto/gen/flyteidl/admin/matchable_resource_pb.js";
import { Project_ProjectState } from "../src/proto/gen/flyteidl/admin/project_pb.js";
import { ProjectRepository } from "../src/store/repositories/project-repository.js";
import { ResourceRepository } from "../src/store/repositories/resource-repository.js";
import { createTaskRequest, taskId } from "./fixtures/tasks.js";
import { STRING } from "./fixtures/types.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

type Matching = MessageInitShape<typeof MatchingAttributesSchema>;
const JSON_HEADERS = { "Content-Type": "application/json", Accept: "application/json" };
const DEV = "development";

const queue = (...tags: string[]): Matching => ({ target: { case: "executionQueueAttributes", value: { tags } } });
const taskResources = (cpu: string): Matching => ({
  target: { case: "taskResourceAttributes", value: { defaults: { cpu }, limits: { cpu } } },
});
const plugins = (...o: [string, string[]][]): Matching => ({
  target: {
    case: "pluginOverrides",
    value: { overrides: o.map(([taskType, pluginId]) => ({ taskType, pluginId })) },
  },
});
const queueTags = (m: { target: { case?: string; value?: unknown } } | undefined) =>
  m?.target.case === "executionQueueAttributes" ? (m.target.value as { tags: string[] }).tags : undefined;
const overridesOf = (m: { target: { case?: string; value?: unknown } } | undefined) =>
  m?.target.case === "pluginOverrides"
    ? (m.target.value as { overrides: { taskType: string; pluginId: string[] }[] }).overrides
        .map((o) => `${o.taskType}=${o.pluginId.join("+")}`)
        .sort()
    : undefined;

async function project(srv: TestServer, id: string, state = Project_ProjectState.ACTIVE): Promise<void> {
  await srv.admin.registerProject({ project: { id, name: id } });
  if (state !== Project_ProjectState.ACTIVE) await srv.admin.updateProject({ id, name: id, state });
}

describeEachDatabase(
  "matchable attributes",
  (srv) => {
    test("project-domain: update validations, in FlyteAdmin's order and words", async () => {
      const { admin } = srv();
      await project(srv(), "pdv");
      await project(srv(), "pdv-archived", Project_ProjectState.ARCHIVED);
      const cases: [Parameters<typeof admin.updateProjectDomainAttributes>[0], string][] = [
        [{}, "missing attributes"],
        [
          { attributes: { project: "nope", domain: DEV, matchingAttributes: queue("q") } },
          "failed to validate that project [nope] and domain [development] are registered, err: [project [nope] not found]",
        ],
        [
          { attributes: { project: "pdv-archived", domain: DEV, matchingAttributes: queue("q") } },
          "project [pdv-archived] is not active",
        ],
        [
          { attributes: { project: "pdv", domain: "bogus", matchingAttributes: queue("q") } },
          "domain [bogus] is unrecognized by system",
        ],
        [{ attributes: { project: "pdv", domain: DEV } }, "missing matching_attributes"],
        [
          { attributes: { project: "pdv", domain: DEV, matchingAttributes: {} } },
          "Unrecognized matching attributes type for request pdv-development",
        ],
        [
          {
            attributes: {
              project: "pdv",
              domain: DEV,
              matchingAttributes: {
                target: { case: "qualityOfService", value: { designation: { case: "tier", value: 1 } } },
              },
            },
          },
          "Unrecognized matching attributes type for request pdv-development",
        ],
      ];
      for (const [req, message] of cases) {
        await rejectsWith(admin.updateProjectDomainAttributes(req), Code.INVALID_ARGUMENT, message);
      }
      await rejectsWith(
        admin.getProjectDomainAttributes({ project: "nope", domain: DEV }),
        Code.INVALID_ARGUMENT,
        "failed to validate that project [nope] and domain [development] are registered, err: [project [nope] not found]",
      );
      await rejectsWith(
        admin.deleteProjectDomainAttributes({ project: "pdv", domain: "bogus" }),
        Code.INVALID_ARGUMENT,
        "domain [bogus] is unrecognized by system",
      );
    });

    test("project-domain: upsert overwrites wholesale; get answers the stored row", async () => {
      const { admin } = srv();
      await project(srv(), "pd1");
      await admin.updateProjectDomainAttributes({
        attributes: { project: "pd1", domain: DEV, matchingAttributes: queue("a", "b") },
      });
      await admin.updateProjectDomainAttributes({
        attributes: { project: "pd1", domain: DEV, matchingAttributes: queue("c") },
      });
      const got = await admin.getProjectDomainAttributes({
        project: "pd1",
        domain: DEV,
        resourceType: MatchableResource.EXECUTION_QUEUE,
      });
      assert.equal(got.attributes?.project, "pd1");
      assert.equal(got.attributes?.domain, DEV);
      assert.deepEqual(queueTags(got.attributes?.matchingAttributes), ["c"]);
      await rejectsWith(
        admin.getProjectDomainAttributes({
          project: "pd1",
          domain: DEV,
          resourceType: MatchableResource.TASK_RESOURCE,
        }),
        Code.NOT_FOUND,
        "Resource [{Project:pd1 Domain:development Workflow: LaunchPlan: ResourceType:TASK_RESOURCE}] not found",
      );
    });

    test("get falls back to the most specific row and echoes the row it matched", async () => {
      const { admin } = srv();
      await project(srv(), "fb");
      const rt = MatchableResource.EXECUTION_QUEUE;
      await admin.updateProjectAttributes({ attributes: { project: "fb", matchingAttributes: queue("project") } });
      let pd = await admin.getProjectDomainAttributes({ project: "fb", domain: DEV, resourceType: rt });
      assert.deepEqual([pd.attributes?.project, pd.attributes?.domain], ["fb", ""], "project-level row, domain empty");
      assert.deepEqual(queueTags(pd.attributes?.matchingAttributes), ["project"]);
      let wf = await admin.getWorkflowAttributes({ project: "fb", domain: DEV, workflow: "wf", resourceType: rt });
      assert.deepEqual([wf.attributes?.domain, wf.attributes?.workflow], ["", ""]);

      await admin.updateProjectDomainAttributes({
        attributes: { project: "fb", domain: DEV, matchingAttributes: queue("pd") },
      });
      wf = await admin.getWorkflowAttributes({ project: "fb", domain: DEV, workflow: "wf", resourceType: rt });
      assert.deepEqual([wf.attributes?.domain, wf.attributes?.workflow], [DEV, ""]);
      assert.deepEqual(queueTags(wf.attributes?.matchingAttributes), ["pd"]);

      await admin.updateWorkflowAttributes({
        attributes: { project: "fb", domain: DEV, workflow: "wf", matchingAttributes: queue("wf") },
      });
      wf = await admin.getWorkflowAttributes({ project: "fb", domain: DEV, workflow: "wf", resourceType: rt });
      assert.deepEqual([wf.attributes?.project, wf.attributes?.domain, wf.attributes?.workflow], ["fb", DEV, "wf"]);
      assert.deepEqual(queueTags(wf.attributes?.matchingAttributes), ["wf"]);
      const other = await admin.getWorkflowAttributes({
        project: "fb",
        domain: DEV,
        workflow: "other",
        resourceType: rt,
      });
      assert.deepEqual(queueTags(other.attributes?.matchingAttributes), ["pd"], "another workflow's row never matches");
      pd = await admin.getProjectDomainAttributes({ project: "fb", domain: DEV, resourceType: rt });
      assert.deepEqual(
        queueTags(pd.attributes?.matchingAttributes),
        ["pd"],
        "project-domain get ignores workflow rows",
      );
      const staging = await admin.getProjectDomainAttributes({ project: "fb", domain: "staging", resourceType: rt });
      assert.deepEqual(queueTags(staging.attributes?.matchingAttributes), ["project"]);
    });

    test("lookups that arrive together each fall back to their own most specific row", async () => {
      // On PostgreSQL these share one statement (a lateral lookup per key).
      const { admin } = srv();
      await project(srv(), "tg");
      const rt = MatchableResource.EXECUTION_QUEUE;
      await admin.updateProjectAttributes({ attributes: { project: "tg", matchingAttributes: queue("project") } });
      await admin.updateProjectDomainAttributes({
        attributes: { project: "tg", domain: DEV, matchingAttributes: queue("pd") },
      });
      await admin.updateWorkflowAttributes({
        attributes: { project: "tg", domain: DEV, workflow: "wf", matchingAttributes: queue("wf") },
      });
      const lookups: [string, string][] = [
        [DEV, "wf"],
        [DEV, "other"],
        ["staging", "wf"],
        ["production", ""],
        [DEV, ""],
        [DEV, "wf"],
      ];
      const tags = await Promise.all(
        lookups.map(([domain, workflow]) =>
          (workflow === ""
            ? admin.getProjectDomainAttributes({ project: "tg", domain, resourceType: rt })
            : admin.getWorkflowAttributes({ project: "tg", domain, workflow, resourceType: rt })
          ).then(
            (r) => queueTags(r.attributes?.matchingAttributes)?.join(),
            (err: { code?: number }) => `code ${err.code}`,
          ),
        ),
      );
      assert.deepEqual(tags, ["wf", "pd", "project", "project", "pd", "wf"]);
      const missing = await Promise.all(
        ["tg-none", "tg"].map((p) =>
          admin
            .getProjectDomainAttributes({ project: p, domain: DEV, resourceType: MatchableResource.TASK_RESOURCE })
            .then(
              () => "found",
              (err: { code?: number }) => `code ${err.code}`,
            ),
        ),
      );
      assert.deepEqual(missing, [`code ${Code.INVALID_ARGUMENT}`, `code ${Code.NOT_FOUND}`]);
    });

    test("workflow level: validations and not-found message", async () => {
      const { admin } = srv();
      await project(srv(), "wfv");
      await rejectsWith(admin.updateWorkflowAttributes({}), Code.INVALID_ARGUMENT, "missing attributes");
      await rejectsWith(
        admin.updateWorkflowAttributes({ attributes: { project: "wfv", domain: DEV, matchingAttributes: queue("q") } }),
        Code.INVALID_ARGUMENT,
        "missing name",
      );
      await rejectsWith(
        admin.updateWorkflowAttributes({ attributes: { project: "wfv", domain: DEV, workflow: "w" } }),
        Code.INVALID_ARGUMENT,
        "missing matching_attributes",
      );
      await rejectsWith(
        admin.updateWorkflowAttributes({
          attributes: { project: "wfv", domain: DEV, workflow: "w", matchingAttributes: {} },
        }),
        Code.INVALID_ARGUMENT,
        "Unrecognized matching attributes type for request wfv-development-w",
      );
      await rejectsWith(
        admin.updateWorkflowAttributes({
          attributes: { project: "nope", domain: DEV, workflow: "w", matchingAttributes: queue("q") },
        }),
        Code.INVALID_ARGUMENT,
        /^failed to validate that project \[nope\] and domain \[development\] are registered/,
      );
      await rejectsWith(
        admin.getWorkflowAttributes({ project: "wfv", domain: DEV }),
        Code.INVALID_ARGUMENT,
        "missing name",
      );
      await rejectsWith(
        admin.deleteWorkflowAttributes({ project: "wfv", domain: DEV }),
        Code.INVALID_ARGUMENT,
        "missing name",
      );
      await rejectsWith(
        admin.getWorkflowAttributes({
          project: "wfv",
          domain: DEV,
          workflow: "w",
          resourceType: MatchableResource.CLUSTER_ASSIGNMENT,
        }),
        Code.NOT_FOUND,
        "Resource [{Project:wfv Domain:development Workflow:w LaunchPlan: ResourceType:CLUSTER_ASSIGNMENT}] not found",
      );
      // The workflow does not have to exist.
      await admin.updateWorkflowAttributes({
        attributes: { project: "wfv", domain: DEV, workflow: "not.registered", matchingAttributes: queue("q") },
      });
    });

    test("deletes: project-domain takes the workflow rows under it, workflow only its own, both idempotent", async () => {
      const { admin } = srv();
      await project(srv(), "del");
      const rt = MatchableResource.EXECUTION_QUEUE;
      const seed = async () => {
        await admin.updateProjectAttributes({ attributes: { project: "del", matchingAttributes: queue("p") } });
        await admin.updateProjectDomainAttributes({
          attributes: { project: "del", domain: DEV, matchingAttributes: queue("pd") },
        });
        for (const workflow of ["w1", "w2"]) {
          await admin.updateWorkflowAttributes({
            attributes: { project: "del", domain: DEV, workflow, matchingAttributes: queue(workflow) },
          });
        }
        await admin.updateProjectDomainAttributes({
          attributes: { project: "del", domain: DEV, matchingAttributes: taskResources("1") },
        });
      };
      const rowsOf = async (type = rt) =>
        (await admin.listMatchableAttributes({ resourceType: type })).configurations
          .filter((c) => c.project === "del")
          .map((c) => `${c.domain}/${c.workflow}`)
          .sort();
      await seed();
      await admin.deleteWorkflowAttributes({ project: "del", domain: DEV, workflow: "w1", resourceType: rt });
      assert.deepEqual(await rowsOf(), ["/", "development/", "development/w2"]);
      await admin.deleteWorkflowAttributes({ project: "del", domain: DEV, workflow: "w1", resourceType: rt });

      await admin.deleteProjectDomainAttributes({ project: "del", domain: DEV, resourceType: rt });
      assert.deepEqual(await rowsOf(), ["/"], "the workflow rows under the project-domain went too");
      assert.deepEqual(await rowsOf(MatchableResource.TASK_RESOURCE), ["development/"], "other types are untouched");
      await admin.deleteProjectDomainAttributes({ project: "del", domain: DEV, resourceType: rt });

      await seed();
      await admin.deleteProjectAttributes({ project: "del", resourceType: rt });
      assert.deepEqual(await rowsOf(), [], "project delete removes the type at every level");
      assert.deepEqual(await rowsOf(MatchableResource.TASK_RESOURCE), ["development/"]);
      await admin.deleteProjectAttributes({ project: "del", resourceType: rt });
    });

    test("project level: validations and the exact (non-fallback) get", async () => {
      const { admin } = srv();
      await project(srv(), "pv");
      await project(srv(), "pv-archived", Project_ProjectState.ARCHIVED);
      await rejectsWith(admin.updateProjectAttributes({}), Code.INVALID_ARGUMENT, "missing attributes");
      await rejectsWith(
        admin.updateProjectAttributes({ attributes: { project: "nope", matchingAttributes: queue("q") } }),
        Code.INVALID_ARGUMENT,
        "failed to validate that project [nope] is registered, err: [project [nope] not found]",
      );
      await rejectsWith(
        admin.updateProjectAttributes({ attributes: { project: "pv-archived", matchingAttributes: queue("q") } }),
        Code.INVALID_ARGUMENT,
        "project [pv-archived] is not active",
      );
      await rejectsWith(
        admin.updateProjectAttributes({ attributes: { project: "pv" } }),
        Code.INVALID_ARGUMENT,
        "missing matching_attributes",
      );
      await rejectsWith(
        admin.updateProjectAttributes({ attributes: { project: "pv", matchingAttributes: {} } }),
        Code.INVALID_ARGUMENT,
        "Unrecognized matching attributes type for request pv",
      );
      await rejectsWith(
        admin.getProjectAttributes({ project: "nope", resourceType: MatchableResource.TASK_RESOURCE }),
        Code.INVALID_ARGUMENT,
        "failed to validate that project [nope] exists, err: [project [nope] not found]",
      );
      await rejectsWith(
        admin.deleteProjectAttributes({ project: "pv-archived", resourceType: MatchableResource.TASK_RESOURCE }),
        Code.INVALID_ARGUMENT,
        "project [pv-archived] is not active",
      );
      // A project-domain row is not a project-level answer.
      await admin.updateProjectDomainAttributes({
        attributes: { project: "pv", domain: DEV, matchingAttributes: taskResources("1") },
      });
      await rejectsWith(
        admin.getProjectAttributes({ project: "pv", resourceType: MatchableResource.TASK_RESOURCE }),
        Code.NOT_FOUND,
        "Resource [{Project:pv Domain: Workflow: LaunchPlan: ResourceType:TASK_RESOURCE}] not found",
      );
      // Archived projects can still be read.
      await rejectsWith(
        admin.getProjectAttributes({ project: "pv-archived", resourceType: MatchableResource.TASK_RESOURCE }),
        Code.NOT_FOUND,
      );
      await admin.updateProjectAttributes({ attributes: { project: "pv", matchingAttributes: taskResources("3") } });
      const got = await admin.getProjectAttributes({ project: "pv", resourceType: MatchableResource.TASK_RESOURCE });
      assert.equal(got.attributes?.project, "pv");
      assert.equal(got.attributes?.matchingAttributes?.target.case, "taskResourceAttributes");
    });

    test("PLUGIN_OVERRIDE merges by task type at every level (project level too, unlike FlyteAdmin)", async () => {
      const { admin } = srv();
      await project(srv(), "plug");
      const rt = MatchableResource.PLUGIN_OVERRIDE;
      await admin.updateProjectDomainAttributes({
        attributes: { project: "plug", domain: DEV, matchingAttributes: plugins(["spark", ["a"]], ["ray", ["b"]]) },
      });
      await admin.updateProjectDomainAttributes({
        attributes: {
          project: "plug",
          domain: DEV,
          matchingAttributes: plugins(["spark", ["c", "d"]], ["dask", ["e"]]),
        },
      });
      const pd = await admin.getProjectDomainAttributes({ project: "plug", domain: DEV, resourceType: rt });
      assert.deepEqual(overridesOf(pd.attributes?.matchingAttributes), ["dask=e", "ray=b", "spark=c+d"]);

      await admin.updateWorkflowAttributes({
        attributes: { project: "plug", domain: DEV, workflow: "w", matchingAttributes: plugins(["spark", ["x"]]) },
      });
      await admin.updateWorkflowAttributes({
        attributes: { project: "plug", domain: DEV, workflow: "w", matchingAttributes: plugins(["mpi", ["y"]]) },
      });
      const wf = await admin.getWorkflowAttributes({ project: "plug", domain: DEV, workflow: "w", resourceType: rt });
      assert.deepEqual(overridesOf(wf.attributes?.matchingAttributes), ["mpi=y", "spark=x"]);

      await admin.updateProjectAttributes({
        attributes: { project: "plug", matchingAttributes: plugins(["a", ["1"]]) },
      });
      await admin.updateProjectAttributes({
        attributes: { project: "plug", matchingAttributes: plugins(["b", ["2"]]) },
      });
      const p = await admin.getProjectAttributes({ project: "plug", resourceType: rt });
      assert.deepEqual(overridesOf(p.attributes?.matchingAttributes), ["a=1", "b=2"]);
    });

    test("GetProjectAttributes completes WORKFLOW_EXECUTION_CONFIG with the config defaults", async () => {
      const { admin } = srv();
      await project(srv(), "wec");
      const rt = MatchableResource.WORKFLOW_EXECUTION_CONFIG;
      const none = await admin.getProjectAttributes({ project: "wec", resourceType: rt });
      const d = none.attributes?.matchingAttributes?.target;
      assert.equal(d?.case, "workflowExecutionConfig");
      if (d?.case !== "workflowExecutionConfig") return;
      assert.equal(none.attributes?.project, "wec");
      assert.equal(d.value.maxParallelism, 30);
      assert.equal(d.value.interruptible, true);
      assert.equal(d.value.overwriteCache, false);
      assert.equal(d.value.securityContext?.runAs?.k8sServiceAccount, "default-sa");
      assert.deepEqual(d.value.labels?.values, { team: "platform" });
      assert.equal(d.value.rawOutputDataConfig, undefined, "no output prefix configured");
      assert.equal(d.value.annotations, undefined);

      await admin.updateProjectAttributes({
        attributes: {
          project: "wec",
          matchingAttributes: {
            target: {
              case: "workflowExecutionConfig",
              value: { maxParallelism: 5, interruptible: false, annotations: { values: { a: "b" } } },
            },
          },
        },
      });
      const merged = (await admin.getProjectAttributes({ project: "wec", resourceType: rt })).attributes
        ?.matchingAttributes?.target;
      assert.equal(merged?.case, "workflowExecutionConfig");
      if (merged?.case !== "workflowExecutionConfig") return;
      assert.equal(merged.value.maxParallelism, 5, "the stored value wins");
      assert.equal(merged.value.interruptible, false, "a stored false is set, so it stays");
      assert.deepEqual(merged.value.annotations?.values, { a: "b" });
      assert.deepEqual(merged.value.labels?.values, { team: "platform" }, "unset fields come from the config");
      assert.equal(merged.value.securityContext?.runAs?.k8sServiceAccount, "default-sa");

      // The project-domain get returns the stored row as it is.
      const pd = await admin.getProjectDomainAttributes({ project: "wec", domain: DEV, resourceType: rt });
      const raw = pd.attributes?.matchingAttributes?.target;
      assert.ok(raw?.case === "workflowExecutionConfig" && raw.value.labels === undefined);
    });

    test("ListMatchableAttributes: every row of the type, most specific first; unknown types refused", async () => {
      const { admin } = srv();
      await project(srv(), "la");
      await project(srv(), "lb");
      const rt = MatchableResource.CLUSTER_RESOURCE;
      const attrs: Matching = { target: { case: "clusterResourceAttributes", value: { attributes: { k: "v" } } } };
      assert.deepEqual((await admin.listMatchableAttributes({ resourceType: rt })).configurations, []);
      await admin.updateProjectAttributes({ attributes: { project: "la", matchingAttributes: attrs } });
      await admin.updateWorkflowAttributes({
        attributes: { project: "lb", domain: DEV, workflow: "w", matchingAttributes: attrs },
      });
      await admin.updateProjectDomainAttributes({
        attributes: { project: "lb", domain: DEV, matchingAttributes: attrs },
      });
      const list = await admin.listMatchableAttributes({ resourceType: rt });
      assert.deepEqual(
        list.configurations.map((c) => [c.project, c.domain, c.workflow, c.launchPlan]),
        [
          ["lb", DEV, "w", ""],
          ["lb", DEV, "", ""],
          ["la", "", "", ""],
        ],
      );
      assert.equal(list.configurations[0]?.attributes?.target.case, "clusterResourceAttributes");
      await rejectsWith(
        admin.listMatchableAttributes({ resourceType: 99 as MatchableResource }),
        Code.INVALID_ARGUMENT,
        "invalid value for resource_type",
      );
      const qos = await admin.listMatchableAttributes({
        resourceType: MatchableResource.QUALITY_OF_SERVICE_SPECIFICATION,
      });
      assert.deepEqual(qos.configurations, []);
    });

    test("over HTTP: PUT, GET, DELETE at each level and the list, with JSON bodies", async () => {
      await project(srv(), "web");
      const http = srv().http;
      const body = {
        attributes: { matching_attributes: { task_resource_attributes: { defaults: { cpu: "1", memory: "1Gi" } } } },
      };
      let res = await http(`/api/v1/project_domain_attributes/web/${DEV}`, {
        method: "PUT",
        headers: JSON_HEADERS,
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 200, await res.clone().text());
      assert.deepEqual(await res.json(), {});
      res = await http(`/api/v1/project_domain_attributes/web/${DEV}?resource_type=TASK_RESOURCE`, {
        headers: JSON_HEADERS,
      });
      const got = (await res.json()) as {
        attributes: { project: string; domain: string; matching_attributes: Record<string, unknown> };
      };
      assert.equal(got.attributes.project, "web");
      assert.equal(got.attributes.domain, DEV);
      assert.deepEqual(
        (got.attributes.matching_attributes.task_resource_attributes as { defaults: Record<string, string> }).defaults
          .cpu,
        "1",
      );

      res = await http(`/api/v1/workflow_attributes/web/${DEV}/wf.name`, {
        method: "PUT",
        headers: JSON_HEADERS,
        body: JSON.stringify({
          attributes: { matching_attributes: { execution_queue_attributes: { tags: ["gpu"] } } },
        }),
      });
      assert.equal(res.status, 200);
      res = await http(`/api/v1/workflow_attributes/web/${DEV}/wf.name?resource_type=EXECUTION_QUEUE`, {
        headers: JSON_HEADERS,
      });
      const wf = (await res.json()) as {
        attributes: { workflow: string; matching_attributes: Record<string, unknown> };
      };
      assert.equal(wf.attributes.workflow, "wf.name");
      assert.deepEqual(wf.attributes.matching_attributes.execution_queue_attributes, { tags: ["gpu"] });

      res = await http("/api/v1/project_attributes/web", {
        method: "PUT",
        headers: JSON_HEADERS,
        body: JSON.stringify({
          attributes: { matching_attributes: { execution_cluster_label: { value: "east" } } },
        }),
      });
      assert.equal(res.status, 200);
      res = await http("/api/v1/project_attributes/web?resource_type=EXECUTION_CLUSTER_LABEL", {
        headers: JSON_HEADERS,
      });
      const p = (await res.json()) as { attributes: { project: string; matching_attributes: Record<string, unknown> } };
      assert.deepEqual(p.attributes.matching_attributes.execution_cluster_label, { value: "east" });

      res = await http("/api/v1/matchable_attributes?resource_type=EXECUTION_QUEUE", { headers: JSON_HEADERS });
      const list = (await res.json()) as { configurations: { project: string; workflow: string }[] };
      assert.ok(list.configurations.some((c) => c.project === "web" && c.workflow === "wf.name"));

      res = await http(`/api/v1/workflow_attributes/web/${DEV}/wf.name`, {
        method: "DELETE",
        headers: JSON_HEADERS,
        body: JSON.stringify({ resource_type: "EXECUTION_QUEUE" }),
      });
      assert.equal(res.status, 200);
      res = await http(`/api/v1/workflow_attributes/web/${DEV}/wf.name?resource_type=EXECUTION_QUEUE`, {
        headers: JSON_HEADERS,
      });
      await httpError(
        res,
        404,
        Code.NOT_FOUND,
        "Resource [{Project:web Domain:development Workflow:wf.name LaunchPlan: ResourceType:EXECUTION_QUEUE}] not found",
      );
      res = await http(`/api/v1/project_domain_attributes/web/${DEV}`, {
        method: "DELETE",
        headers: JSON_HEADERS,
        body: JSON.stringify({ resource_type: "TASK_RESOURCE" }),
      });
      assert.equal(res.status, 200);
      res = await http("/api/v1/project_attributes/web", {
        method: "DELETE",
        headers: JSON_HEADERS,
        body: JSON.stringify({ resource_type: "EXECUTION_CLUSTER_LABEL" }),
      });
      assert.equal(res.status, 200);
      res = await http("/api/v1/project_attributes/web?resource_type=EXECUTION_CLUSTER_LABEL", {
        headers: JSON_HEADERS,
      });
      await httpError(
        res,
        404,
        Code.NOT_FOUND,
        "Resource [{Project:web Domain: Workflow: LaunchPlan: ResourceType:EXECUTION_CLUSTER_LABEL}] not found",
      );
      res = await http(`/api/v1/project_domain_attributes/web/${DEV}`, {
        method: "PUT",
        headers: JSON_HEADERS,
        body: JSON.stringify({ attributes: {} }),
      });
      await httpError(res, 400, Code.INVALID_ARGUMENT, "missing matching_attributes");
      res = await http("/api/v1/matchable_attributes?resource_type=99", { headers: JSON_HEADERS });
      await httpError(res, 400, Code.INVALID_ARGUMENT, "invalid value for resource_type");
    });

    test("the resolver: launch plan > workflow > project-domain > project; invalid lookups are INTERNAL", async () => {
      await project(srv(), "res");
      const { database } = srv().server;
      const config = loadConfig({ dataDir: srv().dataDir }).config;
      const resources = new ResourceRepository(database);
      const attributes = new AttributesManager({
        database,
        resources,
        projects: new ProjectManager(new ProjectRepository(database), config.domains),
        app: config.flyteadmin,
      });
      const rt = MatchableResource.EXECUTION_QUEUE;
      const scope = { project: "res", domain: DEV, workflow: "wf", launchPlan: "lp", resourceType: rt };
      assert.equal(await attributes.resolve(scope), undefined);
      assert.equal(await attributes.resolveProjectLevel("res", rt), undefined);
      const { admin } = srv();
      await admin.updateProjectAttributes({ attributes: { project: "res", matchingAttributes: queue("p") } });
      assert.deepEqual(queueTags(await attributes.resolve(scope)), ["p"]);
      await admin.updateProjectDomainAttributes({
        attributes: { project: "res", domain: DEV, matchingAttributes: queue("pd") },
      });
      assert.deepEqual(queueTags(await attributes.resolve(scope)), ["pd"]);
      await admin.updateWorkflowAttributes({
        attributes: { project: "res", domain: DEV, workflow: "wf", matchingAttributes: queue("wf") },
      });
      assert.deepEqual(queueTags(await attributes.resolve(scope)), ["wf"]);
      // No RPC writes the launch plan level; the resolver still honours it.
      await resources.upsert(
        database.kysely,
        { project: "res", domain: DEV, workflow: "wf", launchPlan: "lp", resourceType: "EXECUTION_QUEUE" },
        PRIORITY.launchPlan,
        toBinary(MatchingAttributesSchema, create(MatchingAttributesSchema, queue("lp"))),
      );
      assert.deepEqual(queueTags(await attributes.resolve(scope)), ["lp"]);
      assert.deepEqual(queueTags(await attributes.resolve({ ...scope, launchPlan: "other" })), ["wf"]);
      assert.deepEqual(queueTags(await attributes.resolve({ ...scope, workflow: undefined, launchPlan: undefined })), [
        "pd",
      ]);
      assert.deepEqual(queueTags(await attributes.resolveProjectLevel("res", rt)), ["p"]);
      await admin.updateProjectDomainAttributes({
        attributes: { project: "res", domain: DEV, matchingAttributes: taskResources("2") },
      });
      assert.deepEqual((await attributes.taskResourceAttributes("res", DEV))?.limits?.cpu, "2");
      for (const bad of [
        { project: "", domain: "", resourceType: rt },
        { project: "", domain: DEV, workflow: "wf", resourceType: rt },
        { project: "res", domain: DEV, launchPlan: "lp", resourceType: rt },
      ]) {
        await assert.rejects(attributes.resolve(bad), (e: { code?: number; message?: string }) => {
          assert.equal(e.code, Code.INTERNAL);
          assert.match(e.message ?? "", /^unexpected error type for: missing and\/or invalid parameters: \{/);
          return true;
        });
      }
    });

    test("CreateTask checks resources against the TASK_RESOURCE attributes when they exist", async () => {
      const { admin } = srv();
      await project(srv(), "tr");
      const io = { inputs: { name: STRING }, outputs: { o0: STRING } };
      const req = (version: string, cpu: string) =>
        createTaskRequest(taskId("wf.tr", version, "tr", DEV), { ...io, requests: { CPU: cpu } });
      const platform = "Please contact Flyte Admins to change these limits or consult the configuration";
      await rejectsWith(
        admin.createTask(req("v1", "3")),
        Code.INVALID_ARGUMENT,
        `Requested CPU default [3] is greater than current limit set in the platform configuration [2]. ${platform}`,
      );
      await admin.updateProjectDomainAttributes({
        attributes: { project: "tr", domain: DEV, matchingAttributes: taskResources("4") },
      });
      await admin.createTask(req("v2", "3"));
      await admin.updateProjectAttributes({ attributes: { project: "tr", matchingAttributes: taskResources("8") } });
      await rejectsWith(
        admin.createTask(req("v3", "5")),
        Code.INVALID_ARGUMENT,
        `Requested CPU default [5] is greater than current limit set in the platform configuration [4]. ${platform}`,
      );
    });

    test("PluginOverride fields survive the round trip", async () => {
      const { admin } = srv();
      await project(srv(), "pof");
      await admin.updateProjectDomainAttributes({
        attributes: {
          project: "pof",
          domain: DEV,
          matchingAttributes: {
            target: {
              case: "pluginOverrides",
              value: {
                overrides: [
                  {
                    taskType: "spark",
                    pluginId: ["k8s-spark"],
                    missingPluginBehavior: PluginOverride_MissingPluginBehavior.USE_DEFAULT,
                  },
                ],
              },
            },
          },
        },
      });
      const got = await admin.getProjectDomainAttributes({
        project: "pof",
        domain: DEV,
        resourceType: MatchableResource.PLUGIN_OVERRIDE,
      });
      const t = got.attributes?.matchingAttributes?.target;
      assert.ok(t?.case === "pluginOverrides");
      assert.equal(t.value.overrides[0]?.missingPluginBehavior, PluginOverride_MissingPluginBehavior.USE_DEFAULT);
    });
  },
  {
    flyteadmin: {
      maxParallelism: 30,
      interruptible: true,
      k8sServiceAccount: "default-sa",
      labels: { team: "platform" },
    },
  },
);
