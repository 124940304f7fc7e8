import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { CompiledTaskSchema } from "../../proto/gen/flyteidl/core/compiler_pb.js";
import { ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { TypedInterfaceSchema } from "../../proto/gen/flyteidl/core/interface_pb.js";
import { BindingDataSchema, BindingSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { NodeSchema, WorkflowNodeSchema, WorkflowTemplateSchema } from "../../proto/gen/flyteidl/core/workflow_pb.js";
import { formatCompileError } from "../errors.js";
import {
  bd,
  bind,
  id,
  iface,
  launchPlanNode,
  nodeWith,
  subWorkflowNode,
  t,
  taskNode,
  vars,
  wire,
  workflow,
} from "../test-support.js";
import { compileWorkflow } from "./compile.js";
import { type Case, fromInput, runErrorTable, sq, taskTarget, wf } from "./error-table.js";

const cases: Case[] = [
  // ids and references
  { name: "node without id", wf: wf([sq("")]), errors: ["ValueRequired @ <node>"] },
  {
    name: "task node without reference",
    wf: wf([nodeWith("n0", taskTarget(undefined))], []),
    errors: ["ValueRequired @ n0"],
    rendered: "Code: ValueRequired, Node Id: n0, Description: Value required [TaskNode.ReferenceId].",
  },
  {
    name: "node without target",
    wf: wf([create(NodeSchema, { id: "n0" })], []),
    errors: ["ValueRequired @ n0"],
    rendered: "Code: ValueRequired, Node Id: n0, Description: Value required [Target].",
  },
  {
    name: "task not supplied (reported before any graph check)",
    wf: wf([taskNode("n0", "missing"), sq("ghost-ref", "nowhere")]),
    errors: ["TaskReferenceNotFound @ start-node"],
    rendered: `Code: TaskReferenceNotFound, Node Id: start-node, Description: Referenced Task [resource_type:TASK project:"p" domain:"d" name:"missing" version:"v1"] not found.`,
  },
  {
    name: "task reference without resource type does not match a registered task",
    wf: wf([nodeWith("n0", taskTarget({ ...id("sq"), resourceType: ResourceType.UNSPECIFIED }), [fromInput("x")])]),
    errors: ["TaskReferenceNotFound @ start-node"],
  },
  {
    name: "task without id in the task list",
    wf: wf([sq("n0")]),
    tasks: [create(CompiledTaskSchema, {})],
    errors: ["ValueRequired @ task"],
    rendered: "Code: ValueRequired, Node Id: task, Description: Value required [Template.Id].",
  },
  {
    name: "launch plan not supplied",
    wf: wf([launchPlanNode("n0", "other", [fromInput("x")])]),
    errors: ["WorkflowReferenceNotFound @ start-node"],
  },
  {
    name: "sub-workflow not supplied",
    wf: wf([subWorkflowNode("n0", "sub", [fromInput("x")])]),
    errors: ["WorkflowReferenceNotFound @ n0"],
  },
  {
    name: "workflow node without reference",
    wf: wf([nodeWith("n0", { case: "workflowNode", value: create(WorkflowNodeSchema) })], []),
    errors: ["WorkflowReferenceNotFound @ n0"],
    rendered: "Code: WorkflowReferenceNotFound, Node Id: n0, Description: Referenced Workflow [<nil>/<nil>] not found.",
  },
  {
    name: "promise from a node that does not exist",
    wf: wf([sq("n0", "ghost", "o0")]),
    errors: ["NodeReferenceNotFound @ ghost", "ParameterNotBound @ n0"],
  },
  {
    name: "two sub-workflows with one id",
    wf: wf([sq("n0")]),
    subs: [workflow("sub", iface(), [sq("s0")]), workflow("sub", iface(), [sq("s1")])],
    errors: ["DuplicateId @ " + `resource_type:WORKFLOW project:"p" domain:"d" name:"sub" version:"v1"`],
  },
  {
    name: "sub-workflow without id",
    wf: wf([sq("n0")]),
    subs: [create(WorkflowTemplateSchema, { nodes: [sq("s0")] })],
    errors: ["ValueRequired @ subworkflow"],
  },
  {
    name: "workflow without nodes",
    wf: wf([], []),
    errors: [`NoNodesFound @ resource_type:WORKFLOW project:"p" domain:"d" name:"wf" version:"v1"`],
  },
  {
    name: "sub-workflow without nodes",
    wf: wf([subWorkflowNode("n0", "sub")], []),
    subs: [workflow("sub", iface(), [])],
    errors: [`NoNodesFound @ resource_type:WORKFLOW project:"p" domain:"d" name:"sub" version:"v1"`],
  },
  {
    name: "sub-workflow that launches itself",
    wf: wf([subWorkflowNode("n0", "sub")], []),
    subs: [workflow("sub", iface(), [subWorkflowNode("s0", "sub")])],
    errors: ["CycleDetected @ s0"],
  },
  // interfaces
  {
    name: "workflow input without type",
    wf: workflow("wf", create(TypedInterfaceSchema, { inputs: { variables: { x: {} } }, outputs: vars() }), [sq("n0")]),
    errors: ["ValueRequired @ start-node"],
    rendered: "Code: ValueRequired, Node Id: start-node, Description: Value required [param.Type].",
  },
  // bindings
  {
    name: "binding to an unknown input",
    wf: wf([taskNode("n0", "sq", [fromInput("x"), bind("z", bd.value(1n))])]),
    errors: ["VariableNameNotFound @ n0"],
    rendered: "Code: VariableNameNotFound, Node Id: n0, Description: Variable [z] not found on node [n0].",
  },
  {
    name: "promise to an unknown output (reported on the source node)",
    wf: wf([sq("n0"), sq("n1", "n0", "nope")], [wire("y", "n1")]),
    errors: ["ParameterNotBound @ n1", "VariableNameNotFound @ n0"],
  },
  {
    name: "binding without data",
    wf: wf([taskNode("n0", "sq", [create(BindingSchema, { var: "x" })])]),
    errors: ["ParameterNotBound @ n0", "ValueRequired @ n0"],
  },
  {
    name: "input bound twice",
    wf: wf([taskNode("n0", "sq", [fromInput("x"), bind("x", bd.value(2n))])]),
    errors: ["ParameterBoundMoreThanOnce @ n0"],
  },
  {
    name: "required input not bound",
    wf: wf([taskNode("n0", "add", [wire("a", "", "x")])]),
    errors: ["ParameterNotBound @ n0"],
  },
  { name: "optional input may stay unbound", wf: wf([taskNode("n0", "opt")]), errors: [] },
  {
    name: "workflow output not bound",
    wf: workflow("wf", iface({ x: t.int() }, { y: t.int() }), [sq("n0")]),
    errors: ["ParameterNotBound @ end-node"],
  },
  {
    name: "scalar of the wrong type",
    wf: wf([taskNode("n0", "sq", [bind("x", bd.value("five"))])]),
    errors: ["MismatchingTypes @ n0"],
    rendered:
      "Code: MismatchingTypes, Node Id: n0, Description: Variable [x] (type [simple:STRING]) doesn't match expected type [simple:INTEGER].",
  },
  {
    name: "promise of the wrong type, named by node metadata",
    wf: wf(
      [
        taskNode("n0", "greet", [bind("name", bd.value("a"))], { name: "say" }),
        taskNode("n1", "sq", [wire("x", "n0")], { name: "square" }),
      ],
      [wire("y", "n1")],
    ),
    errors: ["MismatchingTypes @ n1"],
    rendered:
      "Code: MismatchingTypes, Node Id: n1, Description: The output variable 'say.o0' has type [simple:STRING], but it's assigned to the input variable 'square.x' which has type type [simple:INTEGER].",
  },
  {
    name: "list binding for a scalar input",
    wf: wf([taskNode("n0", "sq", [bind("x", bd.list(bd.value(1n)))])]),
    errors: ["MismatchingBindings @ n0"],
    rendered:
      "Code: MismatchingBindings, Node Id: n0, Description: Input [x] on node [n0] expects bindings of type [simple:INTEGER].  Received [bindings:{scalar:{primitive:{integer:1}}}]",
  },
  {
    name: "binding data with no value",
    wf: wf([taskNode("n0", "sq", [bind("x", create(BindingDataSchema))])]),
    errors: ["MismatchingBindings @ n0"],
  },
  {
    name: "blob without metadata",
    wf: wf([
      taskNode("n0", "csv", [
        bind(
          "f",
          create(BindingDataSchema, {
            value: { case: "scalar", value: { value: { case: "blob", value: { uri: "s3://b/f" } } } },
          }),
        ),
      ]),
    ]),
    errors: ["UnrecognizedValue @ n0"],
    rendered: "Code: UnrecognizedValue, Node Id: n0, Description: Unrecognized value [*core.Scalar_Blob].",
  },
  {
    name: "promise variable that does not parse",
    wf: wf([sq("n0"), sq("n1", "n0", "o0.x")], [wire("y", "n1")]),
    errors: ["SyntaxError @ n1"],
  },
  {
    name: "enum value not among the values",
    wf: wf([sq("n0"), taskNode("n1", "pick", [bind("color", bd.value("blue"))])]),
    errors: ["IllegalEnumValue @ n1"],
    rendered:
      "Code: IllegalEnumValue, Node Id: n1, Description: Input [color] on node [n1] is an Enum and expects value to be one of [[red green]].  Received [blue]",
  },
  {
    name: "enum value among the values",
    wf: wf([sq("n0"), taskNode("n1", "pick", [bind("color", bd.value("red"))])]),
    errors: [],
  },
  {
    name: "list binding matching two union variants",
    wf: wf([sq("n0"), taskNode("n1", "choice", [bind("u", bd.list())])]),
    errors: ["AmbiguousBindingUnionValue @ n1"],
  },
  {
    name: "list binding matching one union variant",
    wf: wf([sq("n0"), taskNode("n1", "choice", [bind("u", bd.list(bd.value("a")))])]),
    errors: [],
  },
  {
    name: "list binding matching no union variant",
    wf: wf([sq("n0"), taskNode("n1", "unionint", [bind("u", bd.list(bd.value(1n)))])]),
    errors: ["IncompatibleBindingUnionValue @ n1"],
  },
  {
    name: "scalar into a union",
    wf: wf([sq("n0"), taskNode("n1", "unionint", [bind("u", bd.value("a"))])]),
    errors: [],
  },
  {
    name: "attribute path to a field the dataclass lacks",
    wf: wf([taskNode("d", "dc"), sq("n0"), taskNode("n1", "sq", [bind("x", bd.promise("d", "o0", ["missing"]))])]),
    errors: ["FieldNotFound @ n1"],
  },
  {
    name: "attribute path into a dataclass field",
    wf: wf([taskNode("d", "dc"), taskNode("n0", "sq", [bind("x", bd.promise("d", "o0", ["a"]))])]),
    errors: [],
  },
  {
    name: "attribute path to a field of the wrong type",
    wf: wf([taskNode("d", "dc"), taskNode("n0", "sq", [bind("x", bd.promise("d", "o0", ["inner", "b"]))])]),
    errors: ["MismatchingTypes @ n0"],
  },
  { name: "indexed promise into a list output", wf: wf([taskNode("l", "ints"), sq("n0", "l", "[1].o0")]), errors: [] },
  {
    name: "indexed promise into a scalar output",
    wf: wf([sq("n0"), sq("n1", "n0", "[0].o0")], [wire("y", "n1")]),
    errors: ["MismatchingTypes @ n1"],
  },
  // aliases
  {
    name: "two aliases for one output",
    wf: wf(
      [
        taskNode("n0", "sq", [fromInput("x")], {
          aliases: [
            ["o0", "a"],
            ["o0", "b"],
          ],
        }),
      ],
      [wire("y", "n0", "a")],
    ),
    errors: ["DuplicateAlias @ n0", "ParameterNotBound @ end-node"],
  },
  {
    name: "alias of an output that does not exist",
    wf: wf([taskNode("n0", "sq", [fromInput("x")], { aliases: [["zz", "a"]] })]),
    errors: ["ParameterNotBound @ n0"],
  },
  {
    name: "aliased output is addressed by its alias only",
    wf: wf([taskNode("n0", "sq", [fromInput("x")], { aliases: [["o0", "result"]] })], [wire("y", "n0")]),
    errors: ["ParameterNotBound @ end-node", "VariableNameNotFound @ n0"],
  },
  // graph
  {
    name: "cycle reachable from the start",
    wf: wf([taskNode("n0", "sq", [fromInput("x")], { upstream: ["n1"] }), sq("n1", "n0", "o0")], [wire("y", "n1")]),
    errors: ["CycleDetected @ start-node"],
    rendered:
      "Code: CycleDetected, Node Id: start-node, Description: A cycle has been detected while traversing the Workflow [start-node>n0>n1>n0].",
  },
  {
    name: "cycle not reachable from the start is reported as unreachable",
    wf: wf([sq("n0", "n1", "o0"), sq("n1", "n0", "o0")], [wire("y", "n1")]),
    errors: ["UnreachableNodes @ start-node"],
    rendered:
      "Code: UnreachableNodes, Node Id: start-node, Description: The Workflow contain unreachable nodes [n0,n1].",
  },
  {
    name: "explicit upstream id that does not exist",
    wf: wf([taskNode("n0", "sq", [bind("x", bd.value(1n))], { upstream: ["ghost"] })]),
    errors: ["UnreachableNodes @ start-node"],
  },
];

describe("compileWorkflow errors: ids, references, interfaces, bindings, aliases, graph", () => runErrorTable(cases));

describe("compileWorkflow input validation", () => {
  it("needs a workflow and a task list", () => {
    const noTemplate = compileWorkflow(undefined as never, [], [], []);
    const noTasks = compileWorkflow(wf([sq("n0")]), [], undefined as never, []);
    assert.deepEqual(
      [noTemplate, noTasks].map((r) => ("errors" in r ? r.errors.map(formatCompileError) : [])),
      [
        ["Code: ValueRequired, Node Id: root, Description: Value required [wf]."],
        ["Code: ValueRequired, Node Id: root, Description: Value required [tasks]."],
      ],
    );
  });
});
