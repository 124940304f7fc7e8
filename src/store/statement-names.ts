/**
 * SQL texts worth keeping prepared on each PostgreSQL connection: the fixed
 * statements of the hot paths (prepared-query.ts registers them). A named
 * statement is parsed and planned once per connection instead of on every
 * call. Texts built per request (list filters) are not named, so the number
 * of statements a connection keeps stays small.
 */
import { createHash } from "node:crypto";

const names = new Map<string, string>();

/** Marks a SQL text as a fixed, frequently run statement. */
export function registerStatement(sql: string): void {
  if (!names.has(sql)) names.set(sql, `s_${createHash("sha1").update(sql).digest("hex").slice(0, 24)}`);
}

/** The statement name of a registered SQL text, undefined for any other text. */
export function statementName(sql: string): string | undefined {
  return names.get(sql);
}
