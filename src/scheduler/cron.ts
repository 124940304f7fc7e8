/**
 * Cron expressions in the dialect FlyteAdmin's scheduler accepts: robfig/cron
 * v3 `ParseStandard` (executions.md §6.2) — five fields (minute, hour, day of
 * month, month, day of week), names (`jan`, `mon`), `*`/`?`, lists, ranges,
 * steps (`N/s` meaning `N-max/s`), the descriptors `@yearly`, `@annually`,
 * `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`, `@every
 * <duration>`, and an optional `TZ=`/`CRON_TZ=` prefix.
 *
 * The expression is parsed with robfig's grammar and messages
 * (`common/cron-spec.ts`) into per-field value sets; `croner` then computes
 * the times. The two differ in
 * syntax (croner also takes seconds, years, `L`, `W`, `#`, weekday 7, and
 * reads `N/s` differently), so croner only ever sees a normalised pattern:
 * explicit value lists, `*` exactly where robfig sets its "star" bit. With
 * that, croner's OR rule for day-of-month/day-of-week (used unless one of them
 * is `*`) is robfig's rule, including robfig's quirks: `*\/1` counts as a
 * star, `*\/2` and `1-31` do not.
 */
import { Cron } from "croner";
import { type CronField, type CronFields, parseCronSpec } from "../common/cron-spec.js";
import { ConstantDelaySchedule, type Schedule } from "./schedule.js";

/**
 * Parses an expression into a schedule. `utc` chooses UTC instead of the server's local time zone (FlyteAdmin's
 * `useUTCTz`); a `TZ=` prefix overrides both. Throws with robfig's message when the expression is refused.
 *
 * @example
 * parseCron("*\/15 9-17 * * mon-fri", { utc: true }).next(Date.now());
 */
export function parseCron(spec: string, options: { utc: boolean }): Schedule {
  const parsed = parseCronSpec(spec);
  if (parsed.kind === "every") {
    // robfig's Every: at least one second, whole seconds.
    const seconds = Math.max(1, Math.trunc(parsed.nanos / 1e9));
    return new ConstantDelaySchedule(seconds * 1000);
  }
  return new CronSchedule(parsed.fields, parsed.timezone ?? (options.utc ? "UTC" : undefined));
}

/** The croner text of a field: `*` where robfig has its star bit, else the explicit values. */
function cronerField(f: CronField): string {
  return f.star ? "*" : f.values.join(",");
}

/** croner's zone option; UTC as a zero offset, which croner computes about ten times faster than a named zone. */
function zoneOption(
  timezone: string | undefined,
): { timezone: string } | { utcOffset: number } | Record<string, never> {
  if (timezone === undefined || timezone === "Local") return {};
  if (timezone === "UTC") return { utcOffset: 0 };
  return { timezone };
}

/**
 * A five-field schedule, evaluated by croner on the normalised pattern. Times are whole seconds (second 0).
 *
 * @example
 * const s = parseCron("0 9 * * mon-fri", { utc: true }); // a CronSchedule
 * s.next(Date.now());
 */
export class CronSchedule implements Schedule {
  readonly #cron: Cron;

  constructor(fields: CronFields, timezone: string | undefined) {
    const pattern = ["0", fields.minute, fields.hour, fields.dom, fields.month, fields.dow]
      .map((f) => (typeof f === "string" ? f : cronerField(f)))
      .join(" ");
    this.#cron = new Cron(pattern, { mode: "6-part", domAndDow: false, paused: true, ...zoneOption(timezone) });
  }

  next(afterMs: number): number | undefined {
    return this.#cron.nextRun(new Date(afterMs))?.getTime();
  }
}
