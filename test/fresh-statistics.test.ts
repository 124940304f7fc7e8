/**
 * Planner statistics keep up with fast-growing tables (PostgreSQL): a table
 * whose rows changed by as many as it had at its last analysis is analyzed
 * within seconds instead of at autovacuum's next round, and a table that did
 * not grow is left alone.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { loadConfig } from "../src/config/load.js";
import { Database } from "../src/store/database.js";
import { analyzeGrownTables, MIN_CHANGES, REANALYZE_AFTER_MS } from "../src/store/postgres/fresh-statistics.js";
import { createTestPgDatabase } from "./support/postgres.js";
import { testDialects } from "./support/server.js";

const now = new Date().toISOString();
const project = (id: string) => ({
  identifier: id,
  name: id,
  description: "",
  labels: new Uint8Array(),
  state: 0,
  created_at: now,
  updated_at: now,
});

/** Waits for PostgreSQL's statistics counters (flushed by backends within about a second) to show `n` changes. */
async function changesVisible(db: Database, table: string, n: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { rows } = await sql<{ n: string }>`SELECT n_mod_since_analyze AS n FROM pg_stat_user_tables
      WHERE relname = ${table} AND schemaname = current_schema()`.execute(db.kysely);
    if (Number(rows[0]?.n ?? 0) >= n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${table}: ${n} changes never showed in pg_stat_user_tables`);
}

if (testDialects().includes("postgres")) {
  describe("fresh planner statistics [postgres]", () => {
    let db: Database;
    before(async () => {
      const { config } = loadConfig({ overrides: { database: await createTestPgDatabase("stats") } });
      db = Database.open(config, "/nonexistent");
      await db.migrate();
      // Autovacuum's own ANALYZE (its naptime may fall inside the test) would reset the counts this test reads.
      await sql`ALTER TABLE projects SET (autovacuum_enabled = false)`.execute(db.kysely);
      await sql`ANALYZE`.execute(db.kysely);
    });
    after(() => db?.close());

    test("a table that outgrew its statistics is analyzed, one that did not is left alone", async () => {
      const rows = Array.from({ length: MIN_CHANGES * 2 }, (_, i) => project(`p-${i}`));
      await db.kysely.insertInto("projects").values(rows).execute();
      await changesVisible(db, "projects", rows.length);

      const analyzedAt = new Map<string, number>();
      assert.deepEqual(await analyzeGrownTables(db, analyzedAt, 1_000_000), ["projects"]);
      const { rows: stats } = await sql<{ reltuples: number }>`SELECT reltuples FROM pg_class
        WHERE oid = 'projects'::regclass`.execute(db.kysely);
      assert.equal(Number(stats[0]?.reltuples), rows.length, "the new statistics count every row");
      assert.deepEqual(await analyzeGrownTables(db), [], "nothing changed since");

      // A few more rows than MIN_CHANGES, but fewer than the table has: left to autovacuum.
      await db.kysely
        .insertInto("projects")
        .values(Array.from({ length: MIN_CHANGES + 10 }, (_, i) => project(`q-${i}`)))
        .execute();
      await changesVisible(db, "projects", MIN_CHANGES + 10);
      assert.deepEqual(await analyzeGrownTables(db), []);

      // Grown again past its size, but analyzed here a moment ago: not again before REANALYZE_AFTER_MS.
      await db.kysely
        .insertInto("projects")
        .values(Array.from({ length: MIN_CHANGES * 4 }, (_, i) => project(`r-${i}`)))
        .execute();
      await changesVisible(db, "projects", MIN_CHANGES * 4);
      assert.deepEqual(await analyzeGrownTables(db, analyzedAt, 1_000_000 + REANALYZE_AFTER_MS - 1), []);
      assert.deepEqual(await analyzeGrownTables(db, analyzedAt, 1_000_000 + REANALYZE_AFTER_MS), ["projects"]);
    });
  });
}
