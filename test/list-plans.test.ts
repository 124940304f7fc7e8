/**
 * The executions list is a prepared statement whose LIMIT and OFFSET are
 * part of its text (store/list/paging.ts, pageBound): PostgreSQL then
 * settles on a generic plan after its five custom ones, instead of planning
 * the query anew on every call as it did while the LIMIT was a parameter.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from "kysely";
import { loadConfig } from "../src/config/load.js";
import { Database } from "../src/store/database.js";
import type { Filter } from "../src/store/list/filters.js";
import { pageBound } from "../src/store/list/paging.js";
import { ExecutionRepository } from "../src/store/repositories/execution-repository.js";
import { createTestPgDatabase } from "./support/postgres.js";
import { testDialects } from "./support/server.js";

test("a page bound is a literal of the SQL text, and only a whole non-negative number is one", () => {
  // Kysely's documented way to compile without a database.
  const compiler = new Kysely<unknown>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  const compiled = sql`limit ${pageBound(20)} offset ${pageBound(0)}`.compile(compiler);
  assert.deepEqual([compiled.sql, compiled.parameters], ["limit 20 offset 0", []]);
  for (const bad of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2]) assert.throws(() => pageBound(bad));
});

if (testDialects().includes("postgres")) {
  describe("list queries on PostgreSQL", () => {
    let db: Database;
    let dataDir: string;
    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), "flyteadmin-plans-"));
      // One connection: the statements prepared below are the ones pg_prepared_statements shows.
      const database = { ...(await createTestPgDatabase("plans")), maxOpenConnections: 1 };
      db = Database.open(loadConfig({ dataDir, overrides: { database } }).config, dataDir);
      await db.migrate();
    });
    after(async () => {
      await db?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    test("a page of executions read again and again is planned a few times, then runs on its generic plan", async () => {
      // Enough rows, with their statistics, for the planner to weigh a LIMIT: a bound one costs the generic plan as
      // if a tenth of the table were read (so a custom plan every call), a written one as the page it is.
      await sql`insert into executions (execution_project, execution_domain, execution_name, phase, closure, spec,
          created_at, updated_at, execution_created_at, execution_updated_at)
        select 'p', 'd', 'x' || i, case when i % 10 = 0 then 'RUNNING' else 'SUCCEEDED' end, '', '',
          now(), now(), now(), now()
        from generate_series(1, 5000) i`.execute(db.kysely);
      await sql`analyze executions`.execute(db.kysely);
      const executions = new ExecutionRepository(db);
      const eq = (column: string, value: string | number): Filter => ({
        fn: "eq",
        entity: "e",
        column,
        values: [value],
      });
      const query = {
        filters: [eq("execution_project", "p"), eq("execution_domain", "d"), eq("phase", "RUNNING"), eq("state", 0)],
        sort: { column: "created_at", direction: "desc" as const },
        limit: 20,
        offset: 0,
      };
      for (let i = 0; i < 12; i++) assert.equal((await executions.listVersions(query))?.rows.length, 20);
      const plans = await sql<{ generic_plans: string; custom_plans: string }>`
        select generic_plans, custom_plans from pg_prepared_statements
        where statement like 'select array_to_string(%"executions"%'`.execute(db.kysely);
      assert.equal(plans.rows.length, 1, "the page query is one prepared statement");
      const [{ generic_plans, custom_plans }] = plans.rows as [{ generic_plans: string; custom_plans: string }];
      assert.ok(Number(custom_plans) <= 5, `custom plans: ${custom_plans}`);
      assert.ok(Number(generic_plans) >= 7, `generic plans: ${generic_plans}`);
    });
  });
}
