import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create, type JsonValue } from "@bufbuild/protobuf";
import { CompiledTaskSchema } from "../../proto/gen/flyteidl/core/compiler_pb.js";
import {
  canonicalJson,
  differentStructureMessage,
  formatStructureChanges,
  structureChanges,
  structureDigest,
  structureJson,
} from "./structure.js";

describe("structureDigest", () => {
  test("is the same for the same message; maps in another order are still the same structure", () => {
    const a = create(CompiledTaskSchema, { template: { type: "t", config: { a: "1", b: "2" } } });
    const again = create(CompiledTaskSchema, { template: { type: "t", config: { a: "1", b: "2" } } });
    assert.deepEqual(structureDigest(CompiledTaskSchema, a), structureDigest(CompiledTaskSchema, again));
    // The digest follows the encoding, which follows map order; the structures compare equal all the same.
    const b = create(CompiledTaskSchema, { template: { type: "t", config: { b: "2", a: "1" } } });
    const same = (x: typeof a, y: typeof a) =>
      differentStructureMessage(
        "t",
        "task",
        structureJson(CompiledTaskSchema, x),
        structureJson(CompiledTaskSchema, y),
      ) === undefined;
    assert.ok(same(a, b));
    const c = create(CompiledTaskSchema, { template: { type: "t", config: { a: "1", b: "3" } } });
    assert.ok(!same(a, c));
  });

  test("changes with any field", () => {
    const a = create(CompiledTaskSchema, { template: { type: "t" } });
    const b = create(CompiledTaskSchema, { template: { type: "u" } });
    assert.notDeepEqual(structureDigest(CompiledTaskSchema, a), structureDigest(CompiledTaskSchema, b));
    assert.equal(structureDigest(CompiledTaskSchema, a).length, 32);
  });
});

describe("structureChanges", () => {
  const cases: [string, JsonValue, JsonValue, string][] = [
    ["replaced leaf", { a: { b: "x" } }, { a: { b: "y" } }, "/a/b:\n\t- x \n\t+ y"],
    ["added key", { a: {} }, { a: { ids: ["start-node"] } }, "/a/ids:\n\t- <nil> \n\t+ [start-node]"],
    ["removed key", { foo: { ids: ["start-node"] } }, {}, "/foo:\n\t- map[ids:[start-node]] \n\t+ <nil>"],
    ["array element", { ids: ["foo", "x"] }, { ids: ["bar", "x"] }, "/ids/0:\n\t- foo \n\t+ bar"],
    ["longer array", { ids: ["a"] }, { ids: ["a", "b"] }, "/ids/1:\n\t- <nil> \n\t+ b"],
    ["numbers as Go prints float64", { n: 1 }, { n: 1000000 }, "/n:\n\t- 1 \n\t+ 1e+06"],
    ["type change", { v: "1" }, { v: { x: true } }, "/v:\n\t- 1 \n\t+ map[x:true]"],
    ["pointer escaping", { "a/b": 1 }, { "a/b": 2 }, "/a~1b:\n\t- 1 \n\t+ 2"],
    ["keys in sorted order", { b: 1, a: 1 }, { b: 2, a: 2 }, "/a:\n\t- 1 \n\t+ 2\n/b:\n\t- 1 \n\t+ 2"],
    ["no change", { a: [1, { b: null }] }, { a: [1, { b: null }] }, ""],
  ];
  for (const [name, before, after, want] of cases) {
    test(name, () => assert.equal(formatStructureChanges(structureChanges(before, after)), want));
  }

  test("the message starts with the entity name and kind", () => {
    assert.equal(
      differentStructureMessage(
        "lp_name",
        "launch plan",
        { workflow_id: { version: "ver1" } },
        { workflow_id: { version: "ver2" } },
      ),
      "lp_name launch plan with different structure already exists. (Please register a new version of the launch plan):\n/workflow_id/version:\n\t- ver1 \n\t+ ver2",
    );
  });

  test("canonical JSON sorts keys at every level", () => {
    assert.equal(canonicalJson({ b: [{ d: 1, c: 2 }], a: null }), '{"a":null,"b":[{"c":2,"d":1}]}');
  });

  test("escapes keys and strings exactly as JSON.stringify does", () => {
    const texts = ['say "hi"', "back\\slash", "tab\tnew\nline", "\u2028", "é ü 漢", "", "a.b-c_d9", "\u0000", "{}"];
    for (const s of texts) {
      assert.equal(canonicalJson(s), JSON.stringify(s));
      assert.equal(canonicalJson({ [s]: [s, 1.5, true] }), `{${JSON.stringify(s)}:[${JSON.stringify(s)},1.5,true]}`);
    }
    assert.equal(canonicalJson([]), "[]");
    assert.equal(canonicalJson({}), "{}");
  });
});
