/**
 * `flyteadmin import` throughput. Run: `npx tsx bench/import.ts [--executions 2000] [--batch 500]`.
 * Writes bench/results/import.json.
 *
 * Builds a Go FlyteAdmin database (test/fixtures/flyteadmin-db/schema.sql) in a throw-away PostgreSQL cluster with
 * N executions, each with 2 execution events, 5 node executions (every second one a child of the first, so ids are
 * translated), 5 node events and 5 task executions, then imports it into SQLite and into PostgreSQL: rows per second
 * (wall) and CPU seconds of this process; then a second run with nothing new (the cost of an incremental run; with
 * no look-back margin, see below).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import pino from "pino";
import { loadConfig } from "../src/config/load.js";
import { importFlyteAdmin } from "../src/import/importer.js";
import { Database } from "../src/store/database.js";
import {
  freshPostgresDatabase,
  numberArg,
  printTable,
  ROOT,
  round,
  stopPostgres,
  writeResult,
} from "./support/harness.js";

const executions = numberArg("executions", 2000);
const batchSize = numberArg("batch", 500);
const logger = pino({ level: "silent" });

const source = await freshPostgresDatabase();
if (!source) {
  console.log("PostgreSQL is not installed: the source database cannot be built");
  process.exit(0);
}
const sourceUrl = `postgres://postgres@${source.host}:${source.port}/${source.dbname}`;
const client = new pg.Client({ connectionString: sourceUrl });
await client.connect();
await client.query(readFileSync(join(ROOT, "test/fixtures/flyteadmin-db/schema.sql"), "utf8"));
const blob = "decode('0a0408011001', 'hex')";
await client.query(`
  INSERT INTO executions (created_at, updated_at, execution_project, execution_domain, execution_name, phase, closure,
    spec, execution_created_at, execution_updated_at, duration, launch_entity, "user", inputs_uri)
  SELECT now(), now(), 'p', 'development', 'e' || i, 'SUCCEEDED', ${blob}, ${blob}, now(), now(), 1000, 'launch_plan',
    'alice', 's3://flyte/metadata/p/development/e' || i || '/inputs'
  FROM generate_series(1, ${executions}) i;
  INSERT INTO execution_events (created_at, updated_at, execution_project, execution_domain, execution_name, request_id,
    occurred_at, phase)
  SELECT now(), now(), 'p', 'development', 'e' || i, 'r', now(), ph
  FROM generate_series(1, ${executions}) i, unnest(ARRAY['RUNNING', 'SUCCEEDED']) ph;
  INSERT INTO node_executions (created_at, updated_at, execution_project, execution_domain, execution_name, node_id,
    phase, input_uri, closure, node_execution_created_at, node_execution_updated_at, duration, internal_data,
    node_execution_metadata)
  SELECT now(), now(), 'p', 'development', 'e' || i, 'n' || n, 'SUCCEEDED', 's3://flyte/in', ${blob}, now(), now(), 1,
    ${blob}, ${blob}
  FROM generate_series(1, ${executions}) i, generate_series(0, 4) n;
  UPDATE node_executions c SET parent_id = p.id FROM node_executions p
    WHERE p.execution_name = c.execution_name AND p.node_id = 'n0' AND c.node_id IN ('n2', 'n4');
  INSERT INTO node_execution_events (created_at, updated_at, execution_project, execution_domain, execution_name,
    node_id, request_id, occurred_at, phase)
  SELECT now(), now(), 'p', 'development', 'e' || i, 'n' || n, 'r', now(), 'SUCCEEDED'
  FROM generate_series(1, ${executions}) i, generate_series(0, 4) n;
  INSERT INTO task_executions (created_at, updated_at, project, domain, name, version, execution_project,
    execution_domain, execution_name, node_id, retry_attempt, phase, phase_version, input_uri, closure,
    task_execution_created_at, task_execution_updated_at, duration)
  SELECT now(), now(), 'p', 'development', 't', 'v1', 'p', 'development', 'e' || i, 'n' || n, 0, 'SUCCEEDED', 0,
    's3://flyte/in', ${blob}, now(), now(), 1
  FROM generate_series(1, ${executions}) i, generate_series(0, 4) n;
  ANALYZE;`);
await client.end();
const rows = executions * (1 + 2 + 5 + 5 + 5);

const results: Record<string, string | number>[] = [];
const dir = mkdtempSync(join(tmpdir(), "bench-import-"));
for (const dialect of ["sqlite", "postgres"] as const) {
  const database =
    dialect === "sqlite" ? { sqlite: { file: join(dir, "target.db") } } : { postgres: await freshPostgresDatabase() };
  const { config } = loadConfig({ dataDir: dir, overrides: { database } });
  const target = Database.open(config, dir);
  await target.migrate();
  for (const run of ["first", "again"]) {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    // The second run looks back from the first run's start without the 10-minute margin (the rows here are all
    // seconds old; with the margin it would re-read them all, which is what a rerun within 10 minutes costs).
    const report = await importFlyteAdmin({
      from: sourceUrl,
      target,
      logger,
      batchSize,
      marginMs: run === "again" ? 0 : undefined,
    });
    const seconds = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu);
    const written = Object.values(report.tables).reduce((n, t) => n + t.written, 0);
    results.push({
      target: dialect,
      run,
      rows: run === "first" ? rows : 0,
      written,
      seconds: round(seconds),
      "rows/s": run === "first" ? Math.round(rows / seconds) : "-",
      "cpu s (importer)": round((used.user + used.system) / 1e6),
    });
  }
  await target.close();
}
rmSync(dir, { recursive: true, force: true });
stopPostgres();
printTable(`import of ${executions} executions (${rows} rows), batch ${batchSize}`, results);
console.log(writeResult("import", { executions, batchSize, results }));
