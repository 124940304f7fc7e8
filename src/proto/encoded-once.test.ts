import assert from "node:assert/strict";
import { test } from "node:test";
import { encodedOnce, markFinal } from "./encoded-once.js";

const counting = () => {
  let calls = 0;
  return {
    encode: () => {
      calls++;
      return new Uint8Array([calls]);
    },
    get calls() {
      return calls;
    },
  };
};

test("a message not marked final is encoded on every call", () => {
  const m = {};
  const c = counting();
  encodedOnce(m, "binary", c.encode);
  encodedOnce(m, "binary", c.encode);
  assert.equal(c.calls, 2);
});

test("a final message is encoded once per format, and each format keeps its own bytes", () => {
  const m = markFinal({});
  const c = counting();
  const first = encodedOnce(m, "binary", c.encode);
  assert.equal(encodedOnce(m, "binary", c.encode), first);
  const json = encodedOnce(m, "json", c.encode);
  assert.notEqual(json, first);
  assert.equal(encodedOnce(m, "json", c.encode), json);
  assert.equal(c.calls, 2);
});

test("marking twice keeps what was encoded", () => {
  const m = markFinal({});
  const c = counting();
  const first = encodedOnce(m, "binary", c.encode);
  markFinal(m);
  assert.equal(encodedOnce(m, "binary", c.encode), first);
  assert.equal(c.calls, 1);
});
