/**
 * FlyteAdmin's filter language (entities.md §4.1): `fn(field,value)`
 * expressions joined by `+`, fields optionally prefixed by an entity
 * (`execution.phase`), `value_in` values separated by `;`. Parsing and
 * validation are pure; filter-sql.ts turns the result into SQL.
 */
import { parseGoDuration } from "../../common/duration.js";
import { parseRfc3339Micros } from "../../common/time.js";
import { AdminError } from "../../errors/admin-error.js";
import { ALLOWED, COLUMNS, columnKind, type EntityCode, EXECUTION_KEYED, PREFIXES } from "./entities.js";

export type FilterFn =
  | "eq"
  | "ne"
  | "gt"
  | "gte"
  | "lt"
  | "lte"
  | "contains"
  | "value_in"
  | "not_like"
  | "value_not_in";

const FUNCTIONS: ReadonlySet<string> = new Set([
  "eq",
  "ne",
  "gt",
  "gte",
  "lt",
  "lte",
  "contains",
  "value_in",
  "not_like",
  "value_not_in",
]);

const MULTI_VALUE: ReadonlySet<FilterFn> = new Set(["value_in", "value_not_in"]);

/** A typed filter value: text, an integer, microseconds (timestamps) or nanoseconds (durations). */
export type FilterValue = string | number;

/** One validated filter. */
export interface Filter {
  readonly fn: FilterFn;
  readonly entity: EntityCode;
  readonly column: string;
  readonly values: readonly FilterValue[];
}

/**
 * Splits `fn(field,value)` as FlyteAdmin's pattern `(.+)\((.+),\s?(.+)\)`
 * does under Go's regexp (unanchored, greedy, `.` not matching a newline):
 * the value ends at the last `)`, the field at the last `,` before it, the
 * function at the last `(` before that. Go's RE2 runs in linear time; the
 * same pattern in a backtracking engine (JavaScript's) takes minutes on a
 * long filter without parentheses, so it is walked by hand.
 */
export function splitExpression(expr: string): [fn: string, field: string, value: string] | undefined {
  // The match starts on the first line that has one; only `\s?` may cross a newline.
  const lines = expr.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = matchLine(lines[i] as string, lines[i + 1]);
    if (m) return m;
  }
  return undefined;
}

/** The match starting at the beginning of `line`; `next` is the line after it, if any. */
function matchLine(line: string, next: string | undefined): [string, string, string] | undefined {
  // The shortest line that can start a match is `f(x,` (the value on the next line).
  if (line.length < 4 || !line.includes(",")) return undefined;
  const close = line.lastIndexOf(")");
  const nextClose = next === undefined ? -1 : next.lastIndexOf(")");
  const end = line.length;
  // Where the value starts after the comma at `c` (the greedy `\s?` first), or -1; `end + 1` is the next line.
  const valueStart = (c: number): number => {
    if (c + 1 === end) return nextClose >= 1 ? end + 1 : -1;
    if (/\s/.test(line.charAt(c + 1)) && close >= c + 3) return c + 2;
    return close >= c + 2 ? c + 1 : -1;
  };
  for (let c = line.lastIndexOf(","); c >= 3; c = line.lastIndexOf(",", c - 1)) {
    const from = valueStart(c);
    if (from < 0) continue;
    const open = line.lastIndexOf("(", c - 2);
    if (open < 1) return undefined;
    const value = from > end ? (next as string).slice(0, nextClose) : line.slice(from, close);
    return [line.slice(0, open), line.slice(open + 1, c), value];
  }
  return undefined;
}

/**
 * Parses a filter string for a list whose primary entity is `primary`.
 * An empty string is no filters.
 *
 * @example
 * parseFilters("eq(execution.phase,SUCCEEDED)+value_in(mode,0;1)", "e")
 */
export function parseFilters(text: string, primary: EntityCode, allowed = ALLOWED[primary] ?? [primary]): Filter[] {
  if (text === "") return [];
  return text.split("+").map((expr) => parseExpression(expr, primary, allowed));
}

function parseExpression(expr: string, primary: EntityCode, allowed: readonly EntityCode[]): Filter {
  const m = splitExpression(expr);
  if (!m) throw AdminError.invalidValue("filters");
  const [rawFn, field, rawValue] = m;
  const fn = rawFn.trim();
  if (!FUNCTIONS.has(fn)) throw AdminError.invalidArgument(`unrecognized filter function: ${fn}`);
  let { entity, column } = splitField(field, primary);
  if (!allowed.includes(entity)) throw AdminError.invalidArgument(`'${entity}' entity is not allowed in filters`);
  if (!COLUMNS[entity].has(column)) throw AdminError.invalidArgument(`'${entity}.${column}' is invalid filter`);
  if (EXECUTION_KEYED.has(entity) && (column === "project" || column === "domain" || column === "name")) {
    column = `execution_${column}`;
  }
  if (entity === "at") {
    // v1.16 dropped admin_tags; its `name` is an execution tag key now.
    entity = "et";
    column = column === "name" ? "key" : column;
  }
  const parts = rawValue.split(";");
  if (!MULTI_VALUE.has(fn as FilterFn) && parts.length > 1) {
    throw AdminError.invalidArgument(`filter function ${fn} takes a single value, got [${rawValue}]`);
  }
  const values = parts.map((v) => typedValue(column, v));
  return { fn: fn as FilterFn, entity, column, values };
}

function splitField(field: string, primary: EntityCode): { entity: EntityCode; column: string } {
  const dot = field.indexOf(".");
  if (dot > 0) {
    const entity = PREFIXES[field.slice(0, dot)];
    if (entity) return { entity, column: field.slice(dot + 1) };
  }
  return { entity: primary, column: field };
}

/**
 * Types a value by its column, so both databases compare like with like:
 * timestamps become microseconds, durations nanoseconds (a bare number is
 * seconds, as in FlyteAdmin), integer columns numbers.
 */
function typedValue(column: string, value: string): FilterValue {
  switch (columnKind(column)) {
    case "duration": {
      const secs = /^[+-]?(\d+\.?\d*|\.\d+)$/.test(value) ? Number(value) * 1e9 : undefined;
      const ns = secs ?? parseGoDuration(value);
      if (ns === undefined) throw AdminError.invalidArgument(`Failed to parse duration [${value}]`);
      return Math.round(ns);
    }
    case "timestamp": {
      const micros = parseRfc3339Micros(value);
      if (micros === undefined) {
        throw AdminError.invalidArgument(`invalid timestamp [${value}] for ${column}: expected RFC 3339`);
      }
      return micros;
    }
    case "integer": {
      if (!/^[+-]?\d+$/.test(value.trim())) {
        throw AdminError.invalidArgument(`invalid value [${value}] for ${column}: expected an integer`);
      }
      return Number(value);
    }
    default:
      return value;
  }
}
