/**
 * Fuzzing by hand: every served method over gRPC and HTTP with mutated
 * requests (test/support/fuzz/), then the read-back of everything stored and
 * SQLite's integrity check. CI runs a small fixed budget (test/fuzz.test.ts);
 * this runs as many cases as asked.
 *
 *   npx tsx bench/fuzz.ts [--seed N] [--cases N] [--db sqlite|postgres|both] [--method Name] [--concurrency N]
 *
 * A finding prints its method, case number and mutation: rerun with the same
 * --seed and --method to replay it. Exits 1 when anything was found.
 */

import { join } from "node:path";
import SQLite from "better-sqlite3";
import { servedServices } from "../src/proto/registry.js";
import { fuzzServer } from "../test/support/fuzz/runner.js";
import { prepareFuzzTargets, readBackEverything } from "../test/support/fuzz/targets.js";
import { findPgBinDir, type PgCluster, startPgCluster } from "../test/support/postgres.js";
import { type DialectName, startTestServer } from "../test/support/server.js";
import { argValue, numberArg } from "./support/harness.js";

const seed = numberArg("seed", Date.now() % 1_000_000);
const cases = numberArg("cases", 200);
const which = argValue("db") ?? "sqlite";
const dialects: DialectName[] = which === "both" ? ["sqlite", "postgres"] : [which as DialectName];
let cluster: PgCluster | undefined;
let found = 0;
for (const dialect of dialects) {
  if (dialect === "postgres") {
    if (!findPgBinDir()) {
      console.log("postgres: not installed, skipped");
      continue;
    }
    cluster ??= await startPgCluster();
    process.env.FLYTEADMIN_TEST_PG_URL = cluster.url;
  }
  const srv = await startTestServer(dialect);
  await prepareFuzzTargets(srv);
  const started = Date.now();
  const report = await fuzzServer(srv, servedServices, {
    seed,
    casesPerMethod: cases,
    methodFilter: argValue("method"),
    concurrency: numberArg("concurrency", 6),
  });
  const seconds = (Date.now() - started) / 1000;
  const alive = await srv.admin.getVersion({}).then(
    () => "answers",
    (e: Error) => `DOES NOT ANSWER: ${e.message}`,
  );
  const readBack = await readBackEverything(srv);
  let integrity = "n/a";
  if (dialect === "sqlite") {
    const db = new SQLite(join(srv.dataDir, "flyteadmin.db"), { readonly: true });
    integrity = String(db.pragma("integrity_check", { simple: true }));
    db.close();
  }
  console.log(
    `[${dialect}] seed ${seed}: ${report.sent.grpc} gRPC and ${report.sent.http} HTTP requests in ${seconds.toFixed(1)} s; ` +
      `server ${alive}; ${readBack.checked} entities read back, ${readBack.failures.length} failed; integrity ${integrity}`,
  );
  console.log(`  gRPC answers: ${JSON.stringify(Object.fromEntries(report.answers.grpc))}`);
  console.log(`  HTTP answers: ${JSON.stringify(Object.fromEntries(report.answers.http))}`);
  for (const f of report.findings)
    console.log(`  FINDING ${f.transport} ${f.method} case ${f.caseNo} (${f.mutation}): ${f.outcome}`);
  for (const f of readBack.failures) console.log(`  READ-BACK ${f}`);
  found += report.findings.length + readBack.failures.length + (integrity === "ok" || integrity === "n/a" ? 0 : 1);
  await srv.close();
}
cluster?.stop();
process.exit(found > 0 ? 1 : 0);
