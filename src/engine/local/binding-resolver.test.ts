import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { encode } from "@msgpack/msgpack";
import { bd, bind } from "../../compiler/test-support.js";
import { LiteralSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { PromiseAttributeSchema } from "../../proto/gen/flyteidl/core/types_pb.js";
import { BindingError, resolveAttrPath, resolveBindings } from "./binding-resolver.js";
import { literalText } from "./template-render.js";
import { int, list, lmap, map, str } from "./test-literals.js";

const outputs = new Map([
  ["start-node", lmap({ x: int(3) })],
  ["n0", lmap({ o0: list(int(1), int(2)), m: map({ k: str("v") }) })],
]);

test("bindings resolve scalars, lists, maps and promises", () => {
  const r = resolveBindings(
    "n1",
    [
      bind("a", bd.promise("start-node", "x")),
      bind("b", bd.list(bd.value(1n), bd.promise("n0", "o0"))),
      bind("c", bd.map({ k: bd.value("s") })),
    ],
    (id) => outputs.get(id),
  );
  assert.equal(literalText(r.literals.a!), "3");
  assert.equal(literalText(r.literals.b!), "[1,[1,2]]");
  assert.equal(r.literals.c?.value.case, "map");
  assert.throws(
    () => resolveBindings("n1", [bind("z", bd.promise("n9", "o0"))], (id) => outputs.get(id)),
    BindingError,
  );
});

const attr = (v: string | number) =>
  create(PromiseAttributeSchema, {
    value: typeof v === "string" ? { case: "stringValue", value: v } : { case: "intValue", value: v },
  });

test("attribute paths walk lists, maps and msgpack dataclasses", () => {
  assert.equal(literalText(resolveAttrPath("n0", list(int(7), int(8)), [attr(1)])), "8");
  assert.equal(literalText(resolveAttrPath("n0", map({ k: str("v") }), [attr("k")])), "v");
  const dc = create(LiteralSchema, {
    value: {
      case: "scalar",
      value: {
        value: { case: "binary", value: { tag: "msgpack", value: encode({ a: 5, b: { c: [1, 2] }, f: 1.5 }) } },
      },
    },
  });
  assert.equal(literalText(resolveAttrPath("n0", dc, [attr("a")])), "5");
  assert.equal(literalText(resolveAttrPath("n0", dc, [attr("f")])), "1.5");
  const inner = resolveAttrPath("n0", dc, [attr("b"), attr("c")]);
  assert.equal(inner.value.case, "collection");
  assert.throws(() => resolveAttrPath("n0", dc, [attr("missing")]), /key \[missing\] does not exist/);
  assert.throws(() => resolveAttrPath("n0", list(int(1)), [attr(4)]), /out of range/);
});
