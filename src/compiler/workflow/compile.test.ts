import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clone, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  CompiledTaskSchema,
  type CompiledWorkflow,
  type CompiledWorkflowClosure,
  CompiledWorkflowClosureSchema,
  type ConnectionSet,
} from "../../proto/gen/flyteidl/core/compiler_pb.js";
import { type Node, type WorkflowTemplate, WorkflowTemplateSchema } from "../../proto/gen/flyteidl/core/workflow_pb.js";
import { formatCompileErrors } from "../errors.js";
import {
  arrayNode,
  bd,
  bind,
  branchNode,
  eq,
  gateNode,
  iface,
  launchPlan,
  launchPlanNode,
  operand,
  subWorkflowNode,
  t,
  task,
  taskNode,
  wire,
  workflow,
} from "../test-support.js";
import { compileWorkflow } from "./compile.js";

const TASKS = [
  task("sq", iface({ x: t.int() }, { o0: t.int() })),
  task("add", iface({ a: t.int(), b: t.int() }, { o0: t.int() })),
  task("greet_many", iface({ name: t.list(t.str()) }, { o0: t.list(t.str()) })),
];
const LP = launchPlan("lp", { x: t.int() }, { y: t.int() }, { o0: t.int() });

function subWorkflow(): WorkflowTemplate {
  return workflow(
    "sub",
    iface({ a: t.int() }, { o0: t.int() }),
    [taskNode("s0", "sq", [wire("x", "", "a")]), taskNode("s1", "sq", [wire("x", "s0")])],
    [wire("o0", "s1")],
  );
}

/**
 * A flytekit-shaped pipeline: a task, a sub-workflow, a branch (if/elif/else), a map over names (array node),
 * approve, signal and sleep gates, a launch plan and a failure node.
 */
function pipeline(): WorkflowTemplate {
  const branch = branchNode(
    "n2",
    [
      { when: eq(operand("n1.o0"), operand({ value: 1n })), node: taskNode("n0", "sq", [wire("x", "n1")]) },
      {
        when: eq(operand("n1.o0"), operand({ value: 2n })),
        node: taskNode("n1", "add", [wire("a", "n1"), wire("b", "", "n")]),
      },
    ],
    taskNode("n2", "sq", [wire("x", "", "n")]),
    [wire("n1.o0", "n1")],
  );
  const nodes: Node[] = [
    taskNode("n0", "sq", [wire("x", "", "n")]),
    subWorkflowNode("n1", "sub", [wire("a", "n0")]),
    branch,
    arrayNode("n3", taskNode("n0", "greet_many"), [wire("name", "", "names")]),
    gateNode("n4", "approve", [wire("x", "n2")]),
    gateNode("n5", { signal: "confirm", type: t.bool(), output: "o0" }),
    gateNode("n6", "sleep", [], { upstream: ["n5", "n4"] }),
    launchPlanNode("n7", "lp", [wire("x", "n4", "x")]),
  ];
  return workflow(
    "pipeline",
    iface({ n: t.int(), names: t.list(t.str()) }, { total: t.int(), greeting: t.str(), approved: t.int() }),
    nodes,
    [wire("total", "n7"), wire("greeting", "n3", "[0].o0"), wire("approved", "n4", "x")],
    taskNode("fn", "sq", [wire("x", "", "n")]),
  );
}

function compileOk(template: WorkflowTemplate, subs: WorkflowTemplate[] = []): CompiledWorkflowClosure {
  const r = compileWorkflow(template, subs, TASKS, [LP]);
  if ("errors" in r) assert.fail(formatCompileErrors(r.errors));
  return r.closure;
}

function edges(c: ConnectionSet | undefined, side: "upstream" | "downstream"): Record<string, string[]> {
  return Object.fromEntries(Object.entries(c?.[side] ?? {}).map(([k, v]) => [k, v.ids]));
}

const nodeIds = (wf: CompiledWorkflow | undefined) => wf?.template?.nodes.map((n) => n.id);

describe("compileWorkflow (flytekit-shaped pipeline)", () => {
  const unused = workflow("unused", iface(), [taskNode("u0", "sq", [bind("x", bd.value(1n))])]);
  const closure = compileOk(pipeline(), [subWorkflow(), unused]);
  const primary = closure.primary;

  it("lists start, end, then the user nodes in input order", () => {
    assert.deepEqual(nodeIds(primary), ["start-node", "end-node", "n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7"]);
  });

  it("renames branch case nodes under their branch", () => {
    const branch = primary?.template?.nodes.find((n) => n.id === "n2")?.target;
    assert.equal(branch?.case, "branchNode");
    const ifElse = branch.value.ifElse;
    assert.deepEqual(
      [
        ifElse?.case?.thenNode?.id,
        ifElse?.other[0]?.thenNode?.id,
        ifElse?.default.case === "elseNode" ? ifElse.default.value.id : undefined,
      ],
      ["n2-n0", "n2-n1", "n2-n2"],
    );
  });

  it("connects nodes downstream from bindings, explicit ids and orphans", () => {
    assert.deepEqual(edges(primary?.connections, "downstream"), {
      "start-node": ["n0", "n3", "n5"],
      n0: ["n1"],
      n1: ["n2"],
      n2: ["n4"],
      n3: ["end-node"],
      n4: ["end-node", "n6", "n7"],
      n5: ["n6"],
      n6: ["end-node"],
      n7: ["end-node"],
    });
  });

  it("lists branch case nodes and the failure node only upstream", () => {
    assert.deepEqual(edges(primary?.connections, "upstream"), {
      "end-node": ["n3", "n4", "n6", "n7"],
      fn: ["start-node"],
      n0: ["start-node"],
      n1: ["n0"],
      n2: ["n1"],
      "n2-n0": ["n1"],
      "n2-n1": ["n1", "start-node"],
      "n2-n2": ["start-node"],
      n3: ["start-node"],
      n4: ["n2"],
      n5: ["start-node"],
      n6: ["n4", "n5"],
      n7: ["n4"],
    });
  });

  it("sorts upstream_node_ids and gives the end node the workflow's output bindings", () => {
    const byId = new Map(primary?.template?.nodes.map((n) => [n.id, n]));
    assert.deepEqual(byId.get("n6")?.upstreamNodeIds, ["n4", "n5"]);
    assert.deepEqual(
      byId.get("end-node")?.inputs.map((b) => b.var),
      ["total", "greeting", "approved"],
    );
  });

  it("normalises promises from the workflow inputs to start-node", () => {
    const n0 = primary?.template?.nodes.find((n) => n.id === "n0");
    const promise = n0?.inputs[0]?.binding?.value;
    assert.equal(promise?.case === "promise" ? promise.value.nodeId : undefined, "start-node");
  });

  it("compiles referenced sub-workflows in place and keeps unreferenced ones raw", () => {
    const [sub, raw] = closure.subWorkflows;
    assert.deepEqual(nodeIds(sub), ["start-node", "end-node", "s0", "s1"]);
    assert.deepEqual(edges(sub?.connections, "downstream"), {
      "start-node": ["s0"],
      s0: ["s1"],
      s1: ["end-node"],
    });
    assert.deepEqual(edges(sub?.connections, "upstream"), { "end-node": ["s1"], s0: ["start-node"], s1: ["s0"] });
    assert.deepEqual(nodeIds(raw), ["u0"]);
    assert.equal(raw?.connections, undefined);
  });

  it("passes every task through once and fills no launch plans", () => {
    assert.deepEqual(
      closure.tasks.map((x) => x.template?.id?.name),
      ["sq", "add", "greet_many"],
    );
    assert.equal(closure.launchPlans.length, 0);
  });

  it("gives a workflow without interface empty input and output maps", () => {
    const template = workflow("w", iface(), [taskNode("a", "sq", [bind("x", bd.value(1n))])]);
    template.interface = undefined;
    const r = compileWorkflow(template, [], TASKS, []);
    assert.ok("closure" in r);
    const compiled = r.closure.primary?.template?.interface;
    assert.deepEqual([compiled?.inputs?.variables, compiled?.outputs?.variables], [{}, {}]);
  });
});

describe("compileWorkflow rules", () => {
  it("drops a second node with the same id, and user nodes named start-node", () => {
    const closure = compileOk(
      workflow("w", iface(), [
        taskNode("a", "sq", [bind("x", bd.value(1n))]),
        taskNode("a", "add", [bind("a", bd.value(1n))]),
        taskNode("start-node", "sq"),
      ]),
    );
    assert.deepEqual(nodeIds(closure.primary), ["start-node", "end-node", "a"]);
    assert.equal(closure.primary?.template?.nodes[0]?.target.case, undefined);
  });

  it("runs a node without inputs from the start and waits for it at the end", () => {
    const closure = compileOk(workflow("w", iface(), [gateNode("s", "sleep")]));
    assert.deepEqual(edges(closure.primary?.connections, "downstream"), { "start-node": ["s"], s: ["end-node"] });
  });

  it("lets a launch plan node leave defaulted inputs unbound but bind them if it wants", () => {
    const both = compileOk(
      workflow("w", iface(), [launchPlanNode("l", "lp", [bind("x", bd.value(1n)), bind("y", bd.value(2n))])]),
    );
    assert.ok(both.primary);
  });

  it("exposes an approve gate's inputs as its outputs", () => {
    const closure = compileOk(
      workflow(
        "w",
        iface({ a: t.int() }, { b: t.int() }),
        [gateNode("g", "approve", [wire("v", "", "a")])],
        [wire("b", "g", "v")],
      ),
    );
    assert.deepEqual(edges(closure.primary?.connections, "upstream")["end-node"], ["g"]);
  });

  it("offers a branch only the outputs all cases share", () => {
    const wf = (output: string) =>
      workflow(
        "w",
        iface({ n: t.int() }, { r: t.int() }),
        [
          branchNode(
            "b",
            [{ when: eq(operand("n"), operand({ value: 1n })), node: taskNode("t", "sq", [wire("x", "", "n")]) }],
            taskNode("e", "add", [wire("a", "", "n"), wire("b", "", "n")]),
            [wire("n", "", "n")],
          ),
        ],
        [wire("r", "b", output)],
      );
    assert.ok("closure" in compileWorkflow(wf("o0"), [], TASKS, []));
    const r = compileWorkflow(wf("x"), [], TASKS, []);
    assert.deepEqual("errors" in r ? r.errors.map((e) => `${e.code} @ ${e.nodeId}`) : [], [
      "ParameterNotBound @ end-node",
      "VariableNameNotFound @ b",
    ]);
  });
});

describe("compileWorkflow sub-workflows", () => {
  it("compiles a sub-workflow used twice, and nested, once: branch cases are renamed once", () => {
    const inner = workflow(
      "inner",
      iface({ a: t.int() }, { o0: t.int() }),
      [
        branchNode(
          "b",
          [{ when: eq(operand("a"), operand({ value: 1n })), node: taskNode("t", "sq", [wire("x", "", "a")]) }],
          taskNode("e", "sq", [wire("x", "", "a")]),
          [wire("a", "", "a")],
        ),
      ],
      [wire("o0", "b")],
    );
    const outer = workflow("outer", iface({ a: t.int() }), [subWorkflowNode("o", "inner", [wire("a", "", "a")])]);
    const main = workflow("main", iface({ n: t.int() }), [
      subWorkflowNode("s1", "inner", [wire("a", "", "n")]),
      subWorkflowNode("s2", "inner", [wire("a", "", "n")]),
      subWorkflowNode("s3", "outer", [wire("a", "", "n")]),
    ]);
    const closure = compileOk(main, [inner, outer]);
    const branch = closure.subWorkflows[0]?.template?.nodes.find((n) => n.id === "b")?.target;
    const ifElse = branch?.case === "branchNode" ? branch.value.ifElse : undefined;
    assert.deepEqual([ifElse?.case?.thenNode?.id, ifElse?.default.case], ["b-t", "elseNode"]);
    assert.deepEqual(nodeIds(closure.subWorkflows[1]), ["start-node", "end-node", "o"]);
  });
});

describe("compileWorkflow with hostile names", () => {
  it("keeps a node and an input named __proto__ as ordinary entries", () => {
    const closure = compileOk(
      workflow("w", iface(Object.fromEntries([["__proto__", t.int()]])), [
        taskNode("__proto__", "sq", [wire("x", "", "__proto__")]),
        gateNode("g", "approve", [wire("__proto__", "__proto__")]),
      ]),
    );
    const decoded = fromBinary(CompiledWorkflowClosureSchema, toBinary(CompiledWorkflowClosureSchema, closure));
    // Built with fromEntries: an object literal would read `__proto__` as the prototype.
    const expected = Object.fromEntries([
      ["__proto__", ["g"]],
      ["g", ["end-node"]],
      ["start-node", ["__proto__"]],
    ]);
    assert.deepEqual(edges(decoded.primary?.connections, "downstream"), expected);
  });
});

describe("compileWorkflow determinism", () => {
  it("compiles the same input to the same bytes, and does not modify it", () => {
    const template = pipeline();
    const before = toBinary(WorkflowTemplateSchema, template);
    const a = toBinary(CompiledWorkflowClosureSchema, compileOk(template, [subWorkflow()]));
    const b = toBinary(
      CompiledWorkflowClosureSchema,
      compileOk(clone(WorkflowTemplateSchema, template), [subWorkflow()]),
    );
    assert.deepEqual(a, b);
    assert.deepEqual(toBinary(WorkflowTemplateSchema, template), before);
  });

  it("compiles inputs it owns (not copied) to the same bytes as inputs it copies", () => {
    const copied = toBinary(CompiledWorkflowClosureSchema, compileOk(pipeline(), [subWorkflow()]));
    const tasks = TASKS.map((task) => clone(CompiledTaskSchema, task));
    const owned = compileWorkflow(pipeline(), [subWorkflow()], tasks, [LP], { inputs: "owned" });
    if ("errors" in owned) assert.fail(formatCompileErrors(owned.errors));
    assert.deepEqual(toBinary(CompiledWorkflowClosureSchema, owned.closure), copied);
    // Owned inputs become the closure's own objects; copied ones never do.
    assert.ok(owned.closure.tasks.some((c) => tasks.some((task) => task.template === c.template)));
    assert.ok(!compileOk(pipeline(), [subWorkflow()]).tasks.some((c) => TASKS.some((x) => x.template === c.template)));
  });

  it("reports a cycle along the same path every time", () => {
    const cyclic = workflow("w", iface({ x: t.int() }), [
      taskNode("c", "sq", [wire("x", "b")]),
      taskNode("a", "sq", [wire("x", "", "x")], { upstream: ["c"] }),
      taskNode("b", "sq", [wire("x", "a")]),
    ]);
    const runs = [0, 1, 2].map(() => {
      const r = compileWorkflow(cyclic, [], TASKS, []);
      return "errors" in r ? formatCompileErrors(r.errors) : "";
    });
    assert.equal(new Set(runs).size, 1);
    assert.match(runs[0], /\[start-node>a>b>c>a\]/);
  });
});
