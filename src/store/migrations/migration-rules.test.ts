/**
 * The rule that makes rolling updates safe: while the next release migrates
 * the database, replicas of the previous one keep serving on it. So every
 * migration after the initial schema only adds (tables, nullable columns or
 * columns with a default, indexes), never drops, renames or retypes in `up`;
 * removing something takes two releases (stop using it, then drop it).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const DIR = import.meta.dirname;
const FORBIDDEN: ReadonlyArray<readonly [RegExp, string]> = [
  [/\.dropTable\(|\bDROP\s+TABLE\b/i, "drops a table"],
  [/\.dropColumn\(|\bDROP\s+COLUMN\b/i, "drops a column"],
  [/\.renameColumn\(|\.renameTo\(|\bRENAME\b/i, "renames"],
  [/\.alterColumn\(|\.modifyColumn\(|\bALTER\s+COLUMN\b/i, "changes a column"],
  [/\bDELETE\s+FROM\b|\.deleteFrom\(|\bTRUNCATE\b/i, "deletes rows"],
];

/** The text of `up` in a migration file (up to the next exported function). */
function upBody(source: string): string {
  const start = source.indexOf("export async function up");
  assert.ok(start >= 0, "a migration exports up()");
  const next = source.indexOf("export async function", start + 10);
  return source.slice(start, next < 0 ? undefined : next);
}

test("migrations after the initial schema only add", () => {
  const files = readdirSync(DIR).filter(
    (f) => /^\d{4}-.*\.ts$/.test(f) && !f.endsWith(".test.ts") && !f.startsWith("0001-"),
  );
  assert.ok(files.length > 0);
  for (const file of files) {
    const up = upBody(readFileSync(join(DIR, file), "utf8"));
    for (const [re, what] of FORBIDDEN)
      assert.ok(!re.test(up), `${file}: up() ${what}; a running older replica would break`);
    // A NOT NULL column added to an existing table needs a default, or the older replica's inserts fail.
    for (const m of up.matchAll(/addColumn\(([^;]*?)\)\s*(?=\.addColumn|\.execute|$)/gs)) {
      const call = m[1] ?? "";
      if (up.includes("alterTable(") && /notNull\(\)/.test(call)) {
        assert.match(call, /defaultTo\(/, `${file}: a NOT NULL column added without a default`);
      }
    }
  }
});

test("the rule is checked: a migration that drops a column is caught", () => {
  const bad = 'export async function up(db) { await db.schema.alterTable("tasks").dropColumn("type").execute(); }';
  assert.ok(FORBIDDEN.some(([re]) => re.test(upBody(bad))));
});
