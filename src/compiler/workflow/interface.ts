import { create } from "@bufbuild/protobuf";
import {
  type ParameterMap,
  type TypedInterface,
  TypedInterfaceSchema,
  type Variable,
  type VariableMap,
  VariableMapSchema,
  VariableSchema,
} from "../../proto/gen/flyteidl/core/interface_pb.js";
import { type GateNode, NodeSchema, type WorkflowNode } from "../../proto/gen/flyteidl/core/workflow_pb.js";
import type { ErrorScope } from "../error-scope.js";
import { noConditionFound, taskReferenceNotFound, valueRequired, workflowReferenceNotFound } from "../errors.js";
import { identifierText } from "../identifier.js";
import { putEntry } from "../order.js";
import { validateBindings } from "./bindings.js";
import { validateBranchInterface } from "./branch.js";
import { emptyVariableMap, type NodeState, stateOf, type WorkflowContext } from "./context.js";

/**
 * Checks that every variable has a name and a type (`ValueRequired paramName` / `param.Type`) and fills absent
 * inputs/outputs with empty maps, in place; an absent interface becomes a new empty one.
 */
export function validateInterface(nodeId: string, iface: TypedInterface | undefined, errs: ErrorScope): TypedInterface {
  const result = iface ?? create(TypedInterfaceSchema);
  if (result.inputs === undefined) result.inputs = emptyVariableMap();
  else validateVariables(nodeId, result.inputs, errs);
  if (result.outputs === undefined) result.outputs = emptyVariableMap();
  else validateVariables(nodeId, result.outputs, errs);
  return result;
}

function validateVariables(nodeId: string, vars: VariableMap, errs: ErrorScope): void {
  for (const [name, variable] of Object.entries(vars.variables)) {
    if (name === "") errs.collect(valueRequired(nodeId, "paramName"));
    if (variable.type === undefined) errs.collect(valueRequired(nodeId, "param.Type"));
  }
}

/**
 * Derives a node's interface from what it runs (compiler.md §2.3) and stores it on the node state when nothing
 * went wrong; an interface derived earlier is reused. Returns whether the interface is usable.
 */
export function validateUnderlyingInterface(ctx: WorkflowContext, state: NodeState, errs: ErrorScope): boolean {
  if (state.iface !== undefined) return true;
  const iface = deriveInterface(ctx, state, errs);
  if (iface !== undefined) validateInterface(state.node.id, iface, errs.child());
  if (!errs.hasErrors()) state.iface = iface;
  return !errs.hasErrors();
}

function deriveInterface(ctx: WorkflowContext, state: NodeState, errs: ErrorScope): TypedInterface | undefined {
  const { node } = state;
  const target = node.target;
  switch (target.case) {
    case "taskNode": {
      const ref = target.value.reference.case === "referenceId" ? target.value.reference.value : undefined;
      if (ref === undefined) {
        errs.collect(valueRequired(node.id, "TaskNode.ReferenceId"));
        return undefined;
      }
      const task = ctx.tasks.get(identifierText(ref));
      if (task === undefined) errs.collect(taskReferenceNotFound(node.id, identifierText(ref)));
      return task === undefined ? undefined : (task.interface ?? emptyInterface());
    }
    case "workflowNode":
      return workflowNodeInterface(ctx, state, target.value, errs);
    case "branchNode":
      return validateBranchInterface(ctx, state, errs.child());
    case "gateNode":
      return gateNodeInterface(ctx, state, target.value, errs);
    case "arrayNode": {
      // The array node exposes its sub-node's interface unchanged: flytekit already wraps mapped inputs in lists.
      const sub = stateOf(ctx, target.value.node ?? create(NodeSchema));
      return validateUnderlyingInterface(ctx, sub, errs.child()) ? sub.iface : undefined;
    }
    default:
      errs.collect(valueRequired(node.id, "Target"));
      return undefined;
  }
}

function emptyInterface(): TypedInterface {
  return create(TypedInterfaceSchema, { inputs: emptyVariableMap(), outputs: emptyVariableMap() });
}

function workflowNodeInterface(
  ctx: WorkflowContext,
  state: NodeState,
  wfNode: WorkflowNode,
  errs: ErrorScope,
): TypedInterface | undefined {
  const { node } = state;
  const ref = wfNode.reference;
  const lpText = identifierText(ref.case === "launchplanRef" ? ref.value : undefined);
  // A node launching the workflow being compiled (recursion through a launch plan) uses its own interface.
  if (lpText === identifierText(ctx.template.id)) {
    if (ctx.template.interface === undefined) errs.collect(valueRequired(node.id, "WorkflowNode.Interface"));
    return ctx.template.interface;
  }
  if (ref.case === "launchplanRef") {
    const lp = ctx.launchPlans.get(lpText);
    if (lp === undefined) {
      errs.collect(workflowReferenceNotFound(node.id, lpText));
      return undefined;
    }
    // Providers are plain objects from callers; a launch plan closure may lack either map.
    const inputs: ParameterMap | undefined = lp.expectedInputs;
    const outputs: VariableMap | undefined = lp.expectedOutputs;
    return launchPlanNodeInterface(state, inputs, outputs, errs);
  }
  if (ref.case === "subWorkflowRef") {
    const key = identifierText(ref.value);
    const sub = ctx.shared.subWorkflows.get(key);
    if (sub === undefined) errs.collect(workflowReferenceNotFound(node.id, key));
    else if (sub.template === undefined) errs.collect(valueRequired(node.id, "WorkflowNode.Template"));
    else if (sub.template.interface === undefined) {
      errs.collect(valueRequired(node.id, "WorkflowNode.Template.Interface"));
    }
    return sub?.template?.interface;
  }
  errs.collect(workflowReferenceNotFound(node.id, "<nil>/<nil>"));
  return undefined;
}

/** A launch plan node's inputs: the required parameters plus the defaulted ones the node chooses to bind. */
function launchPlanNodeInterface(
  state: NodeState,
  expectedInputs: ParameterMap | undefined,
  expectedOutputs: VariableMap | undefined,
  errs: ErrorScope,
): TypedInterface {
  const { node } = state;
  if (expectedInputs === undefined) errs.collect(valueRequired(node.id, "WorkflowNode.ExpectedInputs"));
  if (expectedOutputs === undefined) errs.collect(valueRequired(node.id, "WorkflowNode.ExpectedOutputs"));
  const bound = new Set(node.inputs.map((b) => b.var));
  const exposed: Record<string, Variable> = {};
  for (const [name, p] of Object.entries(expectedInputs?.parameters ?? {})) {
    const required = p.behavior.case === "required" && p.behavior.value === true;
    if (required || bound.has(name)) putEntry(exposed, name, p.var ?? create(VariableSchema));
  }
  return create(TypedInterfaceSchema, {
    inputs: create(VariableMapSchema, { variables: exposed }),
    outputs: expectedOutputs,
  });
}

function gateNodeInterface(
  ctx: WorkflowContext,
  state: NodeState,
  gate: GateNode,
  errs: ErrorScope,
): TypedInterface | undefined {
  const { node } = state;
  const condition = gate.condition;
  switch (condition.case) {
    case "approve": {
      // Approval copies its inputs to its outputs, so both come from the bindings.
      const { resolved } = validateBindings(
        ctx,
        state,
        node.inputs,
        emptyVariableMap(),
        false,
        "upstream",
        errs.child(),
      );
      return create(TypedInterfaceSchema, { inputs: resolved, outputs: resolved });
    }
    case "signal": {
      const signal = condition.value;
      if (signal.type === undefined) errs.collect(valueRequired(node.id, "GateNode.Signal.Type"));
      else if (signal.outputVariableName === "") {
        errs.collect(valueRequired(node.id, "GateNode.Signal.OutputVariableName"));
      } else {
        const outputs = { [signal.outputVariableName]: create(VariableSchema, { type: signal.type }) };
        return create(TypedInterfaceSchema, { inputs: emptyVariableMap(), outputs: { variables: outputs } });
      }
      return undefined;
    }
    case "sleep":
      return emptyInterface();
    default:
      errs.collect(noConditionFound(node.id));
      return undefined;
  }
}
