import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseVarName } from "./var-name.js";

describe("parseVarName", () => {
  const cases: Array<[string, { name: string; index: number | undefined } | undefined]> = [
    ["o0", { name: "o0", index: undefined }],
    ["[3].o0", { name: "o0", index: 3 }],
    ["my_output", { name: "my_output", index: undefined }],
    // The pattern only has to occur once somewhere, as in FlytePropeller.
    ["o0!", { name: "o0", index: undefined }],
    ["", undefined],
    ["a.b", undefined],
    ["a-b", undefined],
    ["[1].a.b", undefined],
    ["[99999999999999999999].o0", undefined],
  ];
  for (const [text, expected] of cases) {
    it(JSON.stringify(text), () => assert.deepEqual(parseVarName(text), expected));
  }
});
