import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AdminError } from "../../errors/admin-error.js";
import { IdentifierSchema, ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { Resources_ResourceEntrySchema, Resources_ResourceName } from "../../proto/gen/flyteidl/core/tasks_pb.js";
import { platformLimits, validateContainerResources, validatePodResources } from "./task-resources.js";

const ID = create(IdentifierSchema, {
  resourceType: ResourceType.TASK,
  project: "p",
  domain: "d",
  name: "t",
  version: "v",
});
const { CPU, MEMORY, GPU, STORAGE, EPHEMERAL_STORAGE } = Resources_ResourceName;
const entries = (m: [Resources_ResourceName, string][]) =>
  m.map(([name, value]) => create(Resources_ResourceEntrySchema, { name, value }));

function check(
  requests: [Resources_ResourceName, string][],
  limits: [Resources_ResourceName, string][],
  platform = platformLimits({ cpu: "2", memory: "1Gi", gpu: "1" }),
) {
  return () => validateContainerResources(ID, entries(requests), entries(limits), platform);
}

function refused(fn: () => void, message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof AdminError && message.test(e.message));
}

describe("platformLimits", () => {
  test("keeps set, parsable, non-zero values", () => {
    const m = platformLimits({ cpu: "2", memory: "", gpu: "0", ephemeralStorage: "lots" });
    assert.deepEqual([...m.keys()], [CPU]);
  });
});

describe("validateContainerResources", () => {
  const ok: [string, ReturnType<typeof check>][] = [
    ["nothing requested", check([], [])],
    [
      "within every limit",
      check(
        [
          [CPU, "1"],
          [MEMORY, "512Mi"],
        ],
        [
          [CPU, "2"],
          [MEMORY, "1Gi"],
        ],
      ),
    ],
    ["500m rounds up to the 1 CPU limit", check([[CPU, "1"]], [[CPU, "500m"]])],
    ["limits above the platform are fine without a default", check([], [[CPU, "64"]])],
    ["storage is not checked", check([[STORAGE, "10Ti"]], [])],
    ["no platform limit for ephemeral storage", check([[EPHEMERAL_STORAGE, "1Ti"]], [])],
    ["gpu default equal to its limit", check([[GPU, "1"]], [[GPU, "1"]])],
    ["unlimited platform", check([[CPU, "100"]], [], platformLimits({}))],
  ];
  for (const [name, fn] of ok) test(`accepts: ${name}`, () => assert.doesNotThrow(fn));

  const bad: [string, ReturnType<typeof check>, RegExp][] = [
    [
      "default above limit",
      check([[MEMORY, "2Gi"]], [[MEMORY, "1Gi"]]),
      /^Requested MEMORY default \[2Gi\] is greater than the limit \[1Gi\]/,
    ],
    [
      "1500m rounds to 2 > 1",
      check([[CPU, "1500m"]], [[CPU, "1"]]),
      /^Requested CPU default \[1500m\] is greater than the limit \[1\]/,
    ],
    [
      "limit above platform",
      check([[CPU, "1"]], [[CPU, "3"]]),
      /^Requested CPU limit \[3\] is greater than current limit set in the platform configuration \[2\]/,
    ],
    [
      "default above platform",
      check([[MEMORY, "2Gi"]], []),
      /^Requested MEMORY default \[2Gi\] is greater than current limit set in the platform configuration \[1Gi\]/,
    ],
    [
      "gpu default not its limit",
      check([[GPU, "1"]], [[GPU, "2"]]),
      /^For extended resource 'gpu' the default value must equal the limit value for task \[resource_type:TASK/,
    ],
    [
      "gpu above platform",
      check([[GPU, "2"]], []),
      /^Requested GPU default \[2\] is greater than current limit set in the platform configuration \[1\]/,
    ],
    ["fractional gpu", check([[GPU, "1.5"]], []), /^gpu for \[.*\] must be a whole number, got: 1\.5 instead$/],
    [
      "duplicate entry",
      check(
        [
          [CPU, "1"],
          [CPU, "1"],
        ],
        [],
      ),
      /^can't specify CPU limit for task \[.*\] multiple times$/,
    ],
    [
      "bad quantity",
      check([[CPU, "one"]], []),
      /^Parsing of CPU request failed for value one - reason {2}quantities must match/,
    ],
  ];
  for (const [name, fn, message] of bad) test(`refuses: ${name}`, () => refused(fn, message));
});

describe("validatePodResources", () => {
  const platform = platformLimits({ cpu: "2", ephemeralStorage: "1Gi" });
  test("each container is checked; ephemeral-storage is EPHEMERAL_STORAGE", () => {
    assert.doesNotThrow(() =>
      validatePodResources(ID, { containers: [{ name: "a", resources: { requests: { cpu: "1" } } }] }, platform),
    );
    refused(
      () =>
        validatePodResources(
          ID,
          { containers: [{ name: "a" }, { name: "b", resources: { requests: { "ephemeral-storage": "2Gi" } } }] },
          platform,
        ),
      /^Requested EPHEMERAL_STORAGE default \[2Gi\] is greater than current limit/,
    );
  });
  test("extended resources such as nvidia.com/gpu are not checked", () => {
    assert.doesNotThrow(() =>
      validatePodResources(ID, { containers: [{ resources: { requests: { "nvidia.com/gpu": "8" } } }] }, platform),
    );
  });
});
