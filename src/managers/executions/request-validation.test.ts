import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { AdminError, Code } from "../../errors/admin-error.js";
import { ExecutionCreateRequestSchema } from "../../proto/gen/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "../../proto/gen/flyteidl/core/execution_pb.js";
import { ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { LiteralSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { validateRequestKey, validateRequestSpec } from "./request-validation.js";
import { datetimeLit, intLit } from "./test-literals.js";

type Init = MessageInitShape<typeof ExecutionCreateRequestSchema>;
const LP = { resourceType: ResourceType.LAUNCH_PLAN, project: "p", domain: "d", name: "lp", version: "v1" };
const ok: Init = { project: "p", domain: "d", spec: { launchPlan: LP } };

function refused(init: Init, message: string) {
  const req = create(ExecutionCreateRequestSchema, init);
  assert.throws(
    () => {
      validateRequestKey(req);
      validateRequestSpec(req);
    },
    (e: unknown) => {
      assert.ok(e instanceof AdminError);
      assert.equal(e.code, Code.INVALID_ARGUMENT);
      assert.equal(e.message, message);
      return true;
    },
  );
}

describe("execution request validation", () => {
  test("a complete request passes", () => {
    const req = create(ExecutionCreateRequestSchema, ok);
    validateRequestKey(req);
    validateRequestSpec(req);
  });

  const email = (recipients: string[], phases = [WorkflowExecution_Phase.FAILED]) => ({
    phases,
    type: { case: "email" as const, value: { recipientsEmail: recipients } },
  });
  const cases: [string, Init, string][] = [
    ["project", { domain: "d" }, "missing project"],
    ["domain", { project: "p" }, "missing domain"],
    [
      "upper-case name",
      { ...ok, name: "Run1" },
      "invalid name format: Run1, does not match regex '^[a-z][a-z\\-0-9]*$'",
    ],
    ["spec", { project: "p", domain: "d" }, "missing spec"],
    ["launch plan id", { project: "p", domain: "d", spec: {} }, "missing id"],
    ["launch plan project", { ...ok, spec: { launchPlan: { ...LP, project: "" } } }, "missing project"],
    ["launch plan version", { ...ok, spec: { launchPlan: { ...LP, version: "" } } }, "missing version"],
    [
      "resource type",
      { ...ok, spec: { launchPlan: { ...LP, resourceType: ResourceType.WORKFLOW } } },
      "Invalid reference entity resource type [WORKFLOW], only [map[TASK:<nil> LAUNCH_PLAN:<nil>]] allowed",
    ],
    ["input key", { ...ok, inputs: { literals: { "": intLit(1) } } }, "missing key in inputs"],
    [
      "input literal",
      { ...ok, inputs: { literals: { x: create(LiteralSchema) } } },
      "missing valid literal in inputs x",
    ],
    [
      "datetime before year 1",
      { ...ok, inputs: { literals: { t: datetimeLit(-62135596801n) } } },
      "proto: timestamp (seconds:-62135596801) before 0001-01-01",
    ],
    [
      "datetime after 9999",
      { ...ok, inputs: { literals: { t: datetimeLit(253402300800n) } } },
      "proto: timestamp (seconds:253402300800) after 9999-12-31",
    ],
    [
      "every literal is checked, not only up to the first datetime",
      { ...ok, inputs: { literals: { a: datetimeLit(1n), b: create(LiteralSchema) } } },
      "missing valid literal in inputs b",
    ],
    [
      "notification without recipients",
      {
        ...ok,
        spec: {
          launchPlan: LP,
          notificationOverrides: { case: "notifications", value: { notifications: [email([])] } },
        },
      },
      "missing recipients",
    ],
    [
      "notification with an empty recipient",
      {
        ...ok,
        spec: {
          launchPlan: LP,
          notificationOverrides: { case: "notifications", value: { notifications: [email(["a@b", ""])] } },
        },
      },
      "missing recipient",
    ],
    [
      "notification without a type",
      {
        ...ok,
        spec: {
          launchPlan: LP,
          notificationOverrides: { case: "notifications", value: { notifications: [{ phases: [] }] } },
        },
      },
      "invalid value for notification type",
    ],
    [
      "notification on a non-terminal phase",
      {
        ...ok,
        spec: {
          launchPlan: LP,
          notificationOverrides: {
            case: "notifications",
            value: { notifications: [email(["a@b"], [WorkflowExecution_Phase.RUNNING])] },
          },
        },
      },
      "invalid value for phase",
    ],
    [
      "too many labels",
      {
        ...ok,
        spec: {
          launchPlan: LP,
          labels: { values: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) },
        },
      },
      "labels map cannot exceed 16 entries",
    ],
  ];
  for (const [name, init, message] of cases) test(`refuses: ${name}`, () => refused(init, message));
});
