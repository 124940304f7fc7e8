import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { IdentifierSchema, ResourceType } from "../proto/gen/flyteidl/core/identifier_pb.js";
import { BindingDataSchema } from "../proto/gen/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema, SimpleType } from "../proto/gen/flyteidl/core/types_pb.js";
import { identifierText } from "./identifier.js";
import { bd, t } from "./test-support.js";
import { goFloat, goQuote, protoText } from "./text-format.js";
import { literalTypeText, literalTypeToStr } from "./types/type-text.js";

describe("identifierText", () => {
  const cases: Array<[string, Parameters<typeof create<typeof IdentifierSchema>>[1], string]> = [
    [
      "all fields, proto order",
      { resourceType: ResourceType.TASK, project: "p", domain: "d", name: "n", version: "v", org: "o" },
      'resource_type:TASK project:"p" domain:"d" name:"n" version:"v" org:"o"',
    ],
    ["defaults omitted", { name: "repo" }, 'name:"repo"'],
    ["launch plan", { resourceType: ResourceType.LAUNCH_PLAN, name: "lp" }, 'resource_type:LAUNCH_PLAN name:"lp"'],
    ["escapes quotes and newlines", { name: 'a"b\nc' }, 'name:"a\\"b\\nc"'],
    ["keeps non-ASCII text", { name: "héllo" }, 'name:"héllo"'],
    ["unknown enum number", { resourceType: 9 as ResourceType, name: "x" }, 'resource_type:9 name:"x"'],
  ];
  for (const [name, init, expected] of cases) {
    it(name, () => {
      const id = create(IdentifierSchema, init);
      assert.equal(identifierText(id), expected);
      assert.equal(protoText(IdentifierSchema, id), expected, "the fast path agrees with the generic renderer");
    });
  }

  it("renders an absent id as <nil>", () => {
    assert.equal(identifierText(undefined), "<nil>");
  });
});

describe("protoText", () => {
  it("renders oneof defaults, nested messages and sorted maps", () => {
    assert.equal(literalTypeText(t.none()), "simple:NONE");
    assert.equal(literalTypeText(t.list(t.map(t.int()))), "collection_type:{map_value_type:{simple:INTEGER}}");
    assert.equal(
      literalTypeText(t.struct({ b: 1, a: "x" })),
      'simple:STRUCT metadata:{fields:{key:"a" value:{string_value:"x"}} fields:{key:"b" value:{number_value:1}}}',
    );
    assert.equal(literalTypeText(create(LiteralTypeSchema)), "");
  });

  it("renders repeated fields and int64 values", () => {
    const data = bd.list(bd.value(3n), bd.promise("n0", "o0"));
    assert.equal(
      protoText(BindingDataSchema, data),
      'collection:{bindings:{scalar:{primitive:{integer:3}}} bindings:{promise:{node_id:"n0" var:"o0"}}}',
    );
  });
});

describe("literalTypeToStr", () => {
  it("summarises dataclass STRUCT types the way FlytePropeller's messages do", () => {
    const dc = t.struct(undefined, { b: t.str(), a: t.int() });
    assert.equal(
      literalTypeToStr(dc),
      "simple: STRUCT structure{dataclass_type:{key:a value:{simple:INTEGER}, dataclass_type:{key:b value:{simple:STRING}}",
    );
    assert.equal(literalTypeToStr(undefined), "None");
    assert.equal(literalTypeToStr(t.int()), "simple:INTEGER");
    assert.equal(
      literalTypeToStr(create(LiteralTypeSchema, { type: { case: "simple", value: SimpleType.STRUCT } })),
      "simple: STRUCT structure{}",
    );
  });
});

describe("goFloat", () => {
  const cases: Array<[number, 32 | 64, string]> = [
    [1, 64, "1"],
    [1.5, 64, "1.5"],
    [0.0001, 64, "0.0001"],
    [0.00001, 64, "1e-05"],
    [123456, 64, "123456"],
    [1234567, 64, "1.234567e+06"],
    [1e21, 64, "1e+21"],
    [-2.5e-7, 64, "-2.5e-07"],
    [0.1, 32, "0.1"],
    [Number.NaN, 64, "nan"],
    [Number.NEGATIVE_INFINITY, 64, "-inf"],
  ];
  for (const [v, bits, expected] of cases) {
    it(`${v} (${bits} bit) → ${expected}`, () => assert.equal(goFloat(v, bits), expected));
  }
});

describe("goQuote", () => {
  it("escapes control characters and invalid UTF-8 as Go does", () => {
    assert.equal(goQuote(new Uint8Array([0x61, 0x01, 0x7f, 0xff])), '"a\\x01\\x7f\\xff"');
    assert.equal(goQuote(new TextEncoder().encode("\t\r\\")), '"\\t\\r\\\\"');
    assert.equal(goQuote(new TextEncoder().encode("\u0085")), '"\\u0085"');
  });
});
