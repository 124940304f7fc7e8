/**
 * The cron check of launch plan schedules: robfig/cron v3's `ParseStandard`
 * (five fields — minute, hour, day of month, month, day of week — or a
 * descriptor such as `@daily` or `@every 1h30m`, optionally after
 * `TZ=<zone> `), with its error texts, which FlyteAdmin returns as
 * `Invalid cron expression: <error>`. Validation only: the scheduler evaluates
 * the expressions that pass.
 */

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
const FIELDS: readonly Bounds[] = [MINUTES, HOURS, DOM, MONTHS, DOW];
const DESCRIPTORS = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);
const DURATION_UNITS = new Set(["ns", "us", "µs", "μs", "ms", "s", "m", "h"]);

/**
 * Why `ParseStandard` refuses `spec`, or undefined when it accepts it.
 *
 * @example
 * standardCronError("*\/5 * * * *");  // undefined
 * standardCronError("0 0 * *");      // "expected exactly 5 fields, found 4: [0 0 * *]"
 */
export function standardCronError(spec: string): string | undefined {
  if (spec.length === 0) return "empty spec string";
  let rest = spec;
  if (rest.startsWith("TZ=") || rest.startsWith("CRON_TZ=")) {
    const space = rest.indexOf(" ");
    const zone = rest.slice(rest.indexOf("=") + 1, space < 0 ? undefined : space);
    if (space < 0 || !knownTimeZone(zone)) return `provided bad location ${zone}: unknown time zone ${zone}`;
    rest = rest.slice(space).trim();
  }
  if (rest.startsWith("@")) return descriptorError(rest);
  const fields = rest.split(/\s+/).filter((f) => f !== "");
  if (fields.length !== FIELDS.length) {
    return `expected exactly ${FIELDS.length} fields, found ${fields.length}: [${fields.join(" ")}]`;
  }
  for (let i = 0; i < FIELDS.length; i++) {
    for (const expr of (fields[i] as string).split(",").filter((r) => r !== "")) {
      const err = rangeError(expr, FIELDS[i] as Bounds);
      if (err) return err;
    }
  }
  return undefined;
}

function descriptorError(descriptor: string): string | undefined {
  if (DESCRIPTORS.has(descriptor)) return undefined;
  const every = "@every ";
  if (descriptor.startsWith(every)) {
    const err = goDurationError(descriptor.slice(every.length));
    return err ? `failed to parse duration ${descriptor}: ${err}` : undefined;
  }
  return `unrecognized descriptor: ${descriptor}`;
}

/** `number | number "-" number [ "/" number ]`, or `*` / `?` with an optional step. */
function rangeError(expr: string, r: Bounds): string | undefined {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = (rangeAndStep[0] as string).split("-");
  let start: number;
  let end: number;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    start = r.min;
    end = r.max;
  } else {
    const low = intOrName(lowAndHigh[0] as string, r.names);
    if (typeof low === "string") return low;
    start = low;
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) {
      const high = intOrName(lowAndHigh[1] as string, r.names);
      if (typeof high === "string") return high;
      end = high;
    } else return `too many hyphens: ${expr}`;
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    const s = nonNegativeInt(rangeAndStep[1] as string);
    if (typeof s === "string") return s;
    step = s;
    // "N/step" means "N-max/step".
    if (lowAndHigh.length === 1) end = r.max;
  } else if (rangeAndStep.length > 2) return `too many slashes: ${expr}`;
  if (start < r.min) return `beginning of range (${start}) below minimum (${r.min}): ${expr}`;
  if (end > r.max) return `end of range (${end}) above maximum (${r.max}): ${expr}`;
  if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${expr}`;
  if (step === 0) return `step of range should be a positive number: ${expr}`;
  return undefined;
}

function intOrName(expr: string, names: Bounds["names"]): number | string {
  const named = names?.[expr.toLowerCase()];
  return named ?? nonNegativeInt(expr);
}

/** Go's `strconv.Atoi` then a sign check, with robfig's messages. */
function nonNegativeInt(expr: string): number | string {
  if (!/^[+-]?\d+$/.test(expr)) {
    return `failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`;
  }
  const n = BigInt(expr);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) {
    return `failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: value out of range`;
  }
  if (n < 0n) return `negative number (${n}) not allowed: ${expr}`;
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
