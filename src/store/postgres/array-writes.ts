/**
 * Many rows written by one statement (PostgreSQL): each column goes in as
 * one array parameter, `unnest(...)` turns the arrays back into rows. The
 * arrays are cast to the table's own column types, read once from the
 * catalog, so that no type is written twice.
 */
import { CompiledQuery, type RawBuilder, sql } from "kysely";
import type { Executor } from "../database.js";
import type { BatchWriter } from "../group-commit.js";

/** Each table's column types as PostgreSQL spells them (`format_type`), per connection pool. */
const catalogs = new WeakMap<Executor, Map<string, Promise<Map<string, string>>>>();

async function columnTypes(ex: Executor, pool: Executor, table: string): Promise<Map<string, string>> {
  let tables = catalogs.get(pool);
  if (tables === undefined) {
    tables = new Map();
    catalogs.set(pool, tables);
  }
  let types = tables.get(table);
  if (types === undefined) {
    types = sql<{
      name: string;
      type: string;
    }>`select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute where attrelid = ${table}::regclass and attnum > 0 and not attisdropped`
      .execute(ex)
      .then((r) => new Map(r.rows.map((c) => [c.name, c.type])));
    types.catch(() => tables.delete(table));
    tables.set(table, types);
  }
  return types;
}

/** `unnest($1::type1[], $2::type2[], ...)` of the rows' columns. */
async function arrays(
  ex: Executor,
  pool: Executor,
  table: string,
  columns: readonly string[],
  rows: readonly Readonly<Record<string, unknown>>[],
): Promise<RawBuilder<unknown>> {
  const types = await columnTypes(ex, pool, table);
  return sql`unnest(${sql.join(
    columns.map((c) => {
      const type = types.get(c);
      if (type === undefined) throw new Error(`array write: ${table} has no column ${c}`);
      return sql`${rows.map((r) => r[c] ?? null)}::${sql.raw(type)}[]`;
    }),
  )})`;
}

/**
 * Inserts `rows` (all with the columns of the first) in one statement; with
 * `skipTaken`, rows whose unique key is taken are left out instead of
 * failing. Answers the `returning` column of each row written.
 *
 * @example
 * await insertRows(trx, db.kysely, "task_executions", rows);
 */
export async function insertRows(
  ex: Executor,
  pool: Executor,
  table: string,
  rows: readonly Readonly<Record<string, unknown>>[],
  options: { readonly skipTaken?: boolean; readonly returning?: string } = {},
): Promise<unknown[]> {
  const columns = Object.keys(rows[0] ?? {});
  if (columns.length === 0) return [];
  const values = await arrays(ex, pool, table, columns, rows);
  const query = sql<
    Record<string, unknown>
  >`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.id(c)))}) select * from ${values}${
    options.skipTaken ? sql` on conflict do nothing` : sql``
  }${options.returning ? sql` returning ${sql.id(options.returning)}` : sql``}`.compile(ex);
  const result = await ex.executeQuery<Record<string, unknown>>(CompiledQuery.raw(query.sql, [...query.parameters]));
  return options.returning ? result.rows.map((r) => r[options.returning as string]) : [];
}

/**
 * Updates rows by `id` in one statement: each row's other columns (those of
 * the first row) are written to the row with its id.
 *
 * @example
 * await updateRowsById(trx, db.kysely, "task_executions", [{ id: 7, phase: "RUNNING" }]);
 */
export async function updateRowsById(
  ex: Executor,
  pool: Executor,
  table: string,
  rows: readonly Readonly<Record<string, unknown>>[],
): Promise<void> {
  const columns = Object.keys(rows[0] ?? {}).filter((c) => c !== "id");
  if (columns.length === 0 || rows.length === 0) return;
  const values = await arrays(ex, pool, table, ["id", ...columns], rows);
  const query = sql`update ${sql.table(table)} as t set ${sql.join(
    columns.map((c) => sql`${sql.id(c)} = u.${sql.id(c)}`),
  )} from ${values} as u(${sql.join(["id", ...columns].map((c) => sql.id(c)))}) where t.id = u.id`.compile(ex);
  await ex.executeQuery(CompiledQuery.raw(query.sql, [...query.parameters]));
}

/**
 * A table's writers for a group's deferred writes (store/group-commit.ts):
 * its new rows, then its changed rows by id, a statement each.
 *
 * @example
 * const writes = rowWriters(db.kysely, "task_executions");
 * if (!deferWrite(trx, writes.updates, row)) await update(trx, row);
 */
export function rowWriters(
  pool: Executor,
  table: string,
): { readonly inserts: BatchWriter<Record<string, unknown>>; readonly updates: BatchWriter<Record<string, unknown>> } {
  return {
    inserts: { name: `${table} 1 insert`, write: async (trx, rows) => void (await insertRows(trx, pool, table, rows)) },
    updates: { name: `${table} 2 update`, write: (trx, rows) => updateRowsById(trx, pool, table, rows) },
  };
}
