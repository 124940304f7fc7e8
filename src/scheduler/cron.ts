/**
 * Cron expressions in the dialect FlyteAdmin's scheduler accepts: robfig/cron
 * v3 `ParseStandard` (executions.md §6.2) — five fields (minute, hour, day of
 * month, month, day of week), names (`jan`, `mon`), `*`/`?`, lists, ranges,
 * steps (`N/s` meaning `N-max/s`), the descriptors `@yearly`, `@annually`,
 * `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`, `@every
 * <duration>`, and an optional `TZ=`/`CRON_TZ=` prefix.
 *
 * The expression is parsed here, with robfig's grammar and messages, into
 * per-field value sets; `croner` then computes the times. The two differ in
 * syntax (croner also takes seconds, years, `L`, `W`, `#`, weekday 7, and
 * reads `N/s` differently), so croner only ever sees a normalised pattern:
 * explicit value lists, `*` exactly where robfig sets its "star" bit. With
 * that, croner's OR rule for day-of-month/day-of-week (used unless one of them
 * is `*`) is robfig's rule, including robfig's quirks: `*\/1` counts as a
 * star, `*\/2` and `1-31` do not.
 */
import { Cron } from "croner";
import { parseGoDuration } from "../common/duration.js";
import { ConstantDelaySchedule, type Schedule } from "./schedule.js";

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: ReadonlyMap<string, number>;
}

const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DOW_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = { min: 1, max: 12, names: new Map(MONTH_NAMES.map((n, i) => [n, i + 1])) };
const DOW: Bounds = { min: 0, max: 6, names: new Map(DOW_NAMES.map((n, i) => [n, i])) };

/** One field: the values it allows, and whether robfig would mark it a star (`*`, `?`, `*\/1`). */
export interface CronField {
  readonly values: readonly number[];
  readonly star: boolean;
}

/** A parsed five-field expression (descriptors other than `@every` become one too). */
export interface CronFields {
  readonly minute: CronField;
  readonly hour: CronField;
  readonly dom: CronField;
  readonly month: CronField;
  readonly dow: CronField;
}

const DESCRIPTORS: ReadonlyMap<string, string> = new Map([
  ["@yearly", "0 0 1 1 *"],
  ["@annually", "0 0 1 1 *"],
  ["@monthly", "0 0 1 * *"],
  ["@weekly", "0 0 * * 0"],
  ["@daily", "0 0 * * *"],
  ["@midnight", "0 0 * * *"],
  ["@hourly", "0 * * * *"],
]);

/**
 * Parses an expression into a schedule. `utc` chooses UTC instead of the server's local time zone (FlyteAdmin's
 * `useUTCTz`); a `TZ=` prefix overrides both. Throws with robfig's message when the expression is refused.
 *
 * @example
 * parseCron("*\/15 9-17 * * mon-fri", { utc: true }).next(Date.now());
 */
export function parseCron(spec: string, options: { utc: boolean }): Schedule {
  if (spec.length === 0) throw new Error("empty spec string");
  let rest = spec;
  let timezone: string | undefined = options.utc ? "UTC" : undefined;
  if (rest.startsWith("TZ=") || rest.startsWith("CRON_TZ=")) {
    const space = rest.indexOf(" ");
    const zone = rest.slice(rest.indexOf("=") + 1, space < 0 ? undefined : space);
    if (!isTimeZone(zone)) throw new Error(`provided bad location ${zone}: unknown time zone ${zone}`);
    timezone = zone;
    rest = space < 0 ? "" : rest.slice(space).trim();
  }
  if (rest.startsWith("@every ")) return everySchedule(rest);
  const expanded = rest.startsWith("@") ? DESCRIPTORS.get(rest) : rest;
  if (expanded === undefined) throw new Error(`unrecognized descriptor: ${rest}`);
  return new CronSchedule(parseFields(expanded), timezone);
}

/** The five fields of a non-descriptor expression, parsed with robfig's rules. */
export function parseFields(spec: string): CronFields {
  const fields = spec.split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 5) {
    throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`);
  }
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  return {
    minute: parseField(minute, MINUTES),
    hour: parseField(hour, HOURS),
    dom: parseField(dom, DOM),
    month: parseField(month, MONTHS),
    dow: parseField(dow, DOW),
  };
}

function parseField(field: string, b: Bounds): CronField {
  const values = new Set<number>();
  let star = false;
  for (const expr of field.split(",")) {
    const r = parseRange(expr, b);
    for (const v of r.values) values.add(v);
    star ||= r.star;
  }
  return { values: [...values].sort((x, y) => x - y), star };
}

function parseRange(expr: string, b: Bounds): CronField {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = (rangeAndStep[0] as string).split("-");
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0] as string, b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1] as string, b);
    else throw new Error(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1] as string);
    if (lowAndHigh.length === 1) end = b.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new Error(`too many slashes: ${expr}`);
  }
  if (start < b.min) throw new Error(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new Error(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
  const values: number[] = [];
  for (let v = start; v <= end; v += step) values.push(v);
  return { values, star };
}

function parseIntOrName(expr: string, b: Bounds): number {
  const named = b.names?.get(expr.toLowerCase());
  return named ?? mustParseInt(expr);
}

/** Go's `strconv.Atoi` as robfig uses it: optional sign, decimal digits, no negatives. */
function mustParseInt(expr: string): number {
  if (!/^[+-]?[0-9]+$/.test(expr))
    throw new Error(`failed to parse int from ${expr}: strconv.Atoi: parsing "${expr}": invalid syntax`);
  const n = Number(expr);
  if (n < 0) throw new Error(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

/** `@every <Go duration>`: a constant delay, at least one second, whole seconds. */
function everySchedule(spec: string): Schedule {
  const text = spec.slice("@every ".length);
  const nanos = parseGoDuration(text);
  if (nanos === undefined) throw new Error(`failed to parse duration ${spec}: time: invalid duration "${text}"`);
  const seconds = Math.max(1, Math.trunc(nanos / 1e9));
  return new ConstantDelaySchedule(seconds * 1000);
}

function isTimeZone(zone: string): boolean {
  if (zone === "" || zone === "Local") return zone === "Local";
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
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
