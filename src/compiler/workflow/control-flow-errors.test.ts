import { describe } from "node:test";
import { create } from "@bufbuild/protobuf";
import { BranchNodeSchema } from "../../proto/gen/flyteidl/core/workflow_pb.js";
import {
  and,
  arrayNode,
  bd,
  bind,
  branchNode,
  eq,
  gateNode,
  launchPlanNode,
  nodeWith,
  operand,
  t,
  taskNode,
} from "../test-support.js";
import { type Case, fromInput, LPS, runErrorTable, sq, wf } from "./error-table.js";

const cases: Case[] = [
  // branches
  {
    name: "branch without if-else",
    wf: wf([nodeWith("b", { case: "branchNode", value: create(BranchNodeSchema) })], []),
    errors: ["BranchNodeHasNoCondition @ b", "BranchNodeHasNoDefault @ b", "ValueRequired @ b"],
  },
  {
    name: "branch with no first case",
    wf: wf([branchNode("b", [], sq("e"))], []),
    errors: ["BranchNodeHasNoCondition @ b", "ValueRequired @ b"],
  },
  {
    name: "branch case without then-node",
    wf: wf([branchNode("b", [{ when: eq(operand({ value: 1n }), operand({ value: 1n })) }], sq("e"))], []),
    errors: ["BranchNodeIdNotFound @ b", "ValueRequired @ b"],
  },
  {
    name: "elif without then-node",
    wf: wf(
      [
        branchNode(
          "b",
          [
            { when: eq(operand("x"), operand({ value: 1n })), node: sq("t") },
            { when: eq(operand("x"), operand({ value: 2n })) },
          ],
          sq("e"),
          [fromInput("x")],
        ),
      ],
      [],
    ),
    // The failed interface leaves the condition variable unresolvable and the branch with upstream entries only.
    errors: ["BranchNodeIdNotFound @ b", "UnreachableNodes @ start-node", "ValueRequired @ b", "ValueRequired @ b"],
    rendered: "Code: ValueRequired, Node Id: b, Description: Value required [IfElse.Case.ThenNode].",
  },
  {
    name: "branch case without condition",
    wf: wf([branchNode("b", [{ node: sq("t") }], sq("e"))], []),
    errors: ["BranchNodeHasNoCondition @ b"],
  },
  {
    name: "conjunction missing a side",
    wf: wf(
      [
        branchNode(
          "b",
          [{ when: and(eq(operand({ value: 1n }), operand({ value: 1n })), undefined), node: sq("t") }],
          "fail",
        ),
      ],
      [],
    ),
    errors: ["BranchNodeHasNoCondition @ b"],
  },
  {
    name: "branch without else",
    wf: wf(
      [branchNode("b", [{ when: eq(operand({ value: 1n }), operand({ value: 1n })), node: sq("t") }], undefined)],
      [],
    ),
    errors: ["BranchNodeHasNoDefault @ b"],
  },
  {
    name: "comparison with a missing operand",
    wf: wf([branchNode("b", [{ when: eq(undefined, operand({ value: 1n })), node: sq("t") }], "fail")], []),
    errors: ["ValueRequired @ b"],
    rendered: "Code: ValueRequired, Node Id: b, Description: Value required [LeftValue].",
  },
  {
    name: "comparison of different types",
    wf: wf(
      [
        branchNode("b", [{ when: eq(operand("x"), operand({ value: "one" })), node: sq("t") }], "fail", [
          fromInput("x"),
        ]),
      ],
      [],
    ),
    errors: ["MismatchingTypes @ b"],
  },
  {
    name: "condition on a variable the branch does not bind",
    wf: wf([branchNode("b", [{ when: eq(operand("q"), operand({ value: 1n })), node: sq("t") }], "fail")], []),
    errors: ["VariableNameNotFound @ b"],
  },
  {
    name: "branch cases whose shared output types differ (reported on the renamed case)",
    wf: wf(
      [
        branchNode(
          "b",
          [{ when: eq(operand("x"), operand({ value: 1n })), node: sq("t", "", "x") }],
          taskNode("e", "greet", [bind("name", bd.value("a"))]),
          [fromInput("x")],
        ),
      ],
      [],
    ),
    errors: ["MismatchingTypes @ b-e", "UnreachableNodes @ start-node", "ValueRequired @ b"],
  },
  {
    // FlytePropeller infers a branch input's type from the whole output, then checks the attribute's type against
    // it; the two differ, so such a binding is refused (1.16.5 behaviour, kept for compatibility).
    name: "branch input read through an attribute path",
    wf: wf([
      taskNode("d", "dc"),
      branchNode("b", [{ when: eq(operand("a"), operand({ value: 1n })), node: sq("t", "", "x") }], "fail", [
        bind("a", bd.promise("d", "o0", ["a"])),
      ]),
    ]),
    // The binding, then the condition (int against the inferred dataclass type); the failed binding leaves only an
    // upstream edge, so the branch is also unreachable.
    errors: ["MismatchingTypes @ b", "MismatchingTypes @ b", "UnreachableNodes @ start-node"],
  },
  {
    name: "list literal bound on a branch node",
    wf: wf(
      [
        branchNode(
          "b",
          [{ when: eq(operand({ value: 1n }), operand({ value: 1n })), node: sq("t", "", "x") }],
          "fail",
          [bind("l", bd.list(bd.value(1n)))],
        ),
      ],
      [],
    ),
    errors: ["MismatchingBindings @ b"],
  },
  // gates and arrays
  { name: "gate without condition", wf: wf([sq("n0"), gateNode("g", "none")]), errors: ["NoConditionFound @ g"] },
  {
    name: "signal without type",
    wf: wf([sq("n0"), gateNode("g", { signal: "s", output: "o" })]),
    errors: ["ValueRequired @ g"],
    rendered: "Code: ValueRequired, Node Id: g, Description: Value required [GateNode.Signal.Type].",
  },
  {
    name: "signal without output variable",
    wf: wf([sq("n0"), gateNode("g", { signal: "s", type: t.bool() })]),
    errors: ["ValueRequired @ g"],
    rendered: "Code: ValueRequired, Node Id: g, Description: Value required [GateNode.Signal.OutputVariableName].",
  },
  {
    name: "signal output of the wrong type",
    wf: wf([gateNode("g", { signal: "s", type: t.bool(), output: "ok" }), sq("n0", "g", "ok")]),
    errors: ["MismatchingTypes @ n0"],
  },
  { name: "array node without sub-node", wf: wf([sq("n0"), arrayNode("a", undefined)]), errors: ["ValueRequired @ "] },
  // launch plans
  {
    name: "launch plan node leaving a required input unbound",
    wf: wf([launchPlanNode("n0", "lp")]),
    errors: ["ParameterNotBound @ n0"],
  },
  {
    name: "launch plan node binding an input the launch plan lacks",
    wf: wf([launchPlanNode("n0", "lp", [fromInput("x"), bind("q", bd.value(1n))])]),
    errors: ["VariableNameNotFound @ n0"],
  },
  {
    name: "launch plan without expected inputs",
    wf: wf([launchPlanNode("n0", "lp", [fromInput("x")])]),
    lps: [{ ...LPS[0], expectedInputs: undefined as never }],
    errors: ["ValueRequired @ n0"],
    rendered: "Code: ValueRequired, Node Id: n0, Description: Value required [WorkflowNode.ExpectedInputs].",
  },
];

describe("compileWorkflow errors: branches, gates, arrays, launch plans", () => runErrorTable(cases));
