/**
 * The cron check of launch plan schedules: robfig/cron v3's `ParseStandard`
 * (five fields — minute, hour, day of month, month, day of week — or a
 * descriptor such as `@daily` or `@every 1h30m`, optionally after
 * `TZ=<zone> `), with its error texts, which FlyteAdmin returns as
 * `Invalid cron expression: <error>`. The grammar lives in
 * `common/cron-spec.ts`, shared with the scheduler that evaluates the
 * expressions that pass.
 */
import { cronSpecError } from "../../common/cron-spec.js";

/**
 * Why `ParseStandard` refuses `spec`, or undefined when it accepts it.
 *
 * @example
 * standardCronError("*\/5 * * * *");  // undefined
 * standardCronError("0 0 * *");      // "expected exactly 5 fields, found 4: [0 0 * *]"
 */
export function standardCronError(spec: string): string | undefined {
  return cronSpecError(spec);
}
