/**
 * The console's pure logic, table-driven: the launch form's text -> literal
 * conversion for every input type (and its refusals), literal and type
 * display, the executions filter string, and the graph model of a compiled
 * workflow with a branch, a sub-workflow, a map task and a gate.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { executionFiltersText } from "../console/src/lib/filters.js";
import { graphModel } from "../console/src/lib/graph-model.js";
import { fromText, literalOf, parseDurationText, textOf } from "../console/src/lib/launch-inputs.js";
import { literalValue, typeName } from "../console/src/lib/literals.js";
import { CompiledWorkflowClosureSchema } from "../src/proto/gen/flyteidl/core/compiler_pb.js";
import { type LiteralType, LiteralTypeSchema, SimpleType } from "../src/proto/gen/flyteidl/core/types_pb.js";

const T = (init: MessageInitShape<typeof LiteralTypeSchema>): LiteralType => create(LiteralTypeSchema, init);
const simple = (s: SimpleType) => T({ type: { case: "simple", value: s } });
const INT = simple(SimpleType.INTEGER);
const optional = (t: LiteralType) =>
  T({ type: { case: "unionType", value: { variants: [t, simple(SimpleType.NONE)] } } });

test("launch form: entered text becomes the literal of its type", () => {
  const cases: [string, LiteralType, string, unknown][] = [
    ["int", INT, "42", 42],
    ["negative int", INT, "-7", -7],
    ["float", simple(SimpleType.FLOAT), "2.5", 2.5],
    ["string", simple(SimpleType.STRING), "hello", "hello"],
    ["bool", simple(SimpleType.BOOLEAN), "true", true],
    ["datetime", simple(SimpleType.DATETIME), "2026-12-05T10:00:00", "2026-12-05T10:00:00.000Z"],
    ["duration", simple(SimpleType.DURATION), "1m30s", "1m 30s"],
    ["enum", T({ type: { case: "enumType", value: { values: ["red", "blue"] } } }), "blue", "blue"],
    ["list", T({ type: { case: "collectionType", value: INT } }), "[1, 2, 3]", [1, 2, 3]],
    ["map", T({ type: { case: "mapValueType", value: simple(SimpleType.STRING) } }), '{"a": "x"}', { a: "x" }],
    ["struct", simple(SimpleType.STRUCT), '{"k": [1, {"n": null}]}', { k: [1, { n: null }] }],
    ["optional int", optional(INT), "5", 5],
    ["optional int left empty", optional(INT), "", null],
    [
      "file",
      T({ type: { case: "blob", value: { format: "csv", dimensionality: 0 } } }),
      "s3://b/k.csv",
      { uri: "s3://b/k.csv", format: "csv" },
    ],
  ];
  for (const [name, type, text, shown] of cases) {
    const literal = literalOf(fromText(text, type));
    assert.deepEqual(literalValue(literal), shown, name);
  }
});

test("launch form: malformed values are refused with a message saying what is expected", () => {
  const cases: [LiteralType, string, RegExp][] = [
    [INT, "4.5", /whole number/],
    [INT, "", /whole number/],
    [simple(SimpleType.FLOAT), "abc", /number/],
    [simple(SimpleType.DATETIME), "yesterday", /date/],
    [simple(SimpleType.DURATION), "soon", /duration/],
    [T({ type: { case: "enumType", value: { values: ["red"] } } }), "green", /one of red/],
    [T({ type: { case: "collectionType", value: INT } }), "[1, 2.5]", /whole number/],
    [T({ type: { case: "collectionType", value: INT } }), "{}", /list/],
    [simple(SimpleType.STRUCT), "[1]", /object/],
    [simple(SimpleType.STRUCT), "{", /JSON/],
  ];
  for (const [type, text, message] of cases)
    assert.throws(() => fromText(text, type), message, `${typeName(type)} ${text}`);
});

test("launch form: a default literal fills the control with the text that reads back the same", () => {
  const types = [
    INT,
    simple(SimpleType.DURATION),
    simple(SimpleType.DATETIME),
    T({ type: { case: "collectionType", value: INT } }),
  ];
  const texts = ["12", "90s", "2026-01-02T03:04:05", "[1,2]"];
  types.forEach((t, i) => {
    const literal = literalOf(fromText(texts[i] as string, t));
    assert.deepEqual(literalValue(literalOf(fromText(textOf(literal, t), t))), literalValue(literal));
  });
  assert.equal(parseDurationText("1h30m"), 5_400_000);
  assert.equal(parseDurationText("250ms"), 250);
});

test("type names read as flytekit users write them", () => {
  assert.equal(typeName(INT), "int");
  assert.equal(typeName(optional(INT)), "Optional[int]");
  assert.equal(
    typeName(
      T({
        type: { case: "mapValueType", value: T({ type: { case: "collectionType", value: simple(SimpleType.FLOAT) } }) },
      }),
    ),
    "dict[str, list[float]]",
  );
  assert.equal(typeName(T({ type: { case: "blob", value: { dimensionality: 1 } } })), "directory");
});

test("executions filter string as FlyteAdmin parses it", () => {
  assert.equal(executionFiltersText({ phases: [], workflow: "", launchPlan: "" }), "");
  assert.equal(
    executionFiltersText({
      phases: ["FAILED", "ABORTED"],
      workflow: "wf",
      launchPlan: "lp",
      since: Date.UTC(2026, 0, 1),
    }),
    "value_in(phase,FAILED;ABORTED)+eq(workflow.name,wf)+eq(launch_plan.name,lp)+gte(execution_created_at,2026-01-01T00:00:00.000Z)",
  );
});

test("graph model: nodes, arrows, a branch's cases and a sub-workflow's nodes inside, map task and gate kinds", () => {
  const task = { resourceType: 1, project: "p", domain: "d", name: "mod.t", version: "v" };
  const sub = { resourceType: 2, project: "p", domain: "d", name: "mod.sub", version: "v" };
  const taskNode = (id: string) => ({
    id,
    target: { case: "taskNode" as const, value: { reference: { case: "referenceId" as const, value: task } } },
  });
  const closure = create(CompiledWorkflowClosureSchema, {
    primary: {
      template: {
        id: { ...sub, name: "mod.main" },
        nodes: [
          { id: "start-node" },
          { id: "end-node" },
          taskNode("a"),
          {
            id: "b",
            target: {
              case: "branchNode",
              value: {
                ifElse: {
                  case: { thenNode: taskNode("b-then") },
                  default: { case: "elseNode", value: taskNode("b-else") },
                },
              },
            },
          },
          { id: "c", target: { case: "workflowNode", value: { reference: { case: "subWorkflowRef", value: sub } } } },
          { id: "m", target: { case: "arrayNode", value: { node: taskNode("inner") } } },
          {
            id: "g",
            target: { case: "gateNode", value: { condition: { case: "approve", value: { signalId: "ok" } } } },
          },
        ],
      },
      connections: {
        downstream: {
          "start-node": { ids: ["a"] },
          a: { ids: ["b", "c", "m"] },
          b: { ids: ["g"] },
          c: { ids: ["g"] },
          m: { ids: ["g"] },
          g: { ids: ["end-node"] },
        },
      },
    },
    subWorkflows: [
      {
        template: { id: sub, nodes: [{ id: "start-node" }, { id: "end-node" }, taskNode("s1"), taskNode("s2")] },
        connections: { downstream: { "start-node": { ids: ["s1"] }, s1: { ids: ["s2"] }, s2: { ids: ["end-node"] } } },
      },
    ],
  });
  const model = graphModel(closure);
  const kinds = Object.fromEntries(model.boxes.map((b) => [b.id, b.kind]));
  assert.deepEqual(kinds, {
    "start-node": "start",
    "end-node": "end",
    a: "task",
    b: "branch",
    "b/b-then": "task",
    "b/b-else": "task",
    c: "sub-workflow",
    "c/s1": "task",
    "c/s2": "task",
    m: "map",
    g: "gate",
  });
  const arrows = model.arrows.map((a) => `${a.from}->${a.to}${a.label ? `:${a.label}` : ""}`).sort();
  for (const expected of [
    "start-node->a",
    "a->b",
    "b->b/b-then:if",
    "b->b/b-else:else",
    "c->c/s1",
    "c/s1->c/s2",
    "g->end-node",
  ]) {
    assert.ok(arrows.includes(expected), `${expected} in ${arrows.join(", ")}`);
  }
  assert.ok(
    !arrows.some((a) => a.includes("c/start-node") || a.includes("c/end-node")),
    "a sub-workflow's start and end are not drawn",
  );
});

test("graph model: the workflow a dynamic node generated is drawn inside its box, with or without connections", () => {
  const task = { resourceType: 1, project: "p", domain: "d", name: "mod.t", version: "v" };
  const taskNode = (id: string, upstream: string[] = []) => ({
    id,
    upstreamNodeIds: upstream,
    target: { case: "taskNode" as const, value: { reference: { case: "referenceId" as const, value: task } } },
  });
  const closure = create(CompiledWorkflowClosureSchema, {
    primary: {
      template: { id: { ...task, resourceType: 2, name: "mod.main" }, nodes: [taskNode("dyn"), taskNode("after")] },
      connections: { downstream: { "start-node": { ids: ["dyn"] }, dyn: { ids: ["after"] } } },
    },
  });
  const generated = create(CompiledWorkflowClosureSchema, {
    primary: {
      template: {
        id: { ...task, resourceType: 2, name: "dyn.generated" },
        nodes: [{ id: "start-node" }, { id: "end-node" }, taskNode("d0", ["start-node"]), taskNode("d1", ["d0"])],
      },
    },
  });
  const model = graphModel(
    closure,
    new Map([
      ["dyn", generated],
      ["gone", generated],
    ]),
  );
  assert.deepEqual(
    model.boxes.filter((b) => b.parent === "dyn").map((b) => b.id),
    ["dyn/d0", "dyn/d1"],
  );
  const arrows = model.arrows.map((a) => `${a.from}->${a.to}`);
  for (const expected of ["dyn->dyn/d0", "dyn/d0->dyn/d1", "dyn->after"])
    assert.ok(arrows.includes(expected), expected);
  assert.ok(!model.boxes.some((b) => b.id.startsWith("gone")), "a node the workflow does not have is not invented");
  assert.equal(graphModel(closure).boxes.filter((b) => b.parent === "dyn").length, 0, "no data: a plain task box");
});
