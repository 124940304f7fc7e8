import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AdminError } from "../../errors/admin-error.js";
import { ParameterMapSchema, ParameterSchema, VariableMapSchema } from "../../proto/gen/flyteidl/core/interface_pb.js";
import { LiteralMapSchema, LiteralSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema, SimpleType } from "../../proto/gen/flyteidl/core/types_pb.js";
import { expectedInputs } from "./launch-plan-inputs.js";

const type = (t: SimpleType) => create(LiteralTypeSchema, { type: { case: "simple", value: t } });
const vars = (m: Record<string, SimpleType>) =>
  create(VariableMapSchema, {
    variables: Object.fromEntries(Object.entries(m).map(([k, t]) => [k, { type: type(t), description: `${k} doc` }])),
  });
const int = (v: number) =>
  create(LiteralSchema, {
    value: {
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "integer", value: BigInt(v) } } } },
    },
  });
const params = (m: Record<string, [SimpleType, number | undefined]>) =>
  create(ParameterMapSchema, {
    parameters: Object.fromEntries(
      Object.entries(m).map(([k, [t, d]]) => [
        k,
        create(ParameterSchema, {
          var: { type: type(t) },
          behavior: d === undefined ? { case: "required", value: true } : { case: "default", value: int(d) },
        }),
      ]),
    ),
  });
const fixed = (m: Record<string, number>) =>
  create(LiteralMapSchema, { literals: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, int(v)])) });

describe("expectedInputs", () => {
  test("defaults are kept, fixed inputs left out, the rest required with the workflow's type and description", () => {
    const got = expectedInputs(
      vars({ a: SimpleType.INTEGER, b: SimpleType.INTEGER, c: SimpleType.STRING }),
      fixed({ b: 2 }),
      params({ a: [SimpleType.INTEGER, 1] }),
    );
    assert.deepEqual(Object.keys(got.parameters).sort(), ["a", "c"]);
    assert.equal(got.parameters.a?.behavior.case, "default");
    assert.equal(got.parameters.c?.behavior.case, "required");
    assert.equal(got.parameters.c?.var?.description, "c doc");
  });

  const bad: [string, () => unknown, string][] = [
    [
      "defaults without workflow inputs",
      () => expectedInputs(vars({}), undefined, params({ a: [SimpleType.INTEGER, 1] })),
      "invalid launch plan default inputs, expected none but found 1",
    ],
    [
      "fixed without workflow inputs",
      () => expectedInputs(undefined, fixed({ a: 1 }), undefined),
      "invalid launch plan fixed inputs, expected none but found 1",
    ],
    [
      "unknown default",
      () => expectedInputs(vars({ a: SimpleType.INTEGER }), undefined, params({ z: [SimpleType.INTEGER, 1] })),
      "unexpected default_input z",
    ],
    [
      "unknown fixed",
      () => expectedInputs(vars({ a: SimpleType.INTEGER }), fixed({ z: 1 }), undefined),
      "unexpected fixed_input z",
    ],
    [
      "default of another type",
      () => expectedInputs(vars({ a: SimpleType.STRING }), undefined, params({ a: [SimpleType.INTEGER, 1] })),
      "invalid default_input wrong type a, expected simple:INTEGER, got simple:STRING instead",
    ],
    [
      "fixed of another type",
      () => expectedInputs(vars({ a: SimpleType.FLOAT }), fixed({ a: 1 }), undefined),
      "invalid fixed_input wrong type a, expected simple:FLOAT, got simple:INTEGER instead",
    ],
  ];
  for (const [name, fn, message] of bad) {
    test(`refuses ${name}`, () => assert.throws(fn, (e: unknown) => e instanceof AdminError && e.message === message));
  }
});
