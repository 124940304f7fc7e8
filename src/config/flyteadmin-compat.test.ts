import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../test/support/temp-dir.js";
import { inClusterDefaults } from "../cli/options.js";
import { expandConfigArgs, normalizeFlyteAdminConfig } from "./flyteadmin-compat.js";
import { ConfigError, loadConfig } from "./load.js";

test("--config globs match the folder's files in name order; plain paths are kept; no match is an error", () => {
  const dir = tempDir("cfg-glob-");
  for (const f of ["b.yaml", "a.yaml", "c.yml", "10-x.yaml"]) writeFileSync(join(dir, f), "{}\n");
  assert.deepEqual(expandConfigArgs([`${dir}/*.yaml`]), [
    join(dir, "10-x.yaml"),
    join(dir, "a.yaml"),
    join(dir, "b.yaml"),
  ]);
  assert.deepEqual(expandConfigArgs([`${dir}/[ab].y?ml`]), [join(dir, "a.yaml"), join(dir, "b.yaml")]);
  assert.deepEqual(expandConfigArgs(["/x/plain.yaml"]), ["/x/plain.yaml"]);
  assert.throws(() => expandConfigArgs([`${dir}/*.json`]), /no config file matches/);
  assert.throws(() => loadConfig({ files: [`${dir}/*.json`] }), ConfigError);
});

test("the deprecated database.host/port/... keys win over database.postgres, as flytestdlib's GetConfig", () => {
  const out = normalizeFlyteAdminConfig({
    database: {
      host: "pg",
      port: 5433,
      dbname: "flyteadmin",
      username: "u",
      debug: false,
      postgres: { host: "other", password: "p" },
    },
  });
  assert.deepEqual(out.database, {
    postgres: { host: "pg", port: 5433, dbname: "flyteadmin", username: "u", password: "p" },
  });
  const { config } = loadConfig({
    overrides: { database: { host: "postgres", port: 5432, username: "postgres", dbname: "flyteadmin" } },
  });
  assert.equal(config.database.postgres.host, "postgres");
  assert.equal(config.database.postgres.dbname, "flyteadmin");
});

test("cluster_resources.customData as the charts write it (lists of one-key maps) reads as a map per domain", () => {
  const { config } = loadConfig({
    overrides: {
      cluster_resources: {
        customData: [
          { production: [{ projectQuotaCpu: { value: "5" } }, { projectQuotaMemory: { value: "4000Mi" } }] },
          { development: { projectQuotaCpu: { value: 4 } } },
        ],
      },
    },
  });
  assert.equal(config.cluster_resources.customData.production?.projectQuotaMemory?.value, "4000Mi");
  assert.equal(config.cluster_resources.customData.development?.projectQuotaCpu?.value, "4");
  assert.equal(config.cluster_resources.refreshInterval, "1m");
});

test("numeric quantities (cpu: 2) load as text; unknown keys are reported, known ones are not", () => {
  const loaded = loadConfig({
    overrides: {
      task_resources: { limits: { cpu: 2, gpu: 1, memory: "1Gi" } },
      otel: { type: "noop" },
      flyteadmin: { testing: { host: "x" }, roleNameKey: "r" },
      storage: { cache: { max_size_mbs: 0 }, stow: { kind: "s3", extra: { x: 1 } } },
    },
  });
  assert.equal(loaded.config.task_resources.limits.cpu, "2");
  assert.deepEqual([...(loaded.ignoredKeys ?? [])].sort(), ["flyteadmin.testing", "otel", "storage.stow.extra"]);
});

test("inside a pod the defaults are FlyteAdmin's (every interface, FlyteWorkflow resources); files still win", () => {
  assert.equal(inClusterDefaults({}), undefined);
  const defaults = inClusterDefaults({ KUBERNETES_SERVICE_HOST: "10.0.0.1" });
  const { config } = loadConfig({ defaults });
  assert.equal(config.server.host, "0.0.0.0");
  assert.equal(config.executor.type, "kubernetes");
  const given = loadConfig({ defaults, overrides: { executor: { type: "external" } } });
  assert.equal(given.config.executor.type, "external");
});
