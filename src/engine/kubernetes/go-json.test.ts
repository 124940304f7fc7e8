import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { WorkflowExecutionIdentifierSchema } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { SecurityContextSchema } from "../../proto/gen/flyteidl/core/security_pb.js";
import { K8sPodSchema } from "../../proto/gen/flyteidl/core/tasks_pb.js";
import { goName, goStructJson } from "./go-json.js";

test("proto field names, zero values omitted, enums as numbers, nil as {}", () => {
  const ctx = create(SecurityContextSchema, {
    runAs: { k8sServiceAccount: "sa" },
    secrets: [{ group: "g", mountRequirement: 1 }],
  });
  assert.deepEqual(goStructJson(SecurityContextSchema, ctx), {
    run_as: { k8s_service_account: "sa" },
    secrets: [{ group: "g", mount_requirement: 1 }],
  });
  assert.deepEqual(goStructJson(SecurityContextSchema, create(SecurityContextSchema, { runAs: {} })), { run_as: {} });
  assert.deepEqual(goStructJson(WorkflowExecutionIdentifierSchema, undefined), {});
});

test("oneofs are objects keyed by Go field names (a Struct inside a pod template)", () => {
  const pod = create(K8sPodSchema, {
    metadata: { labels: { b: "2", a: "1" } },
    podSpec: { containers: [{ name: "primary" }], hostNetwork: true },
    primaryContainerName: "primary",
  });
  assert.deepEqual(goStructJson(K8sPodSchema, pod), {
    metadata: { labels: { a: "1", b: "2" } },
    pod_spec: {
      fields: {
        containers: {
          Kind: {
            ListValue: {
              values: [{ Kind: { StructValue: { fields: { name: { Kind: { StringValue: "primary" } } } } } }],
            },
          },
        },
        hostNetwork: { Kind: { BoolValue: true } },
      },
    },
    primary_container_name: "primary",
  });
});

test("Go names of proto fields", () => {
  assert.equal(goName("run_as"), "RunAs");
  assert.equal(goName("k8s_pod"), "K8SPod");
  assert.equal(goName("string_value"), "StringValue");
});
