import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AdminError, Code } from "../../errors/admin-error.js";
import { ClusterAssignmentSchema } from "../../proto/gen/flyteidl/admin/cluster_assignment_pb.js";
import { ExecutionSpecSchema } from "../../proto/gen/flyteidl/admin/execution_pb.js";
import { LaunchPlanSpecSchema } from "../../proto/gen/flyteidl/admin/launch_plan_pb.js";
import { WorkflowExecution_Phase } from "../../proto/gen/flyteidl/core/execution_pb.js";
import {
  configuredPool,
  namespaceFor,
  notificationsFor,
  preferredMap,
  resolveClusterAssignment,
  withIdentityAnnotations,
  withProjectLabels,
} from "./launch-settings.js";

const invalid = (fn: () => unknown, message: string) =>
  assert.throws(
    fn,
    (e: unknown) => e instanceof AdminError && e.code === Code.INVALID_ARGUMENT && e.message === message,
  );

describe("namespaceFor", () => {
  const cases: [string, string][] = [
    ["", "p-d"],
    ["{{ project }}-{{ domain }}", "p-d"],
    ["flyte-{{ project }}", "flyte-p"],
    ["{{project}}-{{domain}}", "{{project}}-{{domain}}"],
  ];
  for (const [template, ns] of cases) test(`'${template}'`, () => assert.equal(namespaceFor(template, "p", "d"), ns));
});

describe("labels and annotations", () => {
  test("the resolved map wins over the launch plan's; limits count entries (0 = unlimited)", () => {
    assert.deepEqual(preferredMap({ a: "1" }, { b: "2" }, "labels", 0), { a: "1" });
    assert.deepEqual(preferredMap(undefined, { b: "2" }, "labels", 1), { b: "2" });
    invalid(() => preferredMap({ a: "1", b: "2" }, undefined, "labels", 1), "labels has too many entries [2 > 1]");
    invalid(
      () => preferredMap({ a: "1", b: "2", c: "3" }, undefined, "annotations", 2),
      "annotations has too many entries [3 > 2]",
    );
  });

  test("project labels fill keys the execution does not set", () => {
    assert.deepEqual(withProjectLabels({ team: "exec" }, { team: "proj", env: "prod" }), { team: "exec", env: "prod" });
  });

  test("identity annotations: users, applications, existing keys kept, invalid prefix or anonymous skipped", () => {
    const cfg = {
      injectIdentityAnnotations: true,
      identityAnnotationPrefix: "flyte.org",
      identityAnnotationKeys: ["email", "sub", "id"],
    };
    assert.deepEqual(withIdentityAnnotations({ "flyte.org/user-sub": "keep" }, { subject: "u1", email: "u@x" }, cfg), {
      "flyte.org/user-sub": "keep",
      "flyte.org/user-email": "u@x",
    });
    assert.deepEqual(withIdentityAnnotations({}, { subject: "", appId: "app1" }, cfg), {
      "flyte.org/app-email": "app1",
      "flyte.org/app-sub": "app1",
      "flyte.org/app-id": "app1",
    });
    assert.deepEqual(withIdentityAnnotations({}, { subject: "" }, cfg), {});
    assert.deepEqual(
      withIdentityAnnotations({}, { subject: "u" }, { ...cfg, identityAnnotationPrefix: "Bad_Prefix" }),
      {},
    );
    assert.deepEqual(withIdentityAnnotations({}, { subject: "u" }, { ...cfg, injectIdentityAnnotations: false }), {});
  });
});

describe("resolveClusterAssignment", () => {
  const pool = (name: string) => create(ClusterAssignmentSchema, { clusterPoolName: name });
  test("stored unless requested; requested when nothing stored; equal is fine", () => {
    assert.equal(resolveClusterAssignment("p", "d", undefined, pool("a"))?.clusterPoolName, "a");
    assert.equal(resolveClusterAssignment("p", "d", pool(""), pool("a"))?.clusterPoolName, "a");
    assert.equal(resolveClusterAssignment("p", "d", pool("b"), undefined)?.clusterPoolName, "b");
    assert.equal(resolveClusterAssignment("p", "d", pool("a"), pool("a"))?.clusterPoolName, "a");
    assert.equal(resolveClusterAssignment("p", "d", undefined, undefined), undefined);
  });
  test("a different requested pool is refused", () => {
    invalid(
      () => resolveClusterAssignment("p", "d", pool("gpu"), pool("cpu")),
      'execution with project "p" and domain "d" cannot run on cluster pool "gpu", because its configured to run on pool "cpu"',
    );
  });
  test("configured pools per domain", () => {
    assert.equal(configuredPool({ d: { pool: "x" } }, "d")?.clusterPoolName, "x");
    assert.equal(configuredPool({ d: { pool: "" } }, "d"), undefined);
    assert.equal(configuredPool({}, "d"), undefined);
  });
});

describe("notificationsFor", () => {
  const n = (r: string) => ({
    phases: [WorkflowExecution_Phase.FAILED],
    type: { case: "email" as const, value: { recipientsEmail: [r] } },
  });
  const lp = create(LaunchPlanSpecSchema, { entityMetadata: { notifications: [n("lp@x")] } });
  const recipients = (spec: Parameters<typeof notificationsFor>[0]) =>
    notificationsFor(spec, lp).map((x) => (x.type.case === "email" ? x.type.value.recipientsEmail[0] : ""));
  test("request notifications, else none when disabled, else the launch plan's", () => {
    assert.deepEqual(
      recipients(
        create(ExecutionSpecSchema, {
          notificationOverrides: { case: "notifications", value: { notifications: [n("req@x")] } },
        }),
      ),
      ["req@x"],
    );
    assert.deepEqual(
      recipients(
        create(ExecutionSpecSchema, { notificationOverrides: { case: "notifications", value: { notifications: [] } } }),
      ),
      ["lp@x"],
    );
    assert.deepEqual(
      recipients(create(ExecutionSpecSchema, { notificationOverrides: { case: "disableAll", value: true } })),
      [],
    );
    assert.deepEqual(recipients(create(ExecutionSpecSchema)), ["lp@x"]);
  });
});
