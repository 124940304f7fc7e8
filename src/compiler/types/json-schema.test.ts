import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { JsonObject } from "@bufbuild/protobuf";
import { isJsonSchemaSupertype, jsonEqual } from "./json-schema.js";

const obj = (
  properties: JsonObject,
  required: string[] = Object.keys(properties),
  extra: JsonObject = {},
): JsonObject => ({
  type: "object",
  properties,
  required,
  additionalProperties: false,
  ...extra,
});
const int = { type: "integer" };
const str = { type: "string" };
const optionalStr = { anyOf: [str, { type: "null" }], default: null };

// [description, downstream (expected), upstream (given), downstream accepts every upstream value]
const cases: Array<[string, JsonObject, JsonObject, boolean]> = [
  ["identical", obj({ a: int }), obj({ a: int }), true],
  [
    "titles and descriptions do not matter",
    obj({ a: int }, ["a"], { title: "X" }),
    obj({ a: int }, ["a"], { title: "Y" }),
    true,
  ],
  ["child (extra field) → parent", obj({ a: int }), obj({ a: int, b: optionalStr }), true],
  ["parent → child that requires the extra field", obj({ a: int, b: optionalStr }), obj({ a: int }), false],
  ["field type changed", obj({ a: str }), obj({ a: int }), false],
  ["integer field into number field", obj({ a: { type: "number" } }), obj({ a: int }), true],
  ["number field into integer field", obj({ a: int }), obj({ a: { type: "number" } }), false],
  ["str into Optional[str]", obj({ b: optionalStr }), obj({ b: str }), true],
  ["Optional[str] into str", obj({ b: str }), obj({ b: optionalStr }), false],
  ["list items compared", obj({ l: { type: "array", items: int } }), obj({ l: { type: "array", items: int } }), true],
  [
    "list item type changed",
    obj({ l: { type: "array", items: str } }),
    obj({ l: { type: "array", items: int } }),
    false,
  ],
  [
    "dict values compared through additionalProperties",
    obj({ d: { type: "object", additionalProperties: int } }),
    obj({ d: { type: "object", additionalProperties: str } }),
    false,
  ],
  [
    "same dict type",
    obj({ d: { type: "object", additionalProperties: int } }),
    obj({ d: { type: "object", additionalProperties: int } }),
    true,
  ],
  ["enum subset", obj({ e: { enum: ["a", "b", "c"] } }), obj({ e: { enum: ["a", "b"] } }), true],
  ["enum superset", obj({ e: { enum: ["a"] } }), obj({ e: { enum: ["a", "b"] } }), false],
  ["enum into its string type", obj({ e: str }), obj({ e: { enum: ["a", "b"] } }), true],
  ["other constraints must be equal", obj({ a: { type: "integer", minimum: 0 } }), obj({ a: int }), false],
  [
    "equal other constraints",
    obj({ a: { type: "integer", minimum: 0 } }),
    obj({ a: { type: "integer", minimum: 0 } }),
    true,
  ],
  [
    "nested dataclass by $ref",
    obj({ inner: { $ref: "#/$defs/In" } }, ["inner"], { $defs: { In: obj({ x: int }) } }),
    obj({ inner: { $ref: "#/$defs/In" } }, ["inner"], { $defs: { In: obj({ x: int, y: str }) } }),
    true,
  ],
  [
    "nested dataclass by $ref, field type changed",
    obj({ inner: { $ref: "#/$defs/In" } }, ["inner"], { $defs: { In: obj({ x: int }) } }),
    obj({ inner: { $ref: "#/$defs/In" } }, ["inner"], { $defs: { In: obj({ x: str }) } }),
    false,
  ],
  [
    "recursive type",
    obj({ next: { anyOf: [{ $ref: "#" }, { type: "null" }] } }, []),
    obj({ next: { anyOf: [{ $ref: "#" }, { type: "null" }] } }, []),
    true,
  ],
  ["unresolvable $ref", obj({ a: { $ref: "other.json#/x" } }), obj({ a: int }), false],
  ["malformed $ref pointer", obj({ a: { $ref: "#/%E0%A4%A" } }), obj({ a: int }), false],
  ["schema allowing anything upstream", obj({ a: int }), {}, false],
  ["schema allowing anything downstream", {}, obj({ a: int }), true],
];

describe("isJsonSchemaSupertype", () => {
  for (const [name, down, up, expected] of cases) {
    it(name, () => assert.equal(isJsonSchemaSupertype(down, up), expected));
  }
});

describe("jsonEqual", () => {
  it("ignores key order and compares deeply", () => {
    assert.equal(jsonEqual({ a: [1, { b: null }], c: "x" }, { c: "x", a: [1, { b: null }] }), true);
    assert.equal(jsonEqual({ a: [1, 2] }, { a: [2, 1] }), false);
    assert.equal(jsonEqual({ a: 1 }, { a: 1, b: 2 }), false);
    assert.equal(jsonEqual(null, {}), false);
  });
});
