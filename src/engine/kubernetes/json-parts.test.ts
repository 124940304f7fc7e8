import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { Resources_ResourceName, ResourcesSchema } from "../../proto/gen/flyteidl/core/tasks_pb.js";
import { fnv1a32, sanitizeLabelValue } from "./flyteworkflow-builder.js";
import { float32Json, goDeadline, goDurationText, quantityJson, resourceRequirements } from "./json-parts.js";
import { goTimeText } from "./prepare.js";

test("FNV-1a 32 matches the published test vectors", () => {
  assert.equal(fnv1a32(""), 0x811c9dc5);
  assert.equal(fnv1a32("a"), 0xe40c292c);
  assert.equal(fnv1a32("foobar"), 0xbf9cf968);
});

test("workflow-name label sanitising: lower case, runs of other characters become '-', 63 max, trimmed", () => {
  const cases: Array<[string, string]> = [
    ["workflows.basics.wf", "workflows-basics-wf"],
    ["My_Workflow..Name", "my-workflow-name"],
    ["__x__", "x"],
    ["a".repeat(62) + ".b", "a".repeat(62)],
    ["", ""],
  ];
  for (const [input, want] of cases) assert.equal(sanitizeLabelValue(input), want, input);
});

test("Go duration text", () => {
  const cases: Array<[bigint, string]> = [
    [0n, "0s"],
    [1n, "1ns"],
    [1_500n, "1.5µs"],
    [2_000_000n, "2ms"],
    [1_500_000_000n, "1.5s"],
    [90_000_000_000n, "1m30s"],
    [3_600_000_000_000n, "1h0m0s"],
    [-90_000_000_001n, "-1m30.000000001s"],
    [(1n << 63n) - 1n, "2562047h47m16.854775807s"],
  ];
  for (const [nanos, want] of cases) assert.equal(goDurationText(nanos), want);
});

test("node deadlines: execution = timeout, active = twice; Go's ptypes range and sign rules", () => {
  assert.deepEqual(goDeadline(create(DurationSchema, { seconds: 90n })), { execution: "1m30s", active: "3m0s" });
  assert.equal(goDeadline(undefined), undefined);
  assert.equal(goDeadline(create(DurationSchema, { seconds: 1n, nanos: -1 })), "invalid");
  assert.equal(goDeadline(create(DurationSchema, { seconds: 315_576_000_001n })), "invalid");
  // Representable as a proto Duration but not as a Go time.Duration (about 292 years).
  assert.equal(goDeadline(create(DurationSchema, { seconds: 10_000_000_000n })), "invalid");
});

test("float32 numbers are written with the shortest decimal that reads back (Go's encoding/json)", () => {
  assert.equal(float32Json(Math.fround(0.9)), 0.9);
  assert.equal(float32Json(Math.fround(0.1)), 0.1);
  assert.equal(float32Json(1), 1);
});

test("quantities: canonical text, empty/zero/unparsable as 0", () => {
  assert.equal(quantityJson("1.5Gi"), "1536Mi");
  assert.equal(quantityJson("1000m"), "1");
  assert.equal(quantityJson("0.5"), "500m");
  assert.equal(quantityJson(""), "0");
  assert.equal(quantityJson("lots"), "0");
});

test("resource overrides: the four known resources, zero dropped, keys as Kubernetes names them", () => {
  const r = create(ResourcesSchema, {
    requests: [
      { name: Resources_ResourceName.MEMORY, value: "1Gi" },
      { name: Resources_ResourceName.EPHEMERAL_STORAGE, value: "2Gi" },
      { name: Resources_ResourceName.GPU, value: "0" },
      { name: Resources_ResourceName.UNKNOWN, value: "7" },
    ],
  });
  assert.deepEqual(resourceRequirements(r), { requests: { "ephemeral-storage": "2Gi", memory: "1Gi" } });
  assert.deepEqual(resourceRequirements(create(ResourcesSchema)), {});
  assert.deepEqual(resourceRequirements(undefined), {});
});

test("metav1.Time text: UTC, whole seconds, fraction cut", () => {
  assert.equal(goTimeText(Date.UTC(2026, 0, 15, 10, 30, 45) * 1000 + 999_999), "2026-01-15T10:30:45Z");
});
