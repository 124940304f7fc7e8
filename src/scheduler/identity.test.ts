import assert from "node:assert/strict";
import { test } from "node:test";
import { executionName, fnv1_64, scheduleName } from "./identity.js";

const key = { project: "flytesnacks", domain: "development", name: "daily", version: "v1" };

test("FNV-1 (not 1a) 64 matches the published test vectors", () => {
  assert.equal(fnv1_64(""), 0xcbf29ce484222325n);
  assert.equal(fnv1_64("a"), 0xaf63bd4c8601b7ben);
  assert.equal(fnv1_64("foobar"), 0x340d8765a4dda9c2n);
});

test("schedule identity: decimal FNV-1 64 of project:domain:name:version", () => {
  assert.equal(scheduleName(key), "6685299265786639309");
});

test("execution name: f + the hash's bytes little-endian in hex + 000 (what Go's UUID text gives)", () => {
  // Cross-checked with Python: uuid.UUID(bytes=struct.pack('<Q', fnv1(...)) + bytes(8)), dashes removed, [:19].
  const at = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(executionName(key, at), "fa1424dfabc15a353000");
  // Whole seconds: sub-second parts of the scheduled time do not change the name.
  assert.equal(executionName(key, at + 999), "fa1424dfabc15a353000");
  assert.notEqual(executionName(key, at + 1000), "fa1424dfabc15a353000");
  assert.match(executionName({ ...key, version: "v2" }, at), /^f[0-9a-f]{16}000$/);
});
