import assert from "node:assert/strict";
import { test } from "node:test";
import {
  durationToNanos,
  microsToRfc3339,
  microsToTimestamp,
  nanosToDuration,
  nowMicros,
  parseRfc3339Micros,
  timestampToMicros,
} from "./time.js";

test("nowMicros is strictly increasing", () => {
  let prev = nowMicros();
  for (let i = 0; i < 1000; i++) {
    const n = nowMicros();
    assert.ok(n > prev);
    prev = n;
  }
});

test("timestamps round-trip through micros", () => {
  for (const micros of [0, 1, 1_700_000_000_123_456, 999_999]) {
    assert.equal(timestampToMicros(microsToTimestamp(micros)), micros);
  }
  assert.equal(microsToTimestamp(1_500_001).nanos, 500_001_000);
});

test("RFC 3339 parsing", () => {
  const cases: [string, number | undefined][] = [
    ["1970-01-01T00:00:00Z", 0],
    ["1970-01-01T00:00:01.5Z", 1_500_000],
    ["1970-01-01T01:00:00+01:00", 0],
    ["1970-01-01T00:00:00.000001234Z", 1],
    ["2024-02-03", Date.UTC(2024, 1, 3) * 1000],
    ["2024-02-03T04:05:06-0130", (Date.UTC(2024, 1, 3, 4, 5, 6) + 90 * 60000) * 1000],
    ["yesterday", undefined],
    ["2024-13-45T00:00:00Z", undefined],
    ["2023-02-29T00:00:00Z", undefined],
  ];
  for (const [text, want] of cases) {
    assert.equal(parseRfc3339Micros(text), want, text);
  }
  assert.equal(microsToRfc3339(1_700_000_000_123_456), "2023-11-14T22:13:20.123456Z");
  assert.equal(parseRfc3339Micros(microsToRfc3339(1_700_000_000_123_456)), 1_700_000_000_123_456);
});

test("durations round-trip through nanos", () => {
  for (const n of [0, 1, 1.5e9, 3600e9 + 7]) assert.equal(durationToNanos(nanosToDuration(n)), n);
});
