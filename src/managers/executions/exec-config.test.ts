import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { configSchema } from "../../config/schema.js";
import { ExecutionSpecSchema } from "../../proto/gen/flyteidl/admin/execution_pb.js";
import { LaunchPlanSpecSchema } from "../../proto/gen/flyteidl/admin/launch_plan_pb.js";
import { WorkflowExecutionConfigSchema } from "../../proto/gen/flyteidl/admin/matchable_resource_pb.js";
import { resolveAuthRole, resolveExecutionConfig } from "./exec-config.js";

const app = configSchema.parse({}).flyteadmin;
const appWith = (o: Partial<typeof app>) => ({ ...app, ...o });
const sa = (k8sServiceAccount: string) => ({ runAs: { k8sServiceAccount } });

describe("resolveExecutionConfig", () => {
  test("with nothing set: app max parallelism 25, an empty run_as carrying the caller's identity", () => {
    const cfg = resolveExecutionConfig({ requestSpec: create(ExecutionSpecSchema), app, executionIdentity: "alice" });
    assert.equal(cfg.maxParallelism, 25);
    assert.equal(cfg.securityContext?.runAs?.executionIdentity, "alice");
    assert.equal(cfg.securityContext?.runAs?.k8sServiceAccount, "");
    assert.equal(cfg.interruptible, undefined, "app interruptible=false contributes nothing");
    assert.equal(cfg.labels?.values, undefined);
  });

  test("each field comes from the first layer that sets it: request, launch plan, matched, project, app", () => {
    const cfg = resolveExecutionConfig({
      requestSpec: create(ExecutionSpecSchema, { labels: { values: { from: "request" } } }),
      launchPlanSpec: create(LaunchPlanSpecSchema, {
        labels: { values: { from: "lp" } },
        annotations: { values: { from: "lp" } },
        maxParallelism: 0,
      }),
      matched: create(WorkflowExecutionConfigSchema, {
        maxParallelism: 7,
        annotations: { values: { from: "matched" } },
        rawOutputDataConfig: { outputLocationPrefix: "" },
      }),
      projectLevel: create(WorkflowExecutionConfigSchema, {
        maxParallelism: 9,
        rawOutputDataConfig: { outputLocationPrefix: "s3://project" },
        interruptible: false,
      }),
      app: appWith({ interruptible: true, outputLocationPrefix: "s3://app", envs: { A: "1" } }),
      executionIdentity: "",
    });
    assert.deepEqual(cfg.labels?.values, { from: "request" });
    assert.deepEqual(cfg.annotations?.values, { from: "lp" });
    assert.equal(cfg.maxParallelism, 7);
    assert.equal(cfg.rawOutputDataConfig?.outputLocationPrefix, "s3://project", "an empty prefix is unset");
    assert.equal(cfg.interruptible, false, "an explicit false is set");
    assert.deepEqual(
      cfg.envs?.values.map((e) => [e.key, e.value]),
      [["A", "1"]],
    );
  });

  test("overwrite_cache is true when any layer says so", () => {
    const cfg = resolveExecutionConfig({
      requestSpec: create(ExecutionSpecSchema),
      matched: create(WorkflowExecutionConfigSchema, { overwriteCache: true }),
      app,
      executionIdentity: "",
    });
    assert.equal(cfg.overwriteCache, true);
  });

  test("an empty security context does not count; the first with a service account, role or identity wins", () => {
    const cfg = resolveExecutionConfig({
      requestSpec: create(ExecutionSpecSchema, { securityContext: { runAs: {} } }),
      launchPlanSpec: create(LaunchPlanSpecSchema, { securityContext: sa("lp-sa") }),
      app: appWith({ k8sServiceAccount: "app-sa" }),
      executionIdentity: "bob",
    });
    assert.equal(cfg.securityContext?.runAs?.k8sServiceAccount, "lp-sa");
    assert.equal(cfg.securityContext?.runAs?.executionIdentity, "bob");
  });

  test("the deprecated auth fields come before the app config", () => {
    const cfg = resolveExecutionConfig({
      requestSpec: create(ExecutionSpecSchema),
      launchPlanSpec: create(LaunchPlanSpecSchema, { role: "arn:lp-role" }),
      app: appWith({ k8sServiceAccount: "app-sa" }),
      executionIdentity: "",
    });
    assert.equal(cfg.securityContext?.runAs?.iamRole, "arn:lp-role");
    assert.equal(cfg.securityContext?.runAs?.k8sServiceAccount, "");
  });

  test("the app's service account when nothing else names one", () => {
    const cfg = resolveExecutionConfig({
      requestSpec: create(ExecutionSpecSchema),
      app: appWith({ k8sServiceAccount: "app-sa", assumableIamRole: "arn:app" }),
      executionIdentity: "",
    });
    assert.equal(cfg.securityContext?.runAs?.k8sServiceAccount, "app-sa");
    assert.equal(cfg.securityContext?.runAs?.iamRole, "arn:app");
  });
});

describe("resolveAuthRole", () => {
  const cases: [string, Parameters<typeof resolveAuthRole>, [string, string]][] = [
    ["none", [undefined, undefined], ["", ""]],
    [
      "request auth_role first",
      [
        create(ExecutionSpecSchema, { authRole: { assumableIamRole: "req" } }),
        create(LaunchPlanSpecSchema, { role: "lp" }),
      ],
      ["req", ""],
    ],
    [
      "launch plan auth_role",
      [create(ExecutionSpecSchema), create(LaunchPlanSpecSchema, { authRole: { kubernetesServiceAccount: "sa" } })],
      ["", "sa"],
    ],
    [
      "launch plan auth",
      [
        create(ExecutionSpecSchema),
        create(LaunchPlanSpecSchema, { auth: { assumableIamRole: "r", kubernetesServiceAccount: "s" } }),
      ],
      ["r", "s"],
    ],
    [
      "launch plan role as IAM role",
      [create(ExecutionSpecSchema), create(LaunchPlanSpecSchema, { role: "old" })],
      ["old", ""],
    ],
  ];
  for (const [name, args, [iam, sa]] of cases) {
    test(name, () => {
      const r = resolveAuthRole(...args);
      assert.deepEqual([r.assumableIamRole, r.kubernetesServiceAccount], [iam, sa]);
    });
  }
});
