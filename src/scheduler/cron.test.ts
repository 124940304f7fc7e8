import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type CronFields, parseCronSpec } from "../common/cron-spec.js";
import { parseCron } from "./cron.js";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) =>
  ms === undefined ? undefined : new Date(ms).toISOString().replace(".000Z", "Z");

/** The next `n` fire times after `from`, in UTC. */
function nexts(spec: string, from: string, n: number): Array<string | undefined> {
  const s = parseCron(spec, { utc: true });
  const out: Array<string | undefined> = [];
  let t: number | undefined = at(from);
  for (let i = 0; i < n && t !== undefined; i++) {
    t = s.next(t);
    out.push(iso(t));
  }
  return out;
}

/**
 * robfig/cron's own matching rule, written out: a minute matches when minute, hour and month match and the day
 * matches, where the day rule is AND when either day field carries the star bit, OR otherwise.
 */
function robfigDayMatches(f: CronFields, d: Date): boolean {
  if (!f.month.values.includes(d.getUTCMonth() + 1)) return false;
  const domMatch = f.dom.values.includes(d.getUTCDate());
  const dowMatch = f.dow.values.includes(d.getUTCDay());
  return f.dom.star || f.dow.star ? domMatch && dowMatch : domMatch || dowMatch;
}

/** Brute force over days, then the day's hours and minutes: the first match strictly after `from`. */
function robfigNext(f: CronFields, from: number): number | undefined {
  const DAY = 86_400_000;
  for (let day = Math.floor(from / DAY) * DAY, i = 0; i < 800; i++, day += DAY) {
    if (!robfigDayMatches(f, new Date(day))) continue;
    for (const h of f.hour.values) {
      for (const m of f.minute.values) {
        const t = day + h * 3_600_000 + m * 60_000;
        if (t > from) return t;
      }
    }
  }
  return undefined;
}

describe("cron: robfig ParseStandard semantics on croner", () => {
  test("day of month OR day of week when both are restricted", () => {
    // The 1st and 15th of the month, and every Monday.
    assert.deepEqual(nexts("0 0 1,15 * mon", "2026-01-01T00:00:00Z", 5), [
      "2026-01-05T00:00:00Z",
      "2026-01-12T00:00:00Z",
      "2026-01-15T00:00:00Z",
      "2026-01-19T00:00:00Z",
      "2026-01-26T00:00:00Z",
    ]);
  });

  test("AND when either day field is a star, '*/1' and '?' included; '*/2' and '1-31' are not stars", () => {
    assert.deepEqual(nexts("0 0 * * 1", "2026-01-01T00:00:00Z", 2), ["2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z"]);
    assert.deepEqual(nexts("0 0 */1 * 1", "2026-01-01T00:00:00Z", 1), ["2026-01-05T00:00:00Z"]);
    assert.deepEqual(nexts("0 0 ? * 1", "2026-01-01T00:00:00Z", 1), ["2026-01-05T00:00:00Z"]);
    // '*/2' is not a star: odd days OR Mondays.
    assert.deepEqual(nexts("0 0 */2 * 1", "2026-01-01T00:00:00Z", 4), [
      "2026-01-03T00:00:00Z",
      "2026-01-05T00:00:00Z",
      "2026-01-07T00:00:00Z",
      "2026-01-09T00:00:00Z",
    ]);
    // '1-31' is every day, OR Mondays: every day.
    assert.deepEqual(nexts("0 0 1-31 * 1", "2026-01-01T00:00:00Z", 2), [
      "2026-01-02T00:00:00Z",
      "2026-01-03T00:00:00Z",
    ]);
  });

  test("steps and ranges: 'N/s' runs from N to the maximum, 'a-b/s' within the range", () => {
    assert.deepEqual(nexts("5/20 * * * *", "2026-01-01T00:00:00Z", 4), [
      "2026-01-01T00:05:00Z",
      "2026-01-01T00:25:00Z",
      "2026-01-01T00:45:00Z",
      "2026-01-01T01:05:00Z",
    ]);
    assert.deepEqual(nexts("0 9-17/4 * * *", "2026-01-01T00:00:00Z", 4), [
      "2026-01-01T09:00:00Z",
      "2026-01-01T13:00:00Z",
      "2026-01-01T17:00:00Z",
      "2026-01-02T09:00:00Z",
    ]);
    assert.deepEqual(nexts("30 6 * JAN,jul SUN", "2026-01-01T00:00:00Z", 2), [
      "2026-01-04T06:30:00Z",
      "2026-01-11T06:30:00Z",
    ]);
  });

  test("descriptors and @every", () => {
    assert.deepEqual(nexts("@hourly", "2026-01-01T00:00:00Z", 2), ["2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"]);
    assert.deepEqual(nexts("@daily", "2026-01-01T00:00:00Z", 1), ["2026-01-02T00:00:00Z"]);
    assert.deepEqual(nexts("@midnight", "2026-01-01T00:00:00Z", 1), ["2026-01-02T00:00:00Z"]);
    assert.deepEqual(nexts("@weekly", "2026-01-01T00:00:00Z", 1), ["2026-01-04T00:00:00Z"]);
    assert.deepEqual(nexts("@monthly", "2026-01-01T00:00:00Z", 1), ["2026-02-01T00:00:00Z"]);
    assert.deepEqual(nexts("@yearly", "2026-01-01T00:00:00Z", 1), ["2027-01-01T00:00:00Z"]);
    assert.deepEqual(nexts("@annually", "2026-01-01T00:00:00Z", 1), ["2027-01-01T00:00:00Z"]);
    // A constant delay from the (second-truncated) previous time, at least one second.
    assert.deepEqual(nexts("@every 1h30m", "2026-01-01T00:00:10.5Z", 2), [
      "2026-01-01T01:30:10Z",
      "2026-01-01T03:00:10Z",
    ]);
    assert.deepEqual(nexts("@every 10ms", "2026-01-01T00:00:00Z", 1), ["2026-01-01T00:00:01Z"]);
  });

  test("the next time is strictly after the given one, at second 0", () => {
    assert.deepEqual(nexts("*/30 * * * *", "2026-01-01T00:30:00Z", 1), ["2026-01-01T01:00:00Z"]);
    assert.deepEqual(nexts("*/30 * * * *", "2026-01-01T00:29:59.500Z", 1), ["2026-01-01T00:30:00Z"]);
  });

  test("time zones: TZ= and CRON_TZ= prefixes, UTC when asked", () => {
    assert.deepEqual(nexts("TZ=America/New_York 0 9 * * *", "2026-01-01T00:00:00Z", 1), ["2026-01-01T14:00:00Z"]);
    assert.deepEqual(nexts("CRON_TZ=Asia/Tokyo 0 9 * * *", "2026-01-01T00:00:00Z", 1), ["2026-01-02T00:00:00Z"]);
  });

  test("a date that never comes has no next time", () => {
    assert.equal(parseCron("0 0 30 2 *", { utc: true }).next(at("2026-01-01T00:00:00Z")), undefined);
  });

  test("robfig's refusals and messages", () => {
    const cases: Array<[string, string]> = [
      ["", "empty spec string"],
      ["* * * *", "expected exactly 5 fields, found 4: [* * * *]"],
      ["0 * * * * *", "expected exactly 5 fields, found 6: [0 * * * * *]"],
      ["60 * * * *", "end of range (60) above maximum (59): 60"],
      ["* * 0 * *", "beginning of range (0) below minimum (1): 0"],
      ["* * * * 7", "end of range (7) above maximum (6): 7"],
      ["5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"],
      ["*/0 * * * *", "step of range should be a positive number: */0"],
      ["1-2-3 * * * *", "too many hyphens: 1-2-3"],
      ["*/2/3 * * * *", "too many slashes: */2/3"],
      ["L * * * *", 'failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax'],
      ["* * * * 1#2", 'failed to parse int from 1#2: strconv.Atoi: parsing "1#2": invalid syntax'],
      ["@fortnightly", "unrecognized descriptor: @fortnightly"],
      ["@every often", 'failed to parse duration @every often: time: invalid duration "often"'],
      ["TZ=Mars/Olympus 0 0 * * *", "provided bad location Mars/Olympus: unknown time zone Mars/Olympus"],
      [
        "0 0 99999999999999999999 * *",
        'failed to parse int from 99999999999999999999: strconv.Atoi: parsing "99999999999999999999": value out of range',
      ],
    ];
    for (const [spec, message] of cases) assert.throws(() => parseCron(spec, { utc: true }), { message }, spec);
  });

  test("croner agrees with robfig's matching rule on generated expressions", () => {
    // A deterministic generator of expressions mixing stars, lists, ranges and steps in every field.
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const part = (min: number, max: number): string => {
      switch (rand(7)) {
        case 0:
          return "*";
        case 1:
          return `*/${1 + rand(4)}`;
        case 2:
          return String(min + rand(max - min + 1));
        case 3: {
          const a = min + rand(max - min + 1);
          return `${a}-${a + rand(max - a + 1)}`;
        }
        case 4:
          return `${min + rand(max - min + 1)}/${1 + rand(5)}`;
        case 5:
          return [0, 1, 2].map(() => min + rand(max - min + 1)).join(",");
        default:
          return "?";
      }
    };
    let compared = 0;
    for (let i = 0; i < 150; i++) {
      const spec = [part(0, 59), part(0, 23), part(1, 31), part(1, 12), part(0, 6)].join(" ");
      const parsed = parseCronSpec(spec);
      assert.equal(parsed.kind, "fields");
      const fields = (parsed as { fields: CronFields }).fields;
      const schedule = parseCron(spec, { utc: true });
      let t: number | undefined = Date.UTC(2025, rand(12), 1 + rand(28), rand(24), rand(60), rand(60));
      for (let k = 0; k < 5 && t !== undefined; k++) {
        const want = robfigNext(fields, t);
        const got = schedule.next(t);
        assert.equal(iso(got), iso(want), `${spec} after ${iso(t)}`);
        compared++;
        t = got;
      }
    }
    assert.ok(compared > 300);
  });
});
