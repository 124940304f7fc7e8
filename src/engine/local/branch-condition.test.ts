import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import {
  type BooleanExpression,
  BooleanExpressionSchema,
  ConjunctionExpression_LogicalOperator as Logic,
  ComparisonExpression_Operator as Op,
  type Operand,
} from "../../proto/gen/flyteidl/core/condition_pb.js";
import type { Primitive } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { IfElseBlockSchema, NodeSchema } from "../../proto/gen/flyteidl/core/workflow_pb.js";
import { BranchError, comparePrimitives, decideBranch, evaluateBooleanExpression } from "./branch-condition.js";
import { bool, float, int, lmap, none, str } from "./test-literals.js";

const p = (value: Primitive["value"]) => ({ value }) as Primitive;
const v = (name: string): Operand => ({ val: { case: "var", value: name } }) as Operand;
const lit = (value: Primitive["value"]): Operand => ({ val: { case: "primitive", value: p(value) } }) as Operand;
const cmp = (left: Operand, op: Op, right: Operand): BooleanExpression =>
  create(BooleanExpressionSchema, {
    expr: { case: "comparison", value: { leftValue: left, rightValue: right, operator: op } },
  });
const and = (l: BooleanExpression, r: BooleanExpression, op = Logic.AND): BooleanExpression =>
  create(BooleanExpressionSchema, {
    expr: { case: "conjunction", value: { leftExpression: l, rightExpression: r, operator: op } },
  });

test("primitives compare by kind", () => {
  const i = (n: number) => p({ case: "integer", value: BigInt(n) });
  const cases: [Primitive, Op, Primitive, boolean][] = [
    [i(3), Op.GT, i(2), true],
    [i(2), Op.GT, i(2), false],
    [i(2), Op.GTE, i(2), true],
    [i(1), Op.LT, i(2), true],
    [i(2), Op.LTE, i(2), true],
    [i(2), Op.EQ, i(2), true],
    [i(2), Op.NEQ, i(2), false],
    [p({ case: "floatValue", value: 0.5 }), Op.LT, p({ case: "floatValue", value: 0.7 }), true],
    [p({ case: "stringValue", value: "b" }), Op.GT, p({ case: "stringValue", value: "a" }), true],
    [p({ case: "boolean", value: true }), Op.EQ, p({ case: "boolean", value: true }), true],
    [
      p({ case: "datetime", value: { seconds: 10n, nanos: 5 } as never }),
      Op.EQ,
      p({ case: "datetime", value: { seconds: 10n, nanos: 9 } as never }),
      true,
    ],
    [
      p({ case: "duration", value: { seconds: 9n, nanos: 0 } as never }),
      Op.LT,
      p({ case: "duration", value: { seconds: 10n, nanos: 0 } as never }),
      true,
    ],
  ];
  for (const [l, op, r, want] of cases) assert.equal(comparePrimitives(l, r, op), want, `${l.value.case} ${Op[op]}`);
});

test("mixed kinds and ordering of booleans are malformed branches", () => {
  assert.throws(
    () => comparePrimitives(p({ case: "integer", value: 1n }), p({ case: "floatValue", value: 1 }), Op.EQ),
    (e: unknown) =>
      e instanceof BranchError &&
      e.message ===
        "[MalformedBranchUserError] Comparison between different primitives types. lVal[integer]:rVal[floatValue]",
  );
  assert.throws(
    () => comparePrimitives(p({ case: "boolean", value: true }), p({ case: "boolean", value: false }), Op.GT),
    /\[GT\] not defined for boolean operands\./,
  );
});

test("conditions read the branch node's inputs, through unions, and and/or combine them", () => {
  const inputs = lmap({ "n0.o0": int(5), ".x": float(0.5), s: str("a"), none: none() });
  assert.equal(evaluateBooleanExpression(cmp(v("n0.o0"), Op.GT, lit({ case: "integer", value: 3n })), inputs), true);
  assert.equal(
    evaluateBooleanExpression(
      and(
        cmp(v("n0.o0"), Op.GT, lit({ case: "integer", value: 3n })),
        cmp(v(".x"), Op.GT, lit({ case: "floatValue", value: 1 })),
      ),
      inputs,
    ),
    false,
  );
  assert.equal(
    evaluateBooleanExpression(
      and(
        cmp(v("n0.o0"), Op.LT, lit({ case: "integer", value: 3n })),
        cmp(v("s"), Op.EQ, lit({ case: "stringValue", value: "a" })),
        Logic.OR,
      ),
      inputs,
    ),
    true,
  );
  const isNone: Operand = { val: { case: "scalar", value: { value: { case: "noneType", value: {} } } } } as Operand;
  assert.equal(evaluateBooleanExpression(cmp(v("none"), Op.EQ, isNone), inputs), true);
  assert.equal(evaluateBooleanExpression(cmp(v("n0.o0"), Op.EQ, isNone), inputs), false);
  assert.throws(
    () => evaluateBooleanExpression(cmp(v("missing"), Op.EQ, lit({ case: "integer", value: 1n })), inputs),
    /Failed to find Value for Variable \[missing\]/,
  );
  assert.throws(
    () => evaluateBooleanExpression(create(BooleanExpressionSchema), inputs),
    /No Comparison or Conjunction/,
  );
  assert.equal(bool(true).value.case, "scalar");
});

test("the first block that holds is taken; else; else_fail; no branch", () => {
  const node = (id: string) => create(NodeSchema, { id });
  const block = (holds: boolean, id: string) => ({
    condition: cmp(lit({ case: "integer", value: 1n }), holds ? Op.EQ : Op.NEQ, lit({ case: "integer", value: 1n })),
    thenNode: node(id),
  });
  const withElse = create(IfElseBlockSchema, {
    case: block(false, "a"),
    other: [block(true, "b"), block(true, "c")],
    default: { case: "elseNode", value: node("d") },
  });
  const d = decideBranch(withElse, lmap({}));
  assert.equal(d.taken.id, "b");
  assert.deepEqual(
    d.skipped.map((n) => n.id),
    ["a", "c", "d"],
  );
  const toElse = create(IfElseBlockSchema, {
    case: block(false, "a"),
    default: { case: "elseNode", value: node("d") },
  });
  assert.equal(decideBranch(toElse, lmap({})).taken.id, "d");
  const toFail = create(IfElseBlockSchema, {
    case: block(false, "a"),
    default: { case: "error", value: { failedNodeId: "x", message: "no way" } },
  });
  assert.throws(
    () => decideBranch(toFail, lmap({})),
    (e: unknown) =>
      e instanceof BranchError && e.code === "UserProvidedError" && e.message === "[UserProvidedError] no way",
  );
  assert.throws(
    () => decideBranch(create(IfElseBlockSchema, { case: block(false, "a") }), lmap({})),
    /\[MalformedBranchUserError\] No branch satisfied/,
  );
});
