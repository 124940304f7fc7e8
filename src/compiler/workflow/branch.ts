import { create } from "@bufbuild/protobuf";
import type { BooleanExpression, Operand } from "../../proto/gen/flyteidl/core/condition_pb.js";
import {
  type TypedInterface,
  TypedInterfaceSchema,
  type Variable,
  VariableMapSchema,
} from "../../proto/gen/flyteidl/core/interface_pb.js";
import type { LiteralType } from "../../proto/gen/flyteidl/core/types_pb.js";
import type { BranchNode, Node } from "../../proto/gen/flyteidl/core/workflow_pb.js";
import type { ErrorScope } from "../error-scope.js";
import {
  branchNodeHasNoCondition,
  branchNodeHasNoDefault,
  branchNodeNotSpecified,
  mismatchingTypes,
  valueRequired,
  variableNameNotFound,
} from "../errors.js";
import { compareStrings } from "../order.js";
import { literalTypeForPrimitive } from "../types/literal-inference.js";
import { literalTypeText, literalTypeToStr } from "../types/type-text.js";
import { validateBindings } from "./bindings.js";
import { emptyVariableMap, type NodeState, stateOf, type WorkflowContext } from "./context.js";
import { validateUnderlyingInterface } from "./interface.js";
import { findVariable } from "./outputs.js";

function branchOf(state: NodeState): BranchNode | undefined {
  return state.node.target.case === "branchNode" ? state.node.target.value : undefined;
}

/**
 * A branch node's interface (compiler.md §2.3): every case's node is renamed `<branchId>-<id>` and its interface
 * derived; the outputs are those all cases share, with exactly equal types; the inputs are inferred from the branch
 * node's own bindings. `undefined` on any error.
 */
export function validateBranchInterface(
  ctx: WorkflowContext,
  state: NodeState,
  errs: ErrorScope,
): TypedInterface | undefined {
  const { node } = state;
  const ifElse = branchOf(state)?.ifElse;
  if (ifElse === undefined) return missing(errs, node.id, "Branch.IfElse");
  if (ifElse.case === undefined) return missing(errs, node.id, "Branch.IfElse.Case");
  if (ifElse.case.thenNode === undefined) return missing(errs, node.id, "Branch.IfElse.Case.ThenNode");
  const cases: Node[] = [ifElse.case.thenNode];
  for (const other of ifElse.other) {
    if (other.thenNode === undefined) errs.collect(valueRequired(node.id, "IfElse.Case.ThenNode"));
    else cases.push(other.thenNode);
  }
  if (ifElse.default.case === "elseNode") cases.push(ifElse.default.value);
  const outputs = sharedOutputs(ctx, state, cases, errs);
  const { resolved } = validateBindings(ctx, state, node.inputs, emptyVariableMap(), false, "upstream", errs.child());
  if (errs.hasErrors() || outputs === undefined) return undefined;
  return create(TypedInterfaceSchema, { inputs: resolved, outputs: create(VariableMapSchema, { variables: outputs }) });
}

function missing(errs: ErrorScope, nodeId: string, field: string): undefined {
  errs.collect(valueRequired(nodeId, field));
  return undefined;
}

/** Renames each case node under the branch and intersects their outputs, requiring identical types. */
function sharedOutputs(
  ctx: WorkflowContext,
  state: NodeState,
  cases: readonly Node[],
  errs: ErrorScope,
): Record<string, Variable> | undefined {
  let first: Record<string, Variable> | undefined;
  let names = new Set<string>();
  for (const block of cases) {
    const sub = stateOf(ctx, block);
    sub.node.id = `${state.node.id}-${sub.node.id}`;
    if (!validateUnderlyingInterface(ctx, sub, errs.child())) continue;
    const outputs = sub.iface?.outputs?.variables ?? {};
    if (first === undefined) {
      first = outputs;
      names = new Set(Object.keys(outputs));
      continue;
    }
    names = new Set([...names].filter((n) => Object.hasOwn(outputs, n)));
    for (const name of [...names].sort(compareStrings)) {
      const a = first[name].type;
      const b = outputs[name].type;
      if (literalTypeText(a) !== literalTypeText(b)) {
        errs.collect(mismatchingTypes(sub.node.id, name, literalTypeToStr(a), literalTypeToStr(b)));
      }
    }
  }
  if (first === undefined) return undefined;
  const kept = first;
  return Object.fromEntries([...names].sort(compareStrings).map((n) => [n, kept[n]]));
}

/**
 * Checks a branch node's body (compiler.md §2.3): every block needs a condition and a then-node, the branch needs an
 * else node or an else error, and every case node is validated as a node. Returns the case nodes that validated,
 * whose bindings the caller then checks with upstream-only edges.
 */
export function validateBranchNode(
  ctx: WorkflowContext,
  state: NodeState,
  requireParamType: boolean,
  errs: ErrorScope,
  validateNode: (ctx: WorkflowContext, state: NodeState, requireParamType: boolean, errs: ErrorScope) => boolean,
): { discovered: NodeState[]; ok: boolean } {
  const { node } = state;
  const ifElse = branchOf(state)?.ifElse;
  const blocks = [];
  if (ifElse?.case === undefined) errs.collect(branchNodeHasNoCondition(node.id));
  else blocks.push(ifElse.case);
  blocks.push(...(ifElse?.other ?? []));
  const subNodes: NodeState[] = [];
  for (const block of blocks) {
    validateBooleanExpression(state, block.condition, requireParamType, errs.child());
    if (block.thenNode === undefined) errs.collect(branchNodeNotSpecified(node.id));
    else subNodes.push(stateOf(ctx, block.thenNode));
  }
  if (ifElse?.default.case === "elseNode") subNodes.push(stateOf(ctx, ifElse.default.value));
  else if (ifElse?.default.case !== "error") errs.collect(branchNodeHasNoDefault(node.id));
  const discovered = subNodes.filter((sub) => validateNode(ctx, sub, requireParamType, errs.child()));
  return { discovered, ok: !errs.hasErrors() };
}

/** Conditions: operands must be present, variables must be branch inputs, and the two sides' types exactly equal. */
function validateBooleanExpression(
  state: NodeState,
  expr: BooleanExpression | undefined,
  requireParamType: boolean,
  errs: ErrorScope,
): void {
  const nodeId = state.node.id;
  const e = expr?.expr;
  if (e === undefined) {
    errs.collect(branchNodeHasNoCondition(nodeId));
  } else if (e.case === "comparison") {
    const rightScope = errs.child();
    const right = operandType(state, "RightValue", e.value.rightValue, requireParamType, rightScope);
    const leftScope = errs.child();
    const left = operandType(state, "LeftValue", e.value.leftValue, requireParamType, leftScope);
    if (rightScope.hasErrors() || leftScope.hasErrors() || right === undefined || left === undefined) return;
    if (literalTypeText(right) !== literalTypeText(left)) {
      errs.collect(mismatchingTypes(nodeId, "RightValue", literalTypeToStr(right), literalTypeToStr(left)));
    }
  } else if (e.case === "conjunction") {
    validateBooleanExpression(state, e.value.leftExpression, requireParamType, errs.child());
    validateBooleanExpression(state, e.value.rightExpression, requireParamType, errs.child());
  } else {
    errs.collect(valueRequired(nodeId, "Expr"));
  }
}

function operandType(
  state: NodeState,
  side: string,
  operand: Operand | undefined,
  requireParamType: boolean,
  errs: ErrorScope,
): LiteralType | undefined {
  const { node } = state;
  const val = operand?.val;
  if (operand === undefined) {
    errs.collect(valueRequired(node.id, side));
  } else if (val?.case === "primitive") {
    return literalTypeForPrimitive(val.value);
  } else if (val?.case === "var" && val.value !== "") {
    if (state.iface === undefined) errs.collect(valueRequired(node.id, val.value));
    else return inputVarType(state, val.value, requireParamType, errs);
  } else {
    // FlytePropeller reads only primitive and variable operands; a scalar operand counts as missing.
    errs.collect(valueRequired(node.id, `${side}.Val`));
  }
  return undefined;
}

/** A condition variable must be a branch input; a binding that failed to resolve is tolerated silently. */
function inputVarType(
  state: NodeState,
  name: string,
  requireParamType: boolean,
  errs: ErrorScope,
): LiteralType | undefined {
  const param = findVariable(state.iface?.inputs, name);
  if (param !== undefined) return param.type;
  if (!requireParamType && state.node.inputs.some((b) => b.var === name)) return undefined;
  errs.collect(variableNameNotFound(state.node.id, state.node.id, name));
  return undefined;
}
