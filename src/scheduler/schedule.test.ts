import assert from "node:assert/strict";
import { test } from "node:test";
import { missedFires } from "./catch-up.js";
import { ConstantDelaySchedule, scheduleOf } from "./schedule.js";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

test("fixed rates: a constant delay from the previous time truncated to the second", () => {
  const s = scheduleOf({ cronExpression: "", fixedRateValue: 5, unit: 0 }, true);
  assert.equal(iso(s.next(at("2026-01-01T00:00:30.250Z")) as number), "2026-01-01T00:05:30Z");
  assert.equal(
    iso(scheduleOf({ cronExpression: "", fixedRateValue: 2, unit: 1 }, true).next(0) as number),
    "1970-01-01T02:00:00Z",
  );
  assert.equal(
    iso(scheduleOf({ cronExpression: "", fixedRateValue: 1, unit: 2 }, true).next(0) as number),
    "1970-01-02T00:00:00Z",
  );
});

test("schedules that cannot fire are refused", () => {
  assert.throws(() => scheduleOf({ cronExpression: "", fixedRateValue: 1, unit: 7 }, true), {
    message: "unsupported unit 7 for fixed rate scheduling ",
  });
  assert.throws(() => scheduleOf({ cronExpression: "", fixedRateValue: 0, unit: 0 }, true), /must be positive/);
  assert.throws(() => scheduleOf({ cronExpression: "0 0 30 2 *", fixedRateValue: 0, unit: 0 }, true), {
    message: "invalid crontab string configuration: 0 0 30 2 *",
  });
  assert.throws(() => scheduleOf({ cronExpression: "bad", fixedRateValue: 0, unit: 0 }, true), /expected exactly 5/);
});

test("catch-up: every missed fire in (from, to], a fire at exactly 'to' included", () => {
  const s = new ConstantDelaySchedule(60_000);
  const plan = missedFires(s, at("2026-01-01T00:00:00Z"), at("2026-01-01T00:03:00Z"), 10);
  assert.deepEqual(plan.times.map(iso), ["2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z", "2026-01-01T00:03:00Z"]);
  assert.equal(plan.skipped, undefined);
  assert.deepEqual(missedFires(s, at("2026-01-01T00:00:00Z"), at("2026-01-01T00:00:59Z"), 10).times, []);
});

test("catch-up is bounded: the latest `limit` fires, the older ones skipped and reported", () => {
  const s = scheduleOf({ cronExpression: "* * * * *", fixedRateValue: 0, unit: 0 }, true);
  // A year of one-minute fires missed: 525,600 of them; only the last 5 are made up.
  const from = at("2025-01-01T00:00:00Z");
  const to = at("2026-01-01T00:00:00Z");
  const started = performance.now();
  const plan = missedFires(s, from, to, 5);
  assert.ok(performance.now() - started < 1000, "cost does not grow with the outage");
  assert.deepEqual(plan.times.map(iso), [
    "2025-12-31T23:56:00Z",
    "2025-12-31T23:57:00Z",
    "2025-12-31T23:58:00Z",
    "2025-12-31T23:59:00Z",
    "2026-01-01T00:00:00Z",
  ]);
  assert.equal(iso(plan.skipped?.first as number), "2025-01-01T00:01:00Z");
  // A sparse schedule needs the window to widen until it covers the outage.
  const yearly = scheduleOf({ cronExpression: "@yearly", fixedRateValue: 0, unit: 0 }, true);
  const sparse = missedFires(yearly, at("2020-06-01T00:00:00Z"), to, 3);
  assert.deepEqual(sparse.times.map(iso), ["2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"]);
  assert.equal(iso(sparse.skipped?.first as number), "2021-01-01T00:00:00Z");
  assert.deepEqual(missedFires(yearly, at("2024-06-01T00:00:00Z"), to, 3).skipped, undefined);
  assert.deepEqual(missedFires(yearly, from, to, 0).times, []);
});
