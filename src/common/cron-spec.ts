/**
 * robfig/cron v3's `ParseStandard`, the cron dialect of FlyteAdmin's launch
 * plan schedules: five fields (minute, hour, day of month, month, day of
 * week) with names (`jan`, `mon`), `*`/`?`, lists, ranges and steps (`N/s`
 * meaning `N-max/s`); or a descriptor (`@yearly`, `@annually`, `@monthly`,
 * `@weekly`, `@daily`, `@midnight`, `@hourly`, `@every <duration>`);
 * optionally after `TZ=<zone> ` or `CRON_TZ=<zone> `. Errors carry robfig's
 * texts, which FlyteAdmin returns as `Invalid cron expression: <error>`.
 * Launch plan validation uses the check; the scheduler evaluates the result.
 */
import { parseGoDuration } from "./duration.js";

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };
const DURATION_UNITS = new Set(["ns", "us", "µs", "μs", "ms", "s", "m", "h"]);

/** The five-field form of the descriptors (robfig builds the same bit sets). */
const DESCRIPTORS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** One field: the values it allows, and whether robfig sets its "star" bit (`*`, `?`, `*\/1`). */
export interface CronField {
  readonly values: readonly number[];
  readonly star: boolean;
}

export interface CronFields {
  readonly minute: CronField;
  readonly hour: CronField;
  readonly dom: CronField;
  readonly month: CronField;
  readonly dow: CronField;
}

/** A parsed spec: five fields, or `@every` (a constant delay in nanoseconds); the zone of a `TZ=` prefix. */
export type CronSpec =
  | { readonly kind: "fields"; readonly fields: CronFields; readonly timezone: string | undefined }
  | { readonly kind: "every"; readonly nanos: number; readonly timezone: string | undefined };

/**
 * A spec robfig refuses; the message is robfig's.
 *
 * @example
 * parseCronSpec("61 * * * *"); // throws CronSpecError("end of range (61) above maximum (59): 61")
 */
export class CronSpecError extends Error {
  override name = "CronSpecError";
}

/**
 * Parses a spec as `ParseStandard` does; throws CronSpecError with robfig's message.
 *
 * @example
 * parseCronSpec("*\/15 9-17 * * mon-fri"); // { kind: "fields", fields: {...}, timezone: undefined }
 */
export function parseCronSpec(spec: string): CronSpec {
  if (spec.length === 0) throw new CronSpecError("empty spec string");
  let rest = spec;
  let timezone: string | undefined;
  if (rest.startsWith("TZ=") || rest.startsWith("CRON_TZ=")) {
    const space = rest.indexOf(" ");
    const zone = rest.slice(rest.indexOf("=") + 1, space < 0 ? undefined : space);
    if (space < 0 || !knownTimeZone(zone)) {
      throw new CronSpecError(`provided bad location ${zone}: unknown time zone ${zone}`);
    }
    timezone = zone === "" ? "UTC" : zone;
    rest = rest.slice(space).trim();
  }
  if (rest.startsWith("@every ")) {
    const text = rest.slice("@every ".length);
    const err = goDurationError(text);
    if (err) throw new CronSpecError(`failed to parse duration ${rest}: ${err}`);
    return { kind: "every", nanos: parseGoDuration(text) ?? 0, timezone };
  }
  const expanded = rest.startsWith("@") ? DESCRIPTORS[rest] : rest;
  if (expanded === undefined) throw new CronSpecError(`unrecognized descriptor: ${rest}`);
  return { kind: "fields", fields: parseFields(expanded), timezone };
}

/** Why `ParseStandard` refuses `spec`, or undefined when it accepts it. */
export function cronSpecError(spec: string): string | undefined {
  try {
    parseCronSpec(spec);
    return undefined;
  } catch (err) {
    if (err instanceof CronSpecError) return err.message;
    throw err;
  }
}

function parseFields(spec: string): CronFields {
  const fields = spec.split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 5) {
    throw new CronSpecError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`);
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
  for (const expr of field.split(",").filter((r) => r !== "")) {
    const r = parseRange(expr, b);
    for (const v of r.values) values.add(v);
    star ||= r.star;
  }
  return { values: [...values].sort((x, y) => x - y), star };
}

/** `number | number "-" number [ "/" number ]`, or `*` / `?` with an optional step. */
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
    start = intOrName(lowAndHigh[0] as string, b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = intOrName(lowAndHigh[1] as string, b);
    else throw new CronSpecError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = nonNegativeInt(rangeAndStep[1] as string);
    // "N/step" means "N-max/step"; a step above 1 clears the star bit ("*/1" keeps it).
    if (lowAndHigh.length === 1) end = b.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new CronSpecError(`too many slashes: ${expr}`);
  }
  if (start < b.min) throw new CronSpecError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronSpecError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronSpecError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronSpecError(`step of range should be a positive number: ${expr}`);
  const values: number[] = [];
  for (let v = start; v <= end; v += step) values.push(v);
  return { values, star };
}

function intOrName(expr: string, b: Bounds): number {
  return b.names?.[expr.toLowerCase()] ?? nonNegativeInt(expr);
}

/** Go's `strconv.Atoi` then a sign check, with robfig's messages. */
function nonNegativeInt(expr: string): number {
  const quoted = JSON.stringify(expr);
  if (!/^[+-]?\d+$/.test(expr)) {
    throw new CronSpecError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${quoted}: invalid syntax`);
  }
  const n = BigInt(expr);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) {
    throw new CronSpecError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${quoted}: value out of range`);
  }
  if (n < 0n) throw new CronSpecError(`negative number (${n}) not allowed: ${expr}`);
  // Beyond any bound: the range check reports it; keep the number finite for the message.
  return Number(n);
}

/** Go's `time.ParseDuration` error for `s`, undefined when it parses. */
function goDurationError(s: string): string | undefined {
  const quoted = JSON.stringify(s);
  let rest = s.replace(/^[+-]/, "");
  if (rest === "0") return undefined;
  if (rest === "") return `time: invalid duration ${quoted}`;
  while (rest !== "") {
    const number = /^(\d+(\.\d*)?|\.\d+)/.exec(rest);
    if (!number) return `time: invalid duration ${quoted}`;
    rest = rest.slice(number[0].length);
    const unit = /^[^\d.]*/.exec(rest)?.[0] ?? "";
    if (unit === "") return `time: missing unit in duration ${quoted}`;
    if (!DURATION_UNITS.has(unit)) return `time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`;
    rest = rest.slice(unit.length);
  }
  return undefined;
}

function knownTimeZone(zone: string): boolean {
  if (zone === "UTC" || zone === "Local" || zone === "") return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
