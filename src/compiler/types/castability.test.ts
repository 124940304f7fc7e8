import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, type JsonObject } from "@bufbuild/protobuf";
import { type LiteralType, LiteralTypeSchema } from "../../proto/gen/flyteidl/core/types_pb.js";
import { col, t } from "../test-support.js";
import { areTypesCastable } from "./castability.js";
import { literalTypeText } from "./type-text.js";

const withMetadata = (lt: LiteralType, metadata: JsonObject): LiteralType => ({ ...lt, metadata });
const annotated = (lt: LiteralType): LiteralType => ({
  ...lt,
  annotation: { $typeName: "flyteidl.core.TypeAnnotation", annotations: { k: "v" } },
});
const noKind = (): LiteralType => create(LiteralTypeSchema);

// Dataclass schemas as flytekit (mashumaro) writes them: A(a: int), B(A) adds b: Optional[str].
const schemaA: JsonObject = {
  title: "A",
  type: "object",
  properties: { a: { type: "integer" } },
  required: ["a"],
  additionalProperties: false,
};
const schemaB: JsonObject = {
  title: "B",
  type: "object",
  properties: { a: { type: "integer" }, b: { default: null, anyOf: [{ type: "string" }, { type: "null" }] } },
  required: ["a", "b"],
  additionalProperties: false,
};
const schemaC: JsonObject = { title: "C", type: "object", properties: { c: { type: "string" } }, required: ["c"] };

// [description, upstream, downstream, castable]
const cases: Array<[string, LiteralType | undefined, LiteralType | undefined, boolean]> = [
  // simple types
  ["int → int", t.int(), t.int(), true],
  ["int → float", t.int(), t.float(), false],
  ["float → int", t.float(), t.int(), false],
  ["none → int", t.none(), t.int(), false],
  ["int → none", t.int(), t.none(), false],
  ["none → none", t.none(), t.none(), true],
  ["metadata is ignored", withMetadata(t.int(), { a: 1 }), withMetadata(t.int(), { b: 2 }), true],
  ["annotation is ignored", annotated(t.str()), t.str(), true],
  ["no kind → no kind", noKind(), noKind(), true],
  ["no kind → int (not NONE)", noKind(), t.int(), false],
  ["none → no kind", t.none(), noKind(), false],
  ["absent upstream", undefined, t.int(), false],
  ["absent downstream", t.int(), undefined, false],
  // enums
  ["enum → string", t.enum("a", "b"), t.str(), true],
  ["string → enum", t.str(), t.enum("a", "b"), true],
  ["enum → same enum", t.enum("a", "b"), t.enum("a", "b"), true],
  ["enum → other enum", t.enum("a"), t.enum("b"), false],
  ["int → enum", t.int(), t.enum("a"), false],
  // structure tags
  ["tagged → untagged", t.tagged(t.int(), "x"), t.int(), false],
  ["tagged → same tag", t.tagged(t.int(), "x"), t.tagged(t.int(), "x"), true],
  ["untagged → tagged", t.int(), t.tagged(t.int(), "x"), true],
  // collections
  ["list<int> → list<int>", t.list(t.int()), t.list(t.int()), true],
  ["list<int> → list<float>", t.list(t.int()), t.list(t.float()), false],
  ["empty list → list<str>", t.list(t.none()), t.list(t.str()), true],
  ["int → list<int>", t.int(), t.list(t.int()), false],
  ["none → list<int> (lists are not nullable)", t.none(), t.list(t.int()), false],
  ["list<list<int>> → list<int>", t.list(t.list(t.int())), t.list(t.int()), false],
  ["list<int> → list<list<int>>", t.list(t.int()), t.list(t.list(t.int())), false],
  ["list<int> → int", t.list(t.int()), t.int(), false],
  ["list<enum> → list<str>", t.list(t.enum("a")), t.list(t.str()), true],
  // maps
  ["map<int> → map<int>", t.map(t.int()), t.map(t.int()), true],
  ["empty map → map<str>", t.map(t.none()), t.map(t.str()), true],
  ["map<int> → map<float>", t.map(t.int()), t.map(t.float()), false],
  ["int → map<int>", t.int(), t.map(t.int()), false],
  ["list<int> → map<int>", t.list(t.int()), t.map(t.int()), false],
  ["map<map<int>> → map<int>", t.map(t.map(t.int())), t.map(t.int()), false],
  // blobs
  ["blob csv → blob csv", t.blob("csv"), t.blob("csv"), true],
  ["generic blob → blob csv", t.blob(""), t.blob("csv"), true],
  ["blob csv → generic blob", t.blob("csv"), t.blob(""), true],
  ["blob csv → blob parquet", t.blob("csv"), t.blob("parquet"), false],
  ["blob formats are case-sensitive", t.blob("CSV"), t.blob("csv"), false],
  ["blob dimensionality is ignored", t.blob("csv", false), t.blob("csv", true), true],
  ["int → blob", t.int(), t.blob(), false],
  ["none → blob (blobs are not nullable)", t.none(), t.blob(), false],
  // schemas
  ["generic schema → generic schema", t.schema(), t.schema(), true],
  ["generic schema → typed schema", t.schema(), t.schema({ a: col.INTEGER }), true],
  ["typed schema → generic schema", t.schema({ a: col.INTEGER }), t.schema(), true],
  ["superset schema → subset schema", t.schema({ a: col.INTEGER, b: col.STRING }), t.schema({ a: col.INTEGER }), true],
  ["subset schema → superset schema", t.schema({ a: col.INTEGER }), t.schema({ a: col.INTEGER, b: col.STRING }), false],
  ["schema column type mismatch", t.schema({ a: col.INTEGER }), t.schema({ a: col.FLOAT }), false],
  ["parquet dataset → schema", t.sd("parquet", { a: t.int() }), t.schema({ a: col.INTEGER }), true],
  ["unformatted dataset → schema", t.sd("", { a: t.int() }), t.schema({ a: col.INTEGER }), true],
  ["csv dataset → schema", t.sd("csv"), t.schema(), false],
  ["dataset column type mismatch → schema", t.sd("", { a: t.float() }), t.schema({ a: col.INTEGER }), false],
  ["none → schema", t.none(), t.schema(), false],
  // structured datasets
  ["none → dataset (datasets are nullable)", t.none(), t.sd(), true],
  ["unformatted → parquet dataset", t.sd(""), t.sd("parquet"), true],
  ["dataset formats compare case-insensitively", t.sd("parquet"), t.sd("PARQUET"), true],
  ["csv dataset → parquet dataset", t.sd("csv"), t.sd("parquet"), false],
  ["superset columns → subset", t.sd("", { a: t.int(), b: t.str() }), t.sd("", { a: t.int() }), true],
  ["subset columns → superset", t.sd("", { a: t.int() }), t.sd("", { a: t.int(), b: t.str() }), false],
  ["dataset column type mismatch", t.sd("", { a: t.int() }), t.sd("", { a: t.float() }), false],
  ["dataset nested column types", t.sd("", { a: t.list(t.int()) }), t.sd("", { a: t.list(t.int()) }), true],
  ["schema → dataset", t.schema({ a: col.INTEGER }), t.sd("", { a: t.int() }), true],
  ["schema → csv dataset", t.schema(), t.sd("csv"), false],
  ["schema → dataset column mismatch", t.schema({ a: col.FLOAT }), t.sd("", { a: t.int() }), false],
  ["int → dataset", t.int(), t.sd(), false],
  // unions
  ["str → union[int, str]", t.str(), t.union(t.int(), t.str()), true],
  ["int → union[float, str]", t.int(), t.union(t.float(), t.str()), false],
  ["str → union[str, enum] is ambiguous", t.str(), t.union(t.str(), t.enum("a")), false],
  ["union → superset union", t.union(t.int(), t.str()), t.union(t.int(), t.str(), t.bool()), true],
  ["union → subset union", t.union(t.int(), t.str(), t.bool()), t.union(t.int(), t.str()), false],
  ["union tag mismatch", t.union(t.tagged(t.int(), "a")), t.union(t.tagged(t.int(), "b")), false],
  ["union variant type mismatch", t.union(t.int(), t.str()), t.union(t.float(), t.str()), false],
  ["single-variant union → its type", t.union(t.int()), t.int(), true],
  ["two-variant union → one of its types", t.union(t.int(), t.str()), t.int(), false],
  ["none → optional int", t.none(), t.optional(t.int()), true],
  ["int → optional int", t.int(), t.optional(t.int()), true],
  ["raw none → optional dataset is ambiguous", t.none(), t.optional(t.sd()), false],
  ["union-typed none → optional dataset", t.union(t.none()), t.optional(t.sd()), true],
  ["list<int> → union[list<int>, str]", t.list(t.int()), t.union(t.list(t.int()), t.str()), true],
  // STRUCT (dataclasses, Pydantic models)
  ["struct → struct without schemas", t.struct(), t.struct(), true],
  ["struct without schema → struct with schema", t.struct(), t.struct(schemaA), true],
  ["same dataclass", t.struct(schemaA), t.struct({ ...schemaA }), true],
  ["child dataclass → parent", t.struct(schemaB), t.struct(schemaA), true],
  ["parent dataclass → child", t.struct(schemaA), t.struct(schemaB), false],
  ["unrelated dataclasses", t.struct(schemaA), t.struct(schemaC), false],
  ["struct → string", t.struct(), t.str(), false],
  ["struct tag mismatch", t.tagged(t.struct(), "a"), t.tagged(t.struct(), "b"), false],
];

describe("areTypesCastable", () => {
  for (const [name, up, down, expected] of cases) {
    it(`${name}: ${expected ? "castable" : "not castable"}`, () => {
      assert.equal(
        areTypesCastable(up, down),
        expected,
        `${up === undefined ? "<nil>" : literalTypeText(up)} → ${down === undefined ? "<nil>" : literalTypeText(down)}`,
      );
    });
  }
});
