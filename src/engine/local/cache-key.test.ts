import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { id, iface, t } from "../../compiler/test-support.js";
import { LiteralSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { cacheKey, hashInputs } from "./cache-key.js";
import { int, list, lmap, map, str } from "./test-literals.js";

test("cache keys are datacatalog's: dataset, versioned by discovery version and signature, tagged by the inputs", () => {
  const k = cacheKey(id("wf.t"), " 1.0 ", iface({ x: t.int() }, { o: t.str() }), lmap({ x: int(1) }), []);
  assert.equal(k.project, "p");
  assert.equal(k.dataset, "flyte_task-wf.t");
  assert.match(k.version, /^1\.0-[A-Za-z0-9_-]{8}-[A-Za-z0-9_-]{8}$/);
  assert.match(k.tag, /^flyte_cached-[A-Za-z0-9_-]{43}$/);
  assert.throws(() => cacheKey(id("wf.t"), " ", undefined, undefined, []), /empty discoveryVersion/);
  const other = cacheKey(id("wf.t"), "1.0", iface({ x: t.int() }, { o: t.int() }), lmap({ x: int(1) }), []);
  assert.notEqual(other.version, k.version, "the interface is part of the version");
});

test("the inputs hash ignores order, listed names, and values of literals with their own hash", () => {
  assert.equal(hashInputs(lmap({ a: int(1), b: str("x") })), hashInputs(lmap({ b: str("x"), a: int(1) })));
  assert.notEqual(hashInputs(lmap({ a: int(1) })), hashInputs(lmap({ a: int(2) })));
  assert.equal(
    hashInputs(lmap({ a: int(1), noise: int(5) }), ["noise"]),
    hashInputs(lmap({ a: int(1), noise: int(6) }), ["noise"]),
  );
  const hashed = (v: number) => create(LiteralSchema, { ...int(v), hash: "same" });
  assert.equal(hashInputs(lmap({ df: hashed(1) })), hashInputs(lmap({ df: hashed(2) })));
  assert.equal(
    hashInputs(lmap({ m: map({ y: int(1), x: list(int(1)) }) })),
    hashInputs(lmap({ m: map({ x: list(int(1)), y: int(1) }) })),
  );
  assert.equal(hashInputs(undefined), hashInputs(lmap({})));
});
