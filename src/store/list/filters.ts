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

/** FlyteAdmin's expression pattern, unanchored and greedy: `(.+)\((.+),\s?(.+)\)`. */
const EXPRESSION = /(.+)\((.+),\s?(.+)\)/;

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
  const m = EXPRESSION.exec(expr);
  if (!m) throw AdminError.invalidValue("filters");
  const fn = (m[1] as string).trim();
  const field = m[2] as string;
  const rawValue = m[3] as string;
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
