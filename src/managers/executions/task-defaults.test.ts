import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { TaskResourceSpecSchema } from "../../proto/gen/flyteidl/admin/matchable_resource_pb.js";
import { CompiledWorkflowClosureSchema } from "../../proto/gen/flyteidl/core/compiler_pb.js";
import { Resources_ResourceName as R } from "../../proto/gen/flyteidl/core/tasks_pb.js";
import { applyExecutionQueue, applyTaskResourceDefaults, pickExecutionQueue } from "./task-defaults.js";

type Entries = [R, string][];
function closureWith(requests: Entries, limits: Entries, target: "container" | "none" = "container") {
  const entries = (e: Entries) => e.map(([name, value]) => ({ name, value }));
  return create(CompiledWorkflowClosureSchema, {
    tasks: [
      {
        template: {
          target:
            target === "container"
              ? {
                  case: "container",
                  value: { image: "img", resources: { requests: entries(requests), limits: entries(limits) } },
                }
              : { case: undefined },
        },
      },
    ],
  });
}
const resources = (c: ReturnType<typeof closureWith>) => {
  const t = c.tasks[0]?.template?.target;
  if (t?.case !== "container") return undefined;
  const text = (e: { name: R; value: string }[] = []) => e.map((x) => `${R[x.name]}=${x.value}`).join(",");
  return [text(t.value.resources?.requests), text(t.value.resources?.limits)];
};
const platform = (d: object, l: object) => ({
  defaults: create(TaskResourceSpecSchema, d),
  limits: create(TaskResourceSpecSchema, l),
});

describe("applyTaskResourceDefaults", () => {
  const cases: [string, Entries, Entries, ReturnType<typeof platform>, [string, string]][] = [
    [
      "nothing set: platform defaults, limit = request",
      [],
      [],
      platform({ cpu: "2", memory: "200Mi" }, { cpu: "2", memory: "1Gi", gpu: "1" }),
      ["CPU=2,MEMORY=200Mi", "CPU=2,MEMORY=200Mi"],
    ],
    [
      "task request kept, capped by the platform limit; the limit defaults to the request",
      [
        [R.CPU, "4"],
        [R.MEMORY, "500Mi"],
      ],
      [],
      platform({ cpu: "1", memory: "100Mi" }, { cpu: "2", memory: "1Gi" }),
      ["CPU=2,MEMORY=500Mi", "CPU=2,MEMORY=500Mi"],
    ],
    [
      "only a limit: the request takes it; a request above its limit is lowered",
      [[R.MEMORY, "2Gi"]],
      [
        [R.CPU, "500m"],
        [R.MEMORY, "1Gi"],
      ],
      platform({ cpu: "1", memory: "100Mi" }, { cpu: "4", memory: "8Gi" }),
      ["CPU=500m,MEMORY=1Gi", "CPU=500m,MEMORY=1Gi"],
    ],
    [
      "GPU and ephemeral storage only when asked for or defaulted; STORAGE is dropped",
      [
        [R.GPU, "1"],
        [R.STORAGE, "1Gi"],
      ],
      [],
      platform({ cpu: "1", memory: "1Gi", ephemeralStorage: "5Gi" }, {}),
      ["CPU=1,MEMORY=1Gi,EPHEMERAL_STORAGE=5Gi,GPU=1", "CPU=1,MEMORY=1Gi,EPHEMERAL_STORAGE=5Gi,GPU=1"],
    ],
    ["no platform values at all", [], [], platform({}, {}), ["CPU=0,MEMORY=0", "CPU=0,MEMORY=0"]],
  ];
  for (const [name, requests, limits, p, expected] of cases) {
    test(name, () => {
      const c = closureWith(requests, limits);
      applyTaskResourceDefaults(c, p);
      assert.deepEqual(resources(c), expected);
    });
  }
  test("tasks without a container are left alone", () => {
    const c = closureWith([], [], "none");
    applyTaskResourceDefaults(c, platform({ cpu: "1" }, {}));
    assert.equal(c.tasks[0]?.template?.target.case, undefined);
  });
});

describe("execution queues", () => {
  const cfg = {
    executionQueues: [
      { dynamic: "gpu-q", attributes: ["gpu"] },
      { dynamic: "default-q", attributes: ["default"] },
      { dynamic: "prod-q", attributes: ["prod"] },
    ],
    workflowConfigs: [
      { domain: "production", tags: ["prod"] },
      { domain: "", tags: ["default"] },
    ],
  };
  test("attribute tags first, then the domain's workflow config, then the default one", () => {
    assert.equal(pickExecutionQueue(cfg, ["nope", "gpu"], "production"), "gpu-q");
    assert.equal(pickExecutionQueue(cfg, ["nope"], "production"), "prod-q");
    assert.equal(pickExecutionQueue(cfg, undefined, "development"), "default-q");
    assert.equal(pickExecutionQueue({ executionQueues: [], workflowConfigs: [] }, ["gpu"], "d"), "");
  });
  test("the queue becomes child_queue on container tasks", () => {
    const c = closureWith([], []);
    applyExecutionQueue(c, "gpu-q");
    const t = c.tasks[0]?.template?.target;
    assert.ok(t?.case === "container");
    assert.deepEqual(
      t.value.config.map((kv) => [kv.key, kv.value]),
      [["child_queue", "gpu-q"]],
    );
  });
});
