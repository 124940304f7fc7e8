import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseQuantity } from "../../compiler/index.js";
import { quantityParseError, quantityText } from "./quantity-text.js";

describe("quantityText (Kubernetes' canonical Quantity.String())", () => {
  const cases: [string, string][] = [
    ["0", "0"],
    ["2", "2"],
    ["500m", "500m"],
    ["0.5", "500m"],
    ["1000m", "1"],
    ["1500m", "1500m"],
    ["1.5", "1500m"],
    ["1Gi", "1Gi"],
    ["1024Mi", "1Gi"],
    ["1536Mi", "1536Mi"],
    ["1.5Gi", "1536Mi"],
    ["100Mi", "100Mi"],
    ["512", "512"],
    ["1k", "1k"],
    ["1000", "1k"],
    ["1e3", "1e3"],
    ["10M", "10M"],
    ["0.1Gi", "107374182400m"],
    ["-2", "-2"],
    ["100u", "100u"],
  ];
  for (const [input, want] of cases) {
    test(`${input} -> ${want}`, () => {
      const q = parseQuantity(input);
      assert.ok(q, `${input} parses`);
      assert.equal(quantityText(q), want);
    });
  }
});

describe("quantityParseError", () => {
  test("format and suffix errors", () => {
    assert.match(quantityParseError("lots"), /^quantities must match the regular expression/);
    assert.equal(quantityParseError("1kk"), "unable to parse quantity's suffix");
    assert.match(quantityParseError(""), /^quantities must match/);
  });
});
