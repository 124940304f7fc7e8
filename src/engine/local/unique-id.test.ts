import assert from "node:assert/strict";
import { test } from "node:test";
import {
  base32Flyte,
  childExecutionName,
  fixedLengthUniqueId,
  fixedLengthUniqueIdForParts,
  uniqueNodeId,
} from "./unique-id.js";

test("ids within the limit are kept; longer ones become f + base32(FNV-1a)", () => {
  assert.equal(fixedLengthUniqueId("n0", 20), "n0");
  assert.equal(fixedLengthUniqueId("abcdefghijklmnopqrst", 20), "abcdefghijklmnopqrst");
  // FNV-1a-32("abcdefghijk") is hashed to 8 characters; "abc" cannot be shortened below that.
  assert.match(fixedLengthUniqueId("abcdefghijk", 8), /^f[a-z1-6]{7}$/);
  assert.throws(() => fixedLengthUniqueId("abc", 2), /max Length is too small/);
  const long = fixedLengthUniqueId("a-very-long-node-identifier-0-n1", 20);
  assert.match(long, /^f[a-z1-6]{7}$/);
  assert.match(fixedLengthUniqueId("a-very-long-node-identifier-0-n1", 20, 64), /^f[a-z1-6]{13}$/);
});

test("base32 without padding", () => {
  assert.equal(base32Flyte(new Uint8Array([0x1a, 0x47, 0xe9, 0x0b])), "djd5scy");
  assert.equal(base32Flyte(new Uint8Array([])), "");
  assert.equal(base32Flyte(new Uint8Array([0])), "aa");
});

test("parts are joined with '-' once something was written", () => {
  const cases: [string[], string][] = [
    [["", "", "n0"], "n0"],
    [["n1", "0", "n0"], "n1-0-n0"],
    [["", "0", "x"], "0-x"],
  ];
  for (const [parts, want] of cases) assert.equal(fixedLengthUniqueIdForParts(20, parts), want);
});

test("unique node ids below a parent carry the parent id and attempt", () => {
  assert.equal(uniqueNodeId(undefined, "n0"), "n0");
  assert.equal(uniqueNodeId({ uniqueId: "n2", attempt: 0, inDynamicChain: false }, "n0"), "n2-0-n0");
  assert.equal(uniqueNodeId({ uniqueId: "n2", attempt: 1, inDynamicChain: false }, "start-node"), "n2-1-start-node");
  assert.equal(
    uniqueNodeId({ uniqueId: "n2-0-n1-0-n0", attempt: 0, inDynamicChain: false }, "n1-n0"),
    "n2-0-n1-0-n0-0-n1-n0",
  );
  assert.match(
    uniqueNodeId({ uniqueId: "n2-0-n1-0-n0", attempt: 0, inDynamicChain: false }, "n10-n0"),
    /^f[a-z1-6]{7}$/,
  );
});

test("child execution names are deterministic and at most 20 characters", () => {
  const a = childExecutionName("f0123456789abcdefghi", "n3", 0);
  assert.equal(a, childExecutionName("f0123456789abcdefghi", "n3", 0));
  assert.notEqual(a, childExecutionName("f0123456789abcdefghi", "n3", 1));
  assert.ok(a.length <= 20);
  assert.equal(childExecutionName("ab", "n0", 0), "ab-n0-0");
});
