import assert from "node:assert/strict";
import { test } from "node:test";
import { parseGoDuration } from "./duration.js";

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
