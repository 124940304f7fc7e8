import assert from "node:assert/strict";
import { test } from "node:test";
import { formatGoDuration, parseGoDuration } from "./duration.js";

test("parseGoDuration accepts Go's duration syntax", () => {
  const cases: [string, number | undefined][] = [
    ["1h", 3600e9],
    ["1h30m", 5400e9],
    ["1.5s", 1.5e9],
    ["300ms", 300e6],
    ["10us", 10e3],
    ["2µs", 2e3],
    ["-2m", -120e9],
    ["0", 0],
    [".5s", 0.5e9],
    ["1d", undefined],
    ["", undefined],
    ["h", undefined],
    ["1h-2m", undefined],
    ["5", undefined],
  ];
  for (const [input, want] of cases) assert.equal(parseGoDuration(input), want, input);
});

test("formatGoDuration prints as Go's time.Duration.String()", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [3600e9, "1h0m0s"],
    [7200e9 + 1e9, "2h0m1s"],
    [90e9, "1m30s"],
    [1.5e9, "1.5s"],
    [300e6, "300ms"],
    [1.5e6, "1.5ms"],
    [10e3, "10µs"],
    [7, "7ns"],
    [-60e9, "-1m0s"],
    [3600e9 + 0.5e9, "1h0m0.5s"],
  ];
  for (const [nanos, want] of cases) assert.equal(formatGoDuration(nanos), want, String(nanos));
});
