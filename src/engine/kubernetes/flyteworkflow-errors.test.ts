import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import {
  branchClosure,
  defaultParameters,
  executionData,
  intInputs,
  pyTaskNode,
  tasksClosure,
  tasksInputs,
} from "../../../test/fixtures/flyteworkflows.js";
import type { CompiledWorkflowClosure } from "../../proto/gen/flyteidl/core/compiler_pb.js";
import { type LiteralMap, LiteralMapSchema, LiteralSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { Resources_ResourceEntrySchema, Resources_ResourceName } from "../../proto/gen/flyteidl/core/tasks_pb.js";
import { FlyteWorkflowBuildError, flyteWorkflowFor } from "./flyteworkflow-builder.js";

const PLAIN = { useOffloadedWorkflowClosure: false, useOffloadedInputs: false, consoleUrl: "" };
const T_DOUBLE = `resource_type:TASK project:"flytesnacks" domain:"development" name:"workflows.basics.t_double" version:"v1"`;

/** The error text the builder refuses with (what CreateExecution records as the failed execution's message). */
function buildError(closure: CompiledWorkflowClosure, inputs: LiteralMap | undefined): string {
  const params = defaultParameters(inputs ?? create(LiteralMapSchema));
  const data = executionData(closure, inputs === undefined ? { ...params, inputs: undefined as never } : params);
  try {
    flyteWorkflowFor(data, PLAIN);
  } catch (err) {
    assert.ok(err instanceof FlyteWorkflowBuildError, String(err));
    return err.message;
  }
  return assert.fail("expected a build error");
}

function withInputs(change: (m: LiteralMap) => void): LiteralMap {
  const m = tasksInputs();
  change(m);
  return m;
}

describe("FlyteWorkflow input checks (compiler.md §3.3, k8s transform)", () => {
  test("an input the workflow does not declare is VariableNameNotFound", () => {
    const inputs = withInputs((m) => {
      m.literals.extra = m.literals.a!;
    });
    assert.equal(
      buildError(tasksClosure(), inputs),
      "Collected Errors: 1\n\tError 0: Code: VariableNameNotFound, Node Id: start-node, Description: Variable [extra] not found on node [].\n",
    );
  });

  test("a literal of the wrong type is MismatchingTypes (declared type printed first) and leaves the input unbound", () => {
    const inputs = withInputs((m) => {
      m.literals.a = m.literals.s!;
    });
    assert.equal(
      buildError(tasksClosure(), inputs),
      "Collected Errors: 2\n" +
        "\tError 0: Code: MismatchingTypes, Node Id: start-node, Description: Variable [a] (type [simple:INTEGER]) doesn't match expected type [simple:STRING].\n" +
        "\tError 1: Code: ParameterNotBound, Node Id: start-node, Description: Parameter not bound [a].\n",
    );
  });

  test("every declared input must be present, optional ones too", () => {
    const inputs = withInputs((m) => {
      delete m.literals.maybe;
    });
    assert.equal(
      buildError(tasksClosure(), inputs),
      "Collected Errors: 1\n\tError 0: Code: ParameterNotBound, Node Id: start-node, Description: Parameter not bound [maybe].\n",
    );
  });

  test("a literal whose type cannot be inferred is InvalidLiteralType", () => {
    const inputs = withInputs((m) => {
      m.literals.s = create(LiteralSchema, {
        value: { case: "scalar", value: { value: { case: "blob", value: { uri: "s3://b/k" } } } },
      });
    });
    assert.match(buildError(tasksClosure(), inputs), /Code: InvalidLiteralType, Node Id: start-node, Description: /);
  });

  test("no inputs at all for a workflow with inputs is ValueRequired root.inputs", () => {
    assert.equal(
      buildError(tasksClosure(), undefined),
      "Collected Errors: 1\n\tError 0: Code: ValueRequired, Node Id: root, Description: Value required [inputs].\n",
    );
  });

  test("a workflow without an interface is ValueRequired start-node.interface", () => {
    const closure = tasksClosure();
    closure.primary!.template!.interface = undefined;
    assert.equal(
      buildError(closure, tasksInputs()),
      "Collected Errors: 1\n\tError 0: Code: ValueRequired, Node Id: start-node, Description: Value required [interface].\n",
    );
  });
});

describe("FlyteWorkflow build errors (compiler.md §4)", () => {
  const aggregate = (inner: string) =>
    `Collected Errors: 2\n\tError 0: ${inner}\n\tError 1: Code: WorkflowBuildError, Node Id: , Description: Collected Errors: 1\n\tError 0: ${inner}\n\n`;

  test("a task node whose task is not in the closure: TaskReferenceNotFound, wrapped in a WorkflowBuildError", () => {
    const closure = tasksClosure();
    closure.tasks = closure.tasks.filter((t) => t.template?.id?.name !== "workflows.basics.t_double");
    assert.equal(
      buildError(closure, tasksInputs()),
      aggregate(`Code: TaskReferenceNotFound, Node Id: n0, Description: Referenced Task [${T_DOUBLE}] not found.`),
    );
  });

  test("an unparsable resource override is a WorkflowBuildError with Kubernetes' parse message", () => {
    const closure = tasksClosure();
    const n0 = closure.primary!.template!.nodes.find((n) => n.id === "n0")!;
    if (n0.target.case !== "taskNode") throw new Error("fixture");
    n0.target.value.overrides!.resources!.requests[0] = create(Resources_ResourceEntrySchema, {
      name: Resources_ResourceName.CPU,
      value: "lots",
    });
    const parse =
      "Failed to parse resource as a valid quantity.: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    const inner = `Code: WorkflowBuildError, Node Id: , Description: ${parse}`;
    assert.equal(
      buildError(closure, tasksInputs()),
      `Collected Errors: 2\n\tError 0: Code: WorkflowBuildError, Node Id: , Description: Collected Errors: 1\n\tError 0: ${inner}\n\n\tError 1: ${inner}\n`,
    );
  });

  test("a node timeout Go cannot represent is SyntaxError node:metadata:timeout", () => {
    const closure = tasksClosure();
    const n0 = closure.primary!.template!.nodes.find((n) => n.id === "n0")!;
    n0.metadata!.timeout = create(DurationSchema, { seconds: 5n, nanos: -1 });
    assert.equal(
      buildError(closure, tasksInputs()),
      aggregate("Code: SyntaxError, Node Id: n0, Description: Failed to parse element [node:metadata:timeout]."),
    );
  });

  test("nothing downstream of the start node is NoEntryNodeFound", () => {
    const closure = tasksClosure();
    delete closure.primary!.connections!.downstream["start-node"];
    const wf = `resource_type:WORKFLOW project:"flytesnacks" domain:"development" name:"workflows.basics.wf" version:"v1"`;
    assert.equal(
      buildError(closure, tasksInputs()),
      `Collected Errors: 1\n\tError 0: Code: NoEntryNodeFound, Node Id: ${wf}, Description: Can't find a node to start executing Workflow [${wf}].\n`,
    );
  });

  test("a closure without a start node is a WorkflowBuildError (not compiled)", () => {
    const closure = tasksClosure();
    closure.primary!.template!.nodes = closure.primary!.template!.nodes.filter((n) => n.id !== "start-node");
    assert.equal(
      buildError(closure, tasksInputs()),
      "Collected Errors: 1\n\tError 0: Code: WorkflowBuildError, Node Id: , Description: Bad Node [start-node], is not defined in the Workflow [flytesnacks:development:workflows.basics.wf]\n",
    );
  });

  test("a branch child renamed onto an existing node id is a ValueCollision", () => {
    const closure = branchClosure();
    closure.primary!.template!.nodes.push(pyTaskNode("b0-n0", "workflows.cond.half", []));
    const text = buildError(closure, intInputs({ x: 1 }));
    assert.match(
      text,
      /Code: ValueCollision, Node Id: b0-n0, Description: Name: "workflows.cond.square" != "workflows.cond.half"\r\nTaskRef: [^\n]*\r\nInputBindings: [^\n]* != <nil pointer> is expected to be unique\. b0-n0 already exists\./,
    );
    assert.match(text, /Code: WorkflowBuildError, Node Id: , Description: Collected Errors: 1\n/);
  });

  test("a node without a target is ValueRequired <node>.target", () => {
    const closure = tasksClosure();
    closure.primary!.template!.nodes.find((n) => n.id === "n1")!.target = { case: undefined };
    assert.equal(
      buildError(closure, tasksInputs()),
      aggregate("Code: ValueRequired, Node Id: n1, Description: Value required [target]."),
    );
  });
});
