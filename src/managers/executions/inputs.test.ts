import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AdminError, Code } from "../../errors/admin-error.js";
import { type Parameter, ParameterMapSchema, ParameterSchema } from "../../proto/gen/flyteidl/core/interface_pb.js";
import { type Literal, LiteralMapSchema, LiteralSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import type { LiteralType } from "../../proto/gen/flyteidl/core/types_pb.js";
import { checkAndFetchInputs } from "./inputs.js";
import { INT, intLit, STR, strLit, untypedBlobLit } from "./test-literals.js";

const required = (type: LiteralType): Parameter =>
  create(ParameterSchema, { var: { type }, behavior: { case: "required", value: true } });
const withDefault = (type: LiteralType, d: Literal): Parameter =>
  create(ParameterSchema, { var: { type }, behavior: { case: "default", value: d } });
const map = (literals: Record<string, Literal>) => create(LiteralMapSchema, { literals });
const params = (p: Record<string, Parameter>) => create(ParameterMapSchema, { parameters: p });

describe("checkAndFetchInputs", () => {
  const expected = params({ a: required(INT), b: withDefault(STR, strLit("dflt")) });

  test("user inputs, then defaults for what is missing, then fixed inputs", () => {
    const out = checkAndFetchInputs(map({ a: intLit(3) }), map({ c: strLit("fixed") }), expected);
    assert.deepEqual(Object.keys(out.literals).sort(), ["a", "b", "c"]);
    assert.equal(out.literals.b?.value.case, "scalar");
    assert.deepEqual(out.literals.a, intLit(3));
    assert.deepEqual(out.literals.c, strLit("fixed"));
  });

  test("an optional input without a default is kept as an empty literal", () => {
    const opt = params({ o: create(ParameterSchema, { var: { type: INT } }) });
    assert.deepEqual(checkAndFetchInputs(undefined, undefined, opt).literals.o, create(LiteralSchema));
  });

  const fail: [string, Parameters<typeof checkAndFetchInputs>, string][] = [
    ["unknown input", [map({ a: intLit(1), zz: intLit(1) }), undefined, expected], "invalid input zz"],
    ["required input missing", [map({ b: strLit("x") }), undefined, expected], "expected_inputs a missing"],
    [
      "wrong type",
      [map({ a: strLit("x") }), undefined, expected],
      "invalid a input wrong type. Expected simple:INTEGER, but got simple:STRING",
    ],
    [
      "type cannot be inferred",
      [map({ a: untypedBlobLit() }), undefined, expected],
      "Failed to validate literal type for [a] with err: got unknown literal type: [<nil>].\nSuggested solution: Please update all your Flyte deployment images to the latest version and try again",
    ],
    [
      "fixed input overridden",
      [map({ a: intLit(1) }), map({ a: intLit(2) }), expected],
      "fixed_inputs a cannot be overridden",
    ],
    [
      "fixed input without expected entry passes, but a user value for it fails",
      [map({ f: intLit(1) }), map({ f: intLit(2) }), expected],
      "invalid input f",
    ],
    [
      "several bad inputs: the first by name is reported",
      [map({ y: intLit(1), x: intLit(1) }), undefined, expected],
      "invalid input x",
    ],
  ];
  for (const [name, args, message] of fail) {
    test(name, () => {
      assert.throws(
        () => checkAndFetchInputs(...args),
        (e: unknown) => e instanceof AdminError && e.code === Code.INVALID_ARGUMENT && e.message === message,
      );
    });
  }
});
