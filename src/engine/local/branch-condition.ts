/**
 * Branch conditions evaluated on literals, as FlytePropeller's branch
 * evaluator does: comparisons of primitives of one kind (integers, floats,
 * strings, booleans by equality only, datetimes and durations by whole
 * seconds), `and`/`or` of such comparisons, and the first block whose
 * condition holds wins. Two deliberate additions (docs/compatibility.md):
 * scalar operands (flytekit's `is_none()`) compare by equality, and union
 * literals (Optional inputs) are unwrapped before comparing.
 */
import { equals } from "@bufbuild/protobuf";
import {
  type BooleanExpression,
  type ComparisonExpression,
  ConjunctionExpression_LogicalOperator,
  ComparisonExpression_Operator as Op,
  type Operand,
} from "../../proto/gen/flyteidl/core/condition_pb.js";
import {
  type Literal,
  type LiteralMap,
  type Primitive,
  type Scalar,
  ScalarSchema,
} from "../../proto/gen/flyteidl/core/literals_pb.js";
import type { IfElseBlock, Node } from "../../proto/gen/flyteidl/core/workflow_pb.js";

export const MALFORMED_BRANCH = "MalformedBranchUserError";
export const USER_PROVIDED_ERROR = "UserProvidedError";

/** A branch that cannot be decided; `message` reads as FlytePropeller's (`[code] text`). */
export class BranchError extends Error {
  readonly code: string;
  constructor(code: string, text: string) {
    super(`[${code}] ${text}`);
    this.code = code;
  }
}

const OP_NAMES: Record<number, string> = { [Op.GT]: "GT", [Op.GTE]: "GTE", [Op.LT]: "LT", [Op.LTE]: "LTE" };

function unwrap(literal: Literal): Scalar | undefined {
  let current: Literal | undefined = literal;
  while (current?.value.case === "scalar") {
    const scalar: Scalar = current.value.value;
    if (scalar.value.case !== "union") return scalar;
    current = scalar.value.value.value;
  }
  return undefined;
}

type Comparable = { kind: string; key: number | bigint | string | boolean };

function comparable(p: Primitive): Comparable {
  const v = p.value;
  switch (v.case) {
    case "integer":
      return { kind: "integer", key: v.value };
    case "floatValue":
      return { kind: "floatValue", key: v.value };
    case "stringValue":
      return { kind: "stringValue", key: v.value };
    case "boolean":
      return { kind: "boolean", key: v.value };
    case "datetime":
      return { kind: "datetime", key: v.value.seconds };
    case "duration":
      return { kind: "duration", key: v.value.seconds };
    default:
      throw new Error("comparator not defined for an empty primitive");
  }
}

/** Compares two primitives with `op` (FlytePropeller's `Evaluate`). */
export function comparePrimitives(left: Primitive, right: Primitive, op: Op): boolean {
  const l = comparable(left);
  const r = comparable(right);
  if (l.kind !== r.kind) {
    throw new BranchError(
      MALFORMED_BRANCH,
      `Comparison between different primitives types. lVal[${l.kind}]:rVal[${r.kind}]`,
    );
  }
  const eq = l.key === r.key;
  const gt = () => l.key > r.key;
  if (l.kind === "boolean" && op !== Op.EQ && op !== Op.NEQ) {
    throw new BranchError(MALFORMED_BRANCH, `[${OP_NAMES[op]}] not defined for boolean operands.`);
  }
  switch (op) {
    case Op.EQ:
      return eq;
    case Op.NEQ:
      return !eq;
    case Op.GT:
      return gt();
    case Op.GTE:
      return eq || gt();
    case Op.LT:
      return !(eq || gt());
    case Op.LTE:
      return !gt();
    default:
      throw new BranchError(MALFORMED_BRANCH, "Unsupported operator type in Propeller. System error.");
  }
}

type Resolved = { primitive: Primitive } | { scalar: Scalar };

function resolveOperand(operand: Operand | undefined, inputs: LiteralMap | undefined, side: "LHS" | "RHS"): Resolved {
  const v = operand?.val;
  if (v?.case === "primitive") return { primitive: v.value };
  if (v?.case === "scalar") return resolveScalar(v.value);
  const name = v?.case === "var" ? v.value : "";
  const literal = inputs?.literals[name];
  if (literal === undefined) throw new BranchError(MALFORMED_BRANCH, `Failed to find Value for Variable [${name}]`);
  const scalar = unwrap(literal);
  if (scalar === undefined) {
    throw new BranchError(MALFORMED_BRANCH, `Only primitives can be compared. ${side} Variable is non primitive.`);
  }
  return resolveScalar(scalar);
}

function resolveScalar(scalar: Scalar): Resolved {
  return scalar.value.case === "primitive" ? { primitive: scalar.value.value } : { scalar };
}

/** One comparison (FlytePropeller's `EvaluateComparison`, plus scalar equality). */
export function evaluateComparison(expr: ComparisonExpression, inputs: LiteralMap | undefined): boolean {
  const left = resolveOperand(expr.leftValue, inputs, "LHS");
  const right = resolveOperand(expr.rightValue, inputs, "RHS");
  if ("primitive" in left && "primitive" in right)
    return comparePrimitives(left.primitive, right.primitive, expr.operator);
  if (expr.operator !== Op.EQ && expr.operator !== Op.NEQ) {
    throw new BranchError(MALFORMED_BRANCH, "Only primitives can be compared. Variable is non primitive.");
  }
  const l = "scalar" in left ? left.scalar : undefined;
  const r = "scalar" in right ? right.scalar : undefined;
  const same = l !== undefined && r !== undefined && scalarsEqual(l, r);
  return expr.operator === Op.EQ ? same : !same;
}

function scalarsEqual(a: Scalar, b: Scalar): boolean {
  if (a.value.case === "noneType" || b.value.case === "noneType") return a.value.case === b.value.case;
  return equals(ScalarSchema, a, b);
}

/** A boolean expression (FlytePropeller's `EvaluateBooleanExpression`). */
export function evaluateBooleanExpression(
  expr: BooleanExpression | undefined,
  inputs: LiteralMap | undefined,
): boolean {
  const e = expr?.expr;
  if (e?.case === "comparison") return evaluateComparison(e.value, inputs);
  if (e?.case !== "conjunction") {
    throw new BranchError(MALFORMED_BRANCH, "No Comparison or Conjunction found in Branch node expression.");
  }
  const left = evaluateBooleanExpression(e.value.leftExpression, inputs);
  const right = evaluateBooleanExpression(e.value.rightExpression, inputs);
  return e.value.operator === ConjunctionExpression_LogicalOperator.OR ? left || right : left && right;
}

/** The node a branch takes, and the nodes it skips. */
export interface BranchDecision {
  readonly taken: Node;
  readonly skipped: readonly Node[];
}

/**
 * Decides a branch: the `if` block, then each `elif` in order, then `else`.
 * Throws BranchError when no block holds and there is no `else`
 * (`else_fail` gives the user's message with code UserProvidedError).
 */
export function decideBranch(ifElse: IfElseBlock, inputs: LiteralMap | undefined): BranchDecision {
  const blocks = [ifElse.case, ...ifElse.other];
  let taken: Node | undefined;
  const skipped: Node[] = [];
  for (const block of blocks) {
    if (!block?.thenNode) continue;
    if (taken === undefined && evaluateBooleanExpression(block.condition, inputs)) taken = block.thenNode;
    else skipped.push(block.thenNode);
  }
  const otherwise = ifElse.default;
  if (otherwise.case === "elseNode") {
    if (taken === undefined) taken = otherwise.value;
    else skipped.push(otherwise.value);
  }
  if (taken === undefined) {
    if (otherwise.case === "error") throw new BranchError(USER_PROVIDED_ERROR, otherwise.value.message);
    throw new BranchError(MALFORMED_BRANCH, "No branch satisfied");
  }
  return { taken, skipped };
}
