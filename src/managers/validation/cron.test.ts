import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { standardCronError } from "./cron.js";

describe("standardCronError (robfig/cron ParseStandard)", () => {
  const valid = [
    "* * * * *",
    "*/5 * * * *",
    "0 0 * * *",
    "0 9-17 * * mon-fri",
    "0 0 1 jan,jul *",
    "15,45 */2 1-15/3 * ?",
    "0 0 * * 0",
    "@daily",
    "@midnight",
    "@hourly",
    "@weekly",
    "@monthly",
    "@yearly",
    "@annually",
    "@every 1h30m",
    "@every 10s",
    "TZ=Europe/Paris 0 9 * * *",
    "CRON_TZ=UTC @daily",
    "  0   0  * * *  ",
  ];
  for (const spec of valid)
    test(`accepts ${JSON.stringify(spec)}`, () => assert.equal(standardCronError(spec), undefined));

  const invalid: [string, string][] = [
    ["", "empty spec string"],
    ["0 0 * *", "expected exactly 5 fields, found 4: [0 0 * *]"],
    ["0 0 0 * * *", "expected exactly 5 fields, found 6: [0 0 0 * * *]"],
    ["60 * * * *", "end of range (60) above maximum (59): 60"],
    ["* 24 * * *", "end of range (24) above maximum (23): 24"],
    ["* * 0 * *", "beginning of range (0) below minimum (1): 0"],
    ["* * * 13 *", "end of range (13) above maximum (12): 13"],
    ["* * * * 7", "end of range (7) above maximum (6): 7"],
    ["5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"],
    ["*/0 * * * *", "step of range should be a positive number: */0"],
    ["1-2-3 * * * *", "too many hyphens: 1-2-3"],
    ["*/2/3 * * * *", "too many slashes: */2/3"],
    ["x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ["* * * foo *", 'failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax'],
    ["@often", "unrecognized descriptor: @often"],
    ["@every x", 'failed to parse duration @every x: time: invalid duration "x"'],
    ["@every 5", 'failed to parse duration @every 5: time: missing unit in duration "5"'],
    ["@every 5d", 'failed to parse duration @every 5d: time: unknown unit "d" in duration "5d"'],
    ["TZ=Mars/Olympus 0 9 * * *", "provided bad location Mars/Olympus: unknown time zone Mars/Olympus"],
  ];
  for (const [spec, want] of invalid) {
    test(`refuses ${JSON.stringify(spec)}`, () => assert.equal(standardCronError(spec), want));
  }
});
