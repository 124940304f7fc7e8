/**
 * Filters as SQL conditions. Values are always bound as parameters; column
 * references come from a resolver, so a list can map an entity to a joined
 * table or a subquery alias (named entities do).
 */
import { type Expression, type RawBuilder, type SqlBool, sql } from "kysely";
import type { ValueCodec } from "../dialect.js";
import { columnKind, type EntityCode } from "./entities.js";
import type { Filter, FilterValue } from "./filters.js";

/** The table each entity lives in. */
export const TABLES: Readonly<Partial<Record<EntityCode, string>>> = {
  t: "tasks",
  w: "workflows",
  l: "launch_plans",
  e: "executions",
  ne: "node_executions",
  te: "task_executions",
  nem: "named_entity_metadata",
  p: "projects",
  s: "signals",
  et: "execution_tags",
  nee: "node_execution_events",
  de: "description_entities",
};

/** Maps a filter's entity and column to the SQL expression it compares. */
export type ColumnResolver = (entity: EntityCode, column: string) => Expression<unknown>;

/** `<table>.<column>` for the entity's own table. */
export const tableColumn: ColumnResolver = (entity, column) => sql.ref(`${TABLES[entity] ?? entity}.${column}`);

/**
 * One filter as a condition.
 *
 * @example
 * query.where(filterSql(filter, tableColumn, db.codec))
 */
export function filterSql(f: Filter, resolve: ColumnResolver, codec: ValueCodec): RawBuilder<SqlBool> {
  const col = resolve(f.entity, f.column);
  const isTime = columnKind(f.column) === "timestamp";
  const bind = (v: FilterValue) => (isTime ? codec.time(v as number) : v);
  const one = bind(f.values[0] as FilterValue);
  switch (f.fn) {
    case "eq":
      return sql<SqlBool>`${col} = ${one}`;
    case "ne":
      return sql<SqlBool>`${col} <> ${one}`;
    case "gt":
      return sql<SqlBool>`${col} > ${one}`;
    case "gte":
      return sql<SqlBool>`${col} >= ${one}`;
    case "lt":
      return sql<SqlBool>`${col} < ${one}`;
    case "lte":
      return sql<SqlBool>`${col} <= ${one}`;
    case "contains":
      return sql<SqlBool>`${col} LIKE ${`%${String(f.values[0])}%`}`;
    case "not_like":
      return sql<SqlBool>`${col} NOT LIKE ${String(f.values[0])}`;
    case "value_in":
      return sql<SqlBool>`${col} IN (${sql.join(f.values.map(bind))})`;
    case "value_not_in":
      return sql<SqlBool>`${col} NOT IN (${sql.join(f.values.map(bind))})`;
  }
}

/** All filters ANDed; undefined for none. */
export function allFiltersSql(
  filters: readonly Filter[],
  resolve: ColumnResolver,
  codec: ValueCodec,
): RawBuilder<SqlBool> | undefined {
  if (filters.length === 0) return undefined;
  return sql<SqlBool>`(${sql.join(
    filters.map((f) => filterSql(f, resolve, codec)),
    sql` AND `,
  )})`;
}

/** The entities (other than the primary) a set of filters references, so a list joins only what it needs. */
export function referencedEntities(filters: readonly Filter[], primary: EntityCode): Set<EntityCode> {
  return new Set(filters.map((f) => f.entity).filter((e) => e !== primary));
}
