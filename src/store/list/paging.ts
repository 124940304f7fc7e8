/**
 * Sort keys, page tokens and limits of the List RPCs (entities.md §4.3-4.4).
 * Tokens are decimal row offsets: flytectl computes them itself.
 */
import { AdminError } from "../../errors/admin-error.js";
import { type Sort, Sort_Direction } from "../../proto/gen/flyteidl/admin/common_pb.js";
import { COLUMNS, type EntityCode } from "./entities.js";

export interface SortOrder {
  readonly column: string;
  readonly direction: "asc" | "desc";
}

/**
 * Validates `sort_by`: the key must be a column of the entity; DESCENDING (0,
 * the default) or ASCENDING. Undefined when no sort was asked for.
 */
export function parseSort(sort: Sort | undefined, entity: EntityCode): SortOrder | undefined {
  if (!sort) return undefined;
  if (!COLUMNS[entity].has(sort.key)) throw AdminError.invalidArgument(`invalid sort key '${sort.key}'`);
  if (sort.direction === Sort_Direction.DESCENDING) return { column: sort.key, direction: "desc" };
  if (sort.direction === Sort_Direction.ASCENDING) return { column: sort.key, direction: "asc" };
  throw AdminError.invalidArgument(`invalid sort order specified: key:"${sort.key}" direction:${sort.direction} `);
}

/** The row offset a token names; `""` is 0. Go's Atoi forms are accepted, negatives refused. */
export function parseToken(token: string, listName: string): number {
  if (token === "") return 0;
  if (!/^[+-]?\d+$/.test(token)) throw invalidToken(token, listName);
  const n = Number(token);
  if (n < 0 || !Number.isSafeInteger(n)) throw invalidToken(token, listName);
  return n;
}

function invalidToken(token: string, listName: string): AdminError {
  const suffix = listName ? ` for ${listName}` : "";
  return AdminError.invalidArgument(`invalid pagination token ${token}${suffix}`);
}

/** The next page's token: set only when the page came back full. */
export function nextToken(offset: number, count: number, limit: number): string {
  return count === limit && limit > 0 ? String(offset + count) : "";
}

/** `invalid value for limit` unless limit > 0. */
export function requireLimit(limit: number): number {
  if (limit <= 0) throw AdminError.invalidValue("limit");
  return limit;
}
