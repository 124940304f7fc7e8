import assert from "node:assert/strict";
import { test } from "node:test";
import { base32Std } from "./base32.js";

test("base32Std matches RFC 4648 test vectors", () => {
  const cases: [string, string][] = [
    ["", ""],
    ["f", "MY======"],
    ["fo", "MZXQ===="],
    ["foo", "MZXW6==="],
    ["foob", "MZXW6YQ="],
    ["fooba", "MZXW6YTB"],
    ["foobar", "MZXW6YTBOI======"],
  ];
  for (const [input, want] of cases) assert.equal(base32Std(Buffer.from(input)), want, input);
  assert.equal(base32Std(new Uint8Array(16).fill(255)), "77777777777777777777777774======");
});
