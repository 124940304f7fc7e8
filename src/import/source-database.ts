/**
 * Reading a Go FlyteAdmin PostgreSQL database: which tables and columns it
 * has, and its rows in id order, in batches, optionally only those updated
 * since a time. Timestamps are read as text (node-postgres' Date would cut
 * microseconds), bigints as numbers.
 */
import pg from "pg";

const INT8 = 20;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8) return (v: string) => Number(v);
    if (oid === TIMESTAMP || oid === TIMESTAMPTZ) return (v: string) => v;
    return pg.types.getTypeParser(oid, format);
  },
};

export type SourceRow = Record<string, unknown> & { id: number };

/**
 * A FlyteAdmin database, read-only.
 *
 * @example
 * const source = new SourceDatabase("postgres://flyteadmin@db/flyteadmin");
 * const rows = await source.batch("tasks", ["id", "project"], 0, undefined, 500);
 */
export class SourceDatabase {
  readonly #pool: pg.Pool;

  constructor(url: string) {
    this.#pool = new pg.Pool({ connectionString: url, max: 2, types, options: "-c TimeZone=UTC" });
  }

  /** The source's identity for checkpoints: host, port and database, without credentials. */
  static fingerprint(url: string): string {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "5432"}${u.pathname}`;
  }

  /** Columns of each table in the current schema. */
  async tables(): Promise<Map<string, Set<string>>> {
    const { rows } = await this.#pool.query<{ table_name: string; column_name: string }>(
      `SELECT c.table_name, c.column_name FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`,
    );
    const out = new Map<string, Set<string>>();
    for (const r of rows) {
      const cols = out.get(r.table_name) ?? new Set<string>();
      cols.add(r.column_name);
      out.set(r.table_name, cols);
    }
    return out;
  }

  /** The source clock, as text (pass start times are the source's, not ours). */
  async now(): Promise<string> {
    const { rows } = await this.#pool.query<{ now: string }>("SELECT now() AS now");
    return (rows[0] as { now: string }).now;
  }

  /** The planner's row estimate, for progress (a count(*) would read the whole table). */
  async estimate(table: string): Promise<number> {
    const { rows } = await this.#pool.query<{ n: number }>(
      "SELECT greatest(reltuples, 0)::bigint AS n FROM pg_class WHERE oid = to_regclass($1)",
      [table],
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * Up to `limit` rows with id > `afterId` (and `where`, a condition on the table's own columns), in id order,
   * updated at or after `since` when given.
   */
  async batch(
    table: string,
    columns: readonly string[],
    afterId: number,
    since: string | undefined,
    limit: number,
    where?: string,
  ): Promise<SourceRow[]> {
    const cols = ["id", ...columns.filter((c) => c !== "id")].map(quote).join(", ");
    const conditions = ["id > $1"];
    const params: unknown[] = [afterId, limit];
    if (since !== undefined) {
      params.push(since);
      conditions.push(`(updated_at IS NULL OR updated_at >= $${params.length}::timestamptz)`);
    }
    if (where) conditions.push(where);
    const { rows } = await this.#pool.query<SourceRow>(
      `SELECT ${cols} FROM ${quote(table)} WHERE ${conditions.join(" AND ")} ORDER BY id LIMIT $2`,
      params,
    );
    return rows;
  }

  /** The natural keys of rows by id. */
  async keysById(table: string, key: readonly string[], ids: readonly number[]): Promise<SourceRow[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.#pool.query<SourceRow>(
      `SELECT id, ${key.map(quote).join(", ")} FROM ${quote(table)} WHERE id = ANY($1::bigint[])`,
      [ids],
    );
    return rows;
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
