import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type Literal, LiteralSchema, ScalarSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import type { LiteralType } from "../../proto/gen/flyteidl/core/types_pb.js";
import { formatCompileError } from "../errors.js";
import { lit, litList, t, vars } from "../test-support.js";
import { checkLiteralAgainstType, validateInputLiterals, validateLiteralType } from "./literal-check.js";
import { literalTypeForLiteral } from "./literal-inference.js";
import { literalTypeText } from "./type-text.js";

const scalar = (value: MessageInitShape<typeof ScalarSchema>["value"]): Literal =>
  create(LiteralSchema, { value: { case: "scalar", value: create(ScalarSchema, { value }) } });
const unionLit = (value: Literal, type: LiteralType): Literal => scalar({ case: "union", value: { value, type } });
const litMap = (literals: Record<string, Literal>): Literal =>
  create(LiteralSchema, { value: { case: "map", value: { literals } } });
const text = (x: LiteralType | undefined): string => (x === undefined ? "<nil>" : literalTypeText(x));

// [description, literal, expected type text ("<nil>" when it cannot be inferred)]
const cases: Array<[string, Literal, string]> = [
  ["integer", lit(5n), "simple:INTEGER"],
  ["float", lit(1.5), "simple:FLOAT"],
  ["string", lit("x"), "simple:STRING"],
  ["boolean", lit(true), "simple:BOOLEAN"],
  [
    "datetime",
    scalar({ case: "primitive", value: { value: { case: "datetime", value: { seconds: 1n } } } }),
    "simple:DATETIME",
  ],
  [
    "duration",
    scalar({ case: "primitive", value: { value: { case: "duration", value: { seconds: 1n } } } }),
    "simple:DURATION",
  ],
  ["unset primitive", scalar({ case: "primitive", value: {} }), "simple:NONE"],
  ["none", scalar({ case: "noneType", value: {} }), "simple:NONE"],
  ["error", scalar({ case: "error", value: { message: "boom" } }), "simple:ERROR"],
  ["generic struct", scalar({ case: "generic", value: { a: 1 } }), "simple:STRUCT"],
  [
    "msgpack binary is a STRUCT",
    scalar({ case: "binary", value: { tag: "msgpack", value: new Uint8Array([0x80]) } }),
    "simple:STRUCT",
  ],
  ["untagged binary", scalar({ case: "binary", value: { value: new Uint8Array([1]) } }), "simple:BINARY"],
  [
    "blob with metadata",
    scalar({ case: "blob", value: { uri: "s3://b/f", metadata: { type: { format: "csv" } } } }),
    'blob:{format:"csv"}',
  ],
  ["blob without metadata", scalar({ case: "blob", value: { uri: "s3://b/f" } }), "<nil>"],
  [
    "schema",
    scalar({ case: "schema", value: { uri: "s3://x", type: { columns: [{ name: "a" }] } } }),
    'schema:{columns:{name:"a"}}',
  ],
  [
    "structured dataset",
    scalar({
      case: "structuredDataset",
      value: { uri: "s3://x", metadata: { structuredDatasetType: { format: "parquet" } } },
    }),
    'structured_dataset_type:{format:"parquet"}',
  ],
  [
    "structured dataset without metadata has no usable kind",
    scalar({ case: "structuredDataset", value: { uri: "s3://x" } }),
    "",
  ],
  [
    "union literal is a single-variant union of its type",
    unionLit(lit(1n), t.int()),
    "union_type:{variants:{simple:INTEGER}}",
  ],
  ["scalar with nothing set", scalar({ case: undefined }), "<nil>"],
  ["literal with nothing set", create(LiteralSchema), "<nil>"],
  ["empty list", litList([]), "collection_type:{simple:NONE}"],
  ["homogeneous list", litList([lit(5n), lit(0n), lit(5n)]), "collection_type:{simple:INTEGER}"],
  [
    "mixed list becomes a union sorted by text",
    litList([lit("hello"), lit(5n), lit("world")]),
    "collection_type:{union_type:{variants:{simple:INTEGER} variants:{simple:STRING}}}",
  ],
  [
    "list with an empty list and a list of strings",
    litList([litList([lit("a")]), litList([])]),
    "collection_type:{collection_type:{simple:STRING}}",
  ],
  ["list of empty lists", litList([litList([])]), "collection_type:{collection_type:{simple:NONE}}"],
  [
    "list of union literals",
    litList([unionLit(lit(1n), t.int()), unionLit(lit("foo"), t.str())]),
    "collection_type:{union_type:{variants:{union_type:{variants:{simple:INTEGER}}} variants:{union_type:{variants:{simple:STRING}}}}}",
  ],
  [
    "nested lists of different union literals flatten into one union",
    litList([litList([unionLit(lit(1n), t.int())]), litList([unionLit(lit("foo"), t.str())])]),
    "collection_type:{collection_type:{union_type:{variants:{simple:INTEGER} variants:{simple:STRING}}}}",
  ],
  ["list with an untyped element", litList([lit(1n), create(LiteralSchema)]), "<nil>"],
  ["map", litMap({ a: lit(1n), b: lit(2n) }), "map_value_type:{simple:INTEGER}"],
  ["empty map", litMap({}), "map_value_type:{simple:NONE}"],
  [
    "map with mixed values",
    litMap({ b: lit("x"), a: lit(1n) }),
    "map_value_type:{union_type:{variants:{simple:INTEGER} variants:{simple:STRING}}}",
  ],
  [
    "offloaded literal uses its inferred type",
    create(LiteralSchema, {
      value: { case: "offloadedMetadata", value: { uri: "s3://x", inferredType: t.list(t.int()) } },
    }),
    "collection_type:{simple:INTEGER}",
  ],
];

describe("literalTypeForLiteral", () => {
  for (const [name, literal, expected] of cases) {
    it(name, () => assert.equal(text(literalTypeForLiteral(literal)), expected));
  }
});

describe("validateLiteralType", () => {
  it("accepts a known type", () => assert.equal(validateLiteralType(t.list(t.int())), undefined));
  it("flags an absent type with InvalidLiteralType", () => {
    assert.equal(validateLiteralType(undefined)?.code, "InvalidLiteralType");
  });
  it("flags an absent element type inside a collection", () => {
    assert.equal(
      validateLiteralType(literalTypeForLiteral(litList([create(LiteralSchema)])))?.code,
      "InvalidLiteralType",
    );
  });
});

describe("checkLiteralAgainstType", () => {
  it("accepts a castable value, enum membership unchecked", () => {
    assert.equal(checkLiteralAgainstType("start-node", "x", lit("not-a-member"), t.enum("a")), undefined);
    assert.equal(checkLiteralAgainstType("start-node", "x", litList([]), t.list(t.str())), undefined);
  });
  it("reports InvalidLiteralType for a literal of unknown type", () => {
    const e = checkLiteralAgainstType("start-node", "x", scalar({ case: "blob", value: { uri: "s3://b" } }), t.blob());
    assert.equal(
      e && formatCompileError(e),
      "Code: InvalidLiteralType, Node Id: start-node, Description: Failed to validate literal type for [x] with err: got unknown literal type: [<nil>].\nSuggested solution: Please update all your Flyte deployment images to the latest version and try again",
    );
  });
  it("reports MismatchingTypes with the expected type first, as FlytePropeller words it", () => {
    const e = checkLiteralAgainstType("start-node", "x", lit(1n), t.str());
    assert.equal(
      e && formatCompileError(e),
      "Code: MismatchingTypes, Node Id: start-node, Description: Variable [x] (type [simple:STRING]) doesn't match expected type [simple:INTEGER].",
    );
  });
});

describe("validateInputLiterals", () => {
  it("requires every declared input, optional ones too, and no undeclared ones", () => {
    const errors = validateInputLiterals("start-node", vars({ a: t.int(), b: t.optional(t.str()), c: t.str() }), {
      a: lit(1n),
      c: lit(2n),
      z: lit(true),
    });
    assert.deepEqual(errors.map(formatCompileError), [
      "Code: MismatchingTypes, Node Id: start-node, Description: Variable [c] (type [simple:STRING]) doesn't match expected type [simple:INTEGER].",
      "Code: ParameterNotBound, Node Id: start-node, Description: Parameter not bound [b].",
      "Code: ParameterNotBound, Node Id: start-node, Description: Parameter not bound [c].",
      "Code: VariableNameNotFound, Node Id: start-node, Description: Variable [z] not found on node [].",
    ]);
  });
  it("accepts complete, well-typed inputs", () => {
    assert.deepEqual(validateInputLiterals("start-node", vars({ a: t.int() }), { a: lit(1n) }), []);
  });
  it("needs an interface", () => {
    assert.equal(validateInputLiterals("start-node", undefined, {})[0]?.code, "ValueRequired");
  });
});
