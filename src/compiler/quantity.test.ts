import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareQuantities, parseQuantity, quantityMilliValue, quantityValue } from "./quantity.js";

describe("parseQuantity", () => {
  // [input, nanos, Value(), format]
  const valid: Array<[string, bigint, bigint, string]> = [
    ["0", 0n, 0n, "DecimalSI"],
    ["1", 1_000_000_000n, 1n, "DecimalSI"],
    ["2.5", 2_500_000_000n, 3n, "DecimalSI"],
    ["100m", 100_000_000n, 1n, "DecimalSI"],
    ["-100m", -100_000_000n, -1n, "DecimalSI"],
    ["+7", 7_000_000_000n, 7n, "DecimalSI"],
    ["1k", 1_000_000_000_000n, 1000n, "DecimalSI"],
    ["1M", 10n ** 15n, 1_000_000n, "DecimalSI"],
    ["1E", 10n ** 27n, 10n ** 18n, "DecimalSI"],
    ["1Ki", 1024n * 10n ** 9n, 1024n, "BinarySI"],
    ["500Mi", 524_288_000n * 10n ** 9n, 524_288_000n, "BinarySI"],
    ["1.5Gi", 1_610_612_736n * 10n ** 9n, 1_610_612_736n, "BinarySI"],
    ["1Ei", 2n ** 60n * 10n ** 9n, 2n ** 60n, "BinarySI"],
    ["8Ei", (2n ** 63n - 1n) * 10n ** 9n, 2n ** 63n - 1n, "BinarySI"],
    ["0.0005Ki", 512_000_000n, 1n, "DecimalSI"],
    ["1e3", 10n ** 12n, 1000n, "DecimalExponent"],
    ["12e-1", 1_200_000_000n, 2n, "DecimalExponent"],
    ["1e-3", 1_000_000n, 1n, "DecimalExponent"],
    ["1.5n", 2n, 1n, "DecimalSI"],
    ["1e-20", 1n, 1n, "DecimalExponent"],
    ["007", 7_000_000_000n, 7n, "DecimalSI"],
    // Kubernetes' own leniencies: a missing number reads as zero.
    [".", 0n, 0n, "DecimalSI"],
    ["-", 0n, 0n, "DecimalSI"],
    ["G", 0n, 0n, "DecimalSI"],
    ["Gi", 0n, 0n, "BinarySI"],
    ["1.", 1_000_000_000n, 1n, "DecimalSI"],
  ];
  for (const [input, nanos, value, format] of valid) {
    it(`accepts ${JSON.stringify(input)}`, () => {
      const q = parseQuantity(input);
      assert.ok(q, "parses");
      assert.deepEqual([q.nanos, quantityValue(q), q.format], [nanos, value, format]);
    });
  }

  const invalid = [
    "",
    "abc",
    "1GiB",
    "1 ",
    " 1",
    "1Ki3",
    "1e",
    "1ee",
    "1.2.3",
    "1K",
    "--1",
    "1e-",
    "0x10",
    "Ei",
    "Pi",
    "1m5",
  ];
  for (const input of invalid) {
    it(`refuses ${JSON.stringify(input)}`, () => assert.equal(parseQuantity(input), undefined));
  }

  it("gives the float value in base units", () => {
    assert.equal(parseQuantity("1.5Gi")?.value, 1610612736);
    assert.equal(parseQuantity("250m")?.value, 0.25);
  });
});

describe("quantity arithmetic", () => {
  it("MilliValue rounds up away from zero", () => {
    assert.equal(quantityMilliValue(parseQuantity("1.5")!), 1500n);
    assert.equal(quantityMilliValue(parseQuantity("1u")!), 1n);
    assert.equal(quantityMilliValue(parseQuantity("-1u")!), -1n);
  });

  it("compares exactly across formats", () => {
    assert.equal(compareQuantities(parseQuantity("1Gi")!, parseQuantity("1G")!), 1);
    assert.equal(compareQuantities(parseQuantity("1000m")!, parseQuantity("1")!), 0);
    assert.equal(compareQuantities(parseQuantity("500m")!, parseQuantity("0.6")!), -1);
  });
});
