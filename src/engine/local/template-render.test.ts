import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { encode } from "@msgpack/msgpack";
import { LiteralSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import {
  goFloat,
  literalText,
  perRetryKey,
  renderTemplates,
  TemplateError,
  type TemplateValues,
} from "./template-render.js";
import { bool, float, int, list, lmap, prim, str } from "./test-literals.js";

const values: TemplateValues = {
  inputFile: "file:///s/n0/inputs.pb",
  inputPrefix: "file:///s/n0",
  outputPrefix: "file:///s/n0/0",
  rawOutputDataPrefix: "file:///s/raw/n0/0",
  checkpointOutputPrefix: "file:///s/raw/n0/0/_flytecheckpoints",
  prevCheckpointPrefix: "",
  perRetryUniqueKey: "abc_n0_0",
  taskTemplatePath: "file:///s/n0/0/task.pb",
  namespace: "flytesnacks-development",
  inputs: lmap({ x: int(3), name: str("world"), xs: list(int(1), int(2)), f: float(1e-5) }),
};

test("FlytePropeller's template variables, any case, with . or $", () => {
  const cases: [string, string][] = [
    ["{{.input}}", "file:///s/n0/inputs.pb"],
    ["{{ .Input }}", "file:///s/n0/inputs.pb"],
    ["{{$input}}", "file:///s/n0/inputs.pb"],
    ["--inputs={{.inputPrefix}}/x", "--inputs=file:///s/n0/x"],
    ["{{.outputPrefix}}", "file:///s/n0/0"],
    ["{{.rawOutputDataPrefix}}", "file:///s/raw/n0/0"],
    ["{{.checkpointOutputPrefix}}", "file:///s/raw/n0/0/_flytecheckpoints"],
    ["{{.prevCheckpointPrefix}}", '""'],
    ["{{.perRetryUniqueKey}}", "abc_n0_0"],
    ["{{.taskTemplatePath}}", "file:///s/n0/0/task.pb"],
    ["{{.namespace}}", "flytesnacks-development"],
    ["echo {{.inputs.name}} {{.Inputs.x}}", "echo world 3"],
    ["{{.inputs.xs}}", "[1,2]"],
    ["{{.inputs.f}}", "1e-05"],
    ["{{.unknown}}", "{{.unknown}}"],
  ];
  for (const [template, want] of cases) assert.deepEqual(renderTemplates([template], values), [want], template);
  assert.deepEqual(renderTemplates(["{{.prevCheckpointPrefix}}"], { ...values, prevCheckpointPrefix: "file:///p" }), [
    "file:///p",
  ]);
});

test("an unknown input fails the render", () => {
  assert.throws(
    () => renderTemplates(["{{.inputs.nope}}"], values),
    (e: unknown) => e instanceof TemplateError && /requested input is not found \[nope\]/.test(e.message),
  );
});

test("literals print as Go prints them", () => {
  const cases: [ReturnType<typeof int>, string][] = [
    [int(-4), "-4"],
    [bool(true), "true"],
    [float(1.5), "1.5"],
    [float(3), "3"],
    [float(1e6), "1e+06"],
    [float(123456), "123456"],
    [float(0.0001), "0.0001"],
    [prim({ case: "datetime", value: { seconds: 0n, nanos: 500000000 } as never }), "1970-01-01T00:00:00.5Z"],
    [
      create(LiteralSchema, {
        value: { case: "scalar", value: { value: { case: "blob", value: { uri: "s3://b/k" } } } },
      }),
      "s3://b/k",
    ],
    [
      create(LiteralSchema, {
        value: {
          case: "scalar",
          value: { value: { case: "binary", value: { tag: "msgpack", value: encode({ b: 2, a: "x" }) } } },
        },
      }),
      "map[a:x b:2]",
    ],
  ];
  for (const [literal, want] of cases) assert.equal(literalText(literal), want);
  assert.equal(goFloat(-2.5e-7), "-2.5e-07");
  assert.equal(perRetryKey("12ab-cd.0"), "aab_cd_0");
});
