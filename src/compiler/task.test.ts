import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, type JsonObject, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { CompiledTaskSchema } from "../proto/gen/flyteidl/core/compiler_pb.js";
import {
  ContainerSchema,
  Resources_ResourceName,
  type TaskTemplate,
  TaskTemplateSchema,
} from "../proto/gen/flyteidl/core/tasks_pb.js";
import { formatCompileError } from "./errors.js";
import { isDns1123Label } from "./pod-spec.js";
import { compileTask } from "./task.js";
import { id, iface, t } from "./test-support.js";

function containerTask(container: MessageInitShape<typeof ContainerSchema>, withIface = true): TaskTemplate {
  return create(TaskTemplateSchema, {
    id: id("t"),
    type: "python-task",
    interface: withIface ? iface({ x: t.int() }, { o0: t.int() }) : undefined,
    target: {
      case: "container",
      value: create(ContainerSchema, { image: "img:1", args: ["pyflyte-execute"], ...container }),
    },
  });
}

function podTask(podSpec: JsonObject | undefined): TaskTemplate {
  return create(TaskTemplateSchema, { id: id("t"), type: "sidecar", target: { case: "k8sPod", value: { podSpec } } });
}

function errorsOf(template: TaskTemplate): string[] {
  const r = compileTask(template);
  return "errors" in r ? r.errors.map(formatCompileError) : [];
}

const resource = (name: Resources_ResourceName, value: string) => ({ name, value });

describe("compileTask", () => {
  const cases: Array<[string, TaskTemplate, string[]]> = [
    ["a valid container task", containerTask({}), []],
    [
      "missing id",
      create(TaskTemplateSchema, { ...containerTask({}), id: undefined }),
      ["Code: ValueRequired, Node Id: root, Description: Value required [Id]."],
    ],
    [
      "missing image",
      containerTask({ image: "" }),
      ["Code: ValueRequired, Node Id: container, Description: Value required [image]."],
    ],
    [
      "no command or args although the interface has variables",
      containerTask({ args: [] }),
      ["Code: ValueRequired, Node Id: container, Description: Value required [command]."],
    ],
    ["no command or args and no interface", containerTask({ args: [] }, false), []],
    ["command without args", containerTask({ args: [], command: ["run"] }), []],
    [
      "unparseable resource quantities, requests and limits",
      containerTask({
        resources: {
          requests: [resource(Resources_ResourceName.CPU, "1.5"), resource(Resources_ResourceName.MEMORY, "1GB")],
          limits: [resource(Resources_ResourceName.GPU, "x")],
        },
      }),
      [
        "Code: UnrecognizedValue, Node Id: resources.GPU, Description: Unrecognized value [x].",
        "Code: UnrecognizedValue, Node Id: resources.MEMORY, Description: Unrecognized value [1GB].",
      ],
    ],
    [
      "a pod task with valid container names",
      podTask({ containers: [{ name: "primary" }, { name: "side-car-2" }] }),
      [],
    ],
    [
      "a pod task without pod spec",
      podTask(undefined),
      ["Code: InvalidValue, Node Id: root, Description: Invalid value [k8s pod spec]."],
    ],
    [
      "a pod spec that does not decode (containers is not a list)",
      podTask({ containers: { name: "x" } }),
      ["Code: InvalidValue, Node Id: root, Description: Invalid value [k8s pod spec]."],
    ],
    [
      "a pod spec with a bad quantity",
      podTask({ containers: [{ name: "x", resources: { limits: { cpu: "lots" } } }] }),
      ["Code: InvalidValue, Node Id: root, Description: Invalid value [k8s pod spec]."],
    ],
    [
      "container names that are not DNS-1123 labels",
      podTask({ containers: [{ name: "Primary" }, { image: "no-name" }], initContainers: [{ name: "Init_OK" }] }),
      ["Code: InvalidValue, Node Id: root, Description: Invalid value [k8s pod spec container name]."],
    ],
    ["a sql task is not checked", create(TaskTemplateSchema, { id: id("t"), target: { case: "sql", value: {} } }), []],
  ];
  for (const [name, template, expected] of cases) {
    it(name, () => assert.deepEqual(errorsOf(template), expected));
  }

  it("returns a copy of the template that serialises identically", () => {
    const template = containerTask({});
    const r = compileTask(template);
    assert.ok("compiledTask" in r);
    assert.notEqual(r.compiledTask.template, template);
    assert.deepEqual(
      toBinary(CompiledTaskSchema, r.compiledTask),
      toBinary(CompiledTaskSchema, create(CompiledTaskSchema, { template })),
    );
  });
});

describe("isDns1123Label", () => {
  const cases: Array<[string, boolean]> = [
    ["a", true],
    ["a-1", true],
    ["1a", true],
    ["", false],
    ["-a", false],
    ["a-", false],
    ["A", false],
    ["a.b", false],
    ["a".repeat(63), true],
    ["a".repeat(64), false],
  ];
  for (const [name, expected] of cases) it(JSON.stringify(name), () => assert.equal(isDns1123Label(name), expected));
});
