/**
 * Names for SQL texts, so that each PostgreSQL connection keeps them as
 * prepared statements: parsed, analysed and (once PostgreSQL settles on a
 * generic plan) planned once per connection instead of on every call. An
 * unnamed statement costs PostgreSQL more to parse and plan than a key
 * lookup costs to run (pg_stat_statements: ~0.07 ms planning against ~0.04 ms
 * executing a GetTask), which made its CPU per read 2-4x Go FlyteAdmin's
 * (pgx prepares and caches every statement the same way).
 *
 * Every query Kysely compiles has its values as parameters, so the number of
 * distinct texts is the number of query shapes (list filters make a few
 * hundred at most); both this table and each connection's set are bounded
 * all the same, and a text past a bound simply runs unnamed.
 */
import { createHash } from "node:crypto";

/** Distinct texts named in this process. */
const MAX_NAMED_TEXTS = 4096;
/** Prepared statements one connection keeps (PostgreSQL holds each one's parse tree and plan in the backend). */
export const MAX_STATEMENTS_PER_CONNECTION = 512;

const names = new Map<string, string | null>();
const DML = /^\s*(select|insert|update|delete|with)\s/i;

/** Marks a SQL text as a fixed, frequently run statement (named before its first run). */
export function registerStatement(sql: string): void {
  statementName(sql);
}

/**
 * The statement name of a data query's text, stable across connections and
 * processes; undefined for statements that must not be kept prepared
 * (transaction control, DDL) and once the table is full.
 */
export function statementName(sql: string): string | undefined {
  let name = names.get(sql);
  if (name === undefined) {
    if (names.size >= MAX_NAMED_TEXTS) return undefined;
    name = DML.test(sql) ? `s_${createHash("sha1").update(sql).digest("hex").slice(0, 24)}` : null;
    names.set(sql, name);
  }
  return name ?? undefined;
}
