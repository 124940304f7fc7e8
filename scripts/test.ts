/**
 * `npm test`: runs every test file (unit tests beside their modules in src/,
 * API tests in test/, real-client conformance tests in conformance/) with
 * node:test. When PostgreSQL is installed it starts
 * one throw-away cluster for the run and passes its URL in
 * FLYTEADMIN_TEST_PG_URL; each suite creates its own database in it.
 * Arguments filter test files by substring.
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative, resolve } from "node:path";
import { findPgBinDir, type PgCluster, startPgCluster } from "../test/support/postgres.js";

const root = resolve(import.meta.dirname, "..");

/** Generated code, dependencies and the clients' install dirs (conformance/.venv etc.). */
const SKIP_DIRS = new Set(["node_modules", "gen", ".venv", ".bin", ".work"]);

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : testFiles(p);
    return e.name.endsWith(".test.ts") ? [p] : [];
  });
}

const filters = process.argv.slice(2);
const files = ["src", "test", "conformance"]
  .flatMap((dir) => testFiles(join(root, dir)))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error("no test files match", filters);
  process.exit(1);
}

let cluster: PgCluster | undefined;
const env = { ...process.env };
if (process.env.FLYTEADMIN_TEST_PG_URL) {
  console.log(`PostgreSQL: using ${process.env.FLYTEADMIN_TEST_PG_URL}`);
} else if (process.env.FLYTEADMIN_TEST_SKIP_PG === "1") {
  console.log("PostgreSQL: skipped (FLYTEADMIN_TEST_SKIP_PG=1); suites run on SQLite only");
} else if (findPgBinDir()) {
  cluster = await startPgCluster();
  env.FLYTEADMIN_TEST_PG_URL = cluster.url;
  console.log(`PostgreSQL: throw-away cluster on port ${cluster.port}`);
} else {
  console.log("PostgreSQL: initdb/pg_ctl not found; suites run on SQLite only");
}

const concurrency = Math.max(2, Math.min(4, availableParallelism()));
const child = spawn(
  process.execPath,
  ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files],
  { cwd: root, env, stdio: "inherit" },
);
const code: number = await new Promise((r) => child.on("exit", (c, sig) => r(c ?? (sig ? 1 : 0))));
cluster?.stop();
process.exit(code);
