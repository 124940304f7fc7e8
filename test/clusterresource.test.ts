/**
 * The cluster resource controller against recording Kubernetes API servers:
 * namespaces and quotas for every active project and domain, FlyteAdmin's
 * template variables (per-domain customData, CLUSTER_RESOURCE attributes over
 * them, templateData from the environment), the namespace mapping, every
 * enabled cluster of a multi-cluster config, unchanged resources skipped and
 * changed ones patched. On both databases.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { pino } from "pino";
import { clusterTargets } from "../src/clusterresource/cluster-targets.js";
import { ClusterResourceController } from "../src/clusterresource/controller.js";
import { loadConfig } from "../src/config/load.js";
import { MatchingAttributesSchema } from "../src/proto/gen/flyteidl/admin/matchable_resource_pb.js";
import { Project_ProjectState, ProjectSchema } from "../src/proto/gen/flyteidl/admin/project_pb.js";
import type { Database } from "../src/store/database.js";
import { ProjectRepository } from "../src/store/repositories/project-repository.js";
import { ResourceRepository } from "../src/store/repositories/resource-repository.js";
import { describeEachDatabaseStore } from "./support/database.js";
import { RecordingResourceApi } from "./support/kube-resources-api.js";

const dir = mkdtempSync(join(tmpdir(), "flyteadmin-crc-"));
const templates = join(dir, "templates");
const apis = [new RecordingResourceApi(), new RecordingResourceApi(), new RecordingResourceApi()];
const logger = pino({ level: process.env.FLYTEADMIN_TEST_LOG ?? "silent" });

before(async () => {
  for (const a of apis) await a.start();
  mkdirSync(templates);
  writeFileSync(
    join(templates, "aa_namespace.yaml"),
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ namespace }}\nspec:\n  finalizers:\n  - kubernetes\n",
  );
  writeFileSync(
    join(templates, "ab_project_resource_quota.yaml"),
    "apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: project-quota\n  namespace: {{ namespace }}\nspec:\n  hard:\n    limits.cpu: {{ projectQuotaCpu }}\n    limits.memory: {{ projectQuotaMemory }}\n",
  );
  writeFileSync(
    join(templates, "ac_service_account.yaml"),
    "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n  namespace: {{ namespace }}\n  annotations:\n    iam.gke.io/gcp-service-account: {{ gsa }}\n    flyte.org/project: '{{ project }}'\n",
  );
  writeFileSync(join(templates, "README.md"), "not a template\n");
  writeFileSync(join(dir, "token"), "cluster-token\n");
  writeFileSync(join(dir, "ca.crt"), "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
});

after(async () => {
  for (const a of apis) await a.stop();
  rmSync(dir, { recursive: true, force: true });
});

function controllerFor(db: Database, quotaCpu = "4"): ClusterResourceController {
  const [a, b, c] = apis as [RecordingResourceApi, RecordingResourceApi, RecordingResourceApi];
  const auth = { tokenPath: join(dir, "token"), certPath: join(dir, "ca.crt") };
  const { config } = loadConfig({
    dataDir: dir,
    overrides: {
      namespace_mapping: { template: "{{ project }}-{{ domain }}" },
      domains: [
        { id: "development", name: "development" },
        { id: "production", name: "prod" },
      ],
      clusters: {
        clusterConfigs: [
          { name: "a", endpoint: a.url, enabled: true, auth },
          { name: "b", endpoint: b.url, enabled: true, auth },
          { name: "off", endpoint: c.url, enabled: false, auth },
        ],
      },
      cluster_resources: {
        templatePath: templates,
        refreshInterval: "1s",
        templateData: { gsa: { valueFrom: { env: "TEST_GSA" } } },
        // The charts' list-of-maps form.
        customData: [
          { production: [{ projectQuotaCpu: { value: "5" } }, { projectQuotaMemory: { value: "4000Mi" } }] },
          {
            development: [{ projectQuotaCpu: { value: quotaCpu } }, { projectQuotaMemory: { value: "3000Mi" } }],
          },
        ],
      },
    },
  });
  return new ClusterResourceController({
    config,
    database: db,
    targets: clusterTargets(config),
    logger,
    env: { TEST_GSA: "flyte@example.iam.gserviceaccount.com" },
  });
}

async function seed(db: Database): Promise<void> {
  const projects = new ProjectRepository(db);
  await projects.create(create(ProjectSchema, { id: "alpha", name: "alpha" }));
  await projects.create(create(ProjectSchema, { id: "beta", name: "beta" }));
  await projects.create(create(ProjectSchema, { id: "gone", name: "gone" }));
  await projects.update("gone", { state: Project_ProjectState.ARCHIVED });
  const attrs = create(MatchingAttributesSchema, {
    target: { case: "clusterResourceAttributes", value: { attributes: { projectQuotaCpu: "16" } } },
  });
  await new ResourceRepository(db).upsert(
    db.kysely,
    { project: "beta", domain: "production", workflow: "", launchPlan: "", resourceType: "CLUSTER_RESOURCE" },
    2,
    toBinary(MatchingAttributesSchema, attrs),
  );
}

describeEachDatabaseStore("cluster resource controller", (db) => {
  test("sync creates namespaces, quotas and service accounts for every active project and domain in every enabled cluster", async () => {
    for (const a of apis) {
      a.requests.length = 0;
      a.objects.clear();
    }
    await seed(db());
    const stats = await controllerFor(db()).sync();
    assert.deepEqual(stats, { created: 12, updated: 0, alreadyThere: 0, errored: 0 });
    const [a, b, off] = apis as [RecordingResourceApi, RecordingResourceApi, RecordingResourceApi];
    assert.equal(off.requests.length, 0, "a disabled cluster is not touched");
    for (const api of [a, b]) {
      const namespaces = [...api.objects.values()].filter((o) => o.kind === "Namespace").map((o) => o.metadata.name);
      // The namespace takes the domain's name (production is named "prod"); archived projects get nothing.
      assert.deepEqual(namespaces.sort(), ["alpha-development", "alpha-prod", "beta-development", "beta-prod"]);
      assert.equal(api.requests[0]?.authorization, "Bearer cluster-token");
      const quota = (ns: string) => api.get("v1", "resourcequotas", ns, "project-quota")?.spec;
      assert.deepEqual(quota("alpha-development"), { hard: { "limits.cpu": 4, "limits.memory": "3000Mi" } });
      assert.deepEqual(quota("alpha-prod"), { hard: { "limits.cpu": 5, "limits.memory": "4000Mi" } });
      assert.deepEqual(
        quota("beta-prod"),
        { hard: { "limits.cpu": 16, "limits.memory": "4000Mi" } },
        "the CLUSTER_RESOURCE attributes override the domain's customData",
      );
      const sa = api.get("v1", "serviceaccounts", "beta-prod", "default");
      assert.deepEqual(sa?.metadata.annotations, {
        "iam.gke.io/gcp-service-account": "flyte@example.iam.gserviceaccount.com",
        "flyte.org/project": "beta",
      });
      const nsPost = api.requests.find((r) => r.method === "POST" && r.path === "/api/v1/namespaces");
      assert.ok(nsPost, "namespaces are created at the cluster scope");
      assert.ok(
        api.requests.some((r) => r.method === "POST" && r.path === "/api/v1/namespaces/alpha-prod/resourcequotas"),
      );
    }
  });

  test("a second pass of the same controller writes nothing; a new controller finds everything in place", async () => {
    const controller = controllerFor(db());
    assert.deepEqual(await controller.sync(), { created: 0, updated: 0, alreadyThere: 12, errored: 0 });
    assert.ok(
      apis.every((a) => a.requests.every((r) => r.method !== "PATCH")),
      "objects that already hold the manifest are not patched",
    );
    const writes = () => apis.reduce((n, a) => n + a.writes().length, 0);
    const before = writes();
    assert.deepEqual(await controller.sync(), { created: 0, updated: 0, alreadyThere: 12, errored: 0 });
    assert.equal(writes(), before, "unchanged templates are skipped by checksum");
    const gets = apis[0]?.requests.filter((r) => r.method === "GET").length ?? 0;
    assert.deepEqual(await controller.sync(), { created: 0, updated: 0, alreadyThere: 12, errored: 0 });
    assert.equal(apis[0]?.requests.filter((r) => r.method === "GET").length, gets, "and not even read");
  });

  test("a changed value patches the existing object at the version read", async () => {
    const stats = await controllerFor(db(), "8").sync();
    assert.deepEqual(stats, { created: 0, updated: 2, alreadyThere: 10, errored: 0 });
    for (const api of apis.slice(0, 2)) {
      const patches = api.requests.filter((r) => r.method === "PATCH");
      assert.equal(patches.length, 2, "one quota per project in development");
      assert.equal(patches[0]?.contentType, "application/strategic-merge-patch+json");
      assert.deepEqual(api.get("v1", "resourcequotas", "alpha-development", "project-quota")?.spec, {
        hard: { "limits.cpu": 8, "limits.memory": "3000Mi" },
      });
    }
  });

  test("run syncs every refreshInterval: a project created meanwhile gets its namespaces; abort stops it", async () => {
    const { config } = loadConfig({
      dataDir: dir,
      overrides: {
        server: { master: apis[0]?.url },
        domains: [{ id: "development", name: "development" }],
        cluster_resources: {
          templatePath: templates,
          refreshInterval: "100ms",
          templateData: { gsa: { value: "x" } },
          customData: { development: { projectQuotaCpu: { value: "1" }, projectQuotaMemory: { value: "1Gi" } } },
        },
      },
    });
    const controller = new ClusterResourceController({
      config,
      database: db(),
      targets: clusterTargets(config),
      logger,
    });
    const stop = new AbortController();
    const running = controller.run(stop.signal);
    await new ProjectRepository(db()).create(create(ProjectSchema, { id: "later", name: "later" }));
    const api = apis[0] as RecordingResourceApi;
    for (let i = 0; i < 100 && !api.get("v1", "namespaces", "", "later-development"); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    stop.abort();
    await running;
    assert.ok(api.get("v1", "namespaces", "", "later-development"), "created by a later pass");
  });

  test("a cluster that cannot be reached fails the sync with the reason", async () => {
    const broken = new RecordingResourceApi();
    await broken.start();
    await broken.stop(); // its port now refuses connections
    const { config } = loadConfig({
      dataDir: dir,
      overrides: {
        clusters: {
          clusterConfigs: [
            {
              name: "down",
              endpoint: broken.url,
              enabled: true,
              auth: { tokenPath: join(dir, "token"), certPath: join(dir, "ca.crt") },
            },
          ],
        },
        cluster_resources: {
          templatePath: templates,
          templateData: { gsa: { value: "x" }, projectQuotaCpu: { value: "1" }, projectQuotaMemory: { value: "1Gi" } },
        },
      },
    });
    const controller = new ClusterResourceController({
      config,
      database: db(),
      targets: clusterTargets(config),
      logger,
    });
    await assert.rejects(controller.sync(), /in cluster \[down\] with err: .*ECONNREFUSED/);
  });
});
