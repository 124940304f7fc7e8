/**
 * Fuzzing, the CI budget: every method of the five served services over gRPC
 * and HTTP with seeded mutations of a valid request (test/support/fuzz/),
 * on each database. Every answer must be a proper status (no UNKNOWN, no
 * INTERNAL or 5xx, no hang), the server must still answer afterwards, every
 * stored entity must read back, and SQLite's integrity check must pass.
 * Longer runs by hand: `npx tsx bench/fuzz.ts --cases 500 --db both`;
 * FLYTEADMIN_FUZZ_SEED / FLYTEADMIN_FUZZ_CASES change this file's budget.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import SQLite from "better-sqlite3";
import { servedServices } from "../src/proto/registry.js";
import { fuzzServer } from "./support/fuzz/runner.js";
import { prepareFuzzTargets, readBackEverything } from "./support/fuzz/targets.js";
import { describeEachDatabase } from "./support/server.js";

const SEED = Number(process.env.FLYTEADMIN_FUZZ_SEED ?? 20261205);
const CASES = Number(process.env.FLYTEADMIN_FUZZ_CASES ?? 30);

describeEachDatabase("fuzzed requests on every method, both transports", (srv) => {
  test(`${CASES} cases per method and transport (seed ${SEED}): proper statuses, server alive, everything reads back`, async () => {
    const s = srv();
    await prepareFuzzTargets(s);
    const report = await fuzzServer(s, servedServices, { seed: SEED, casesPerMethod: CASES, concurrency: 4 });
    const methods = servedServices.reduce((n, svc) => n + svc.methods.length, 0);
    assert.equal(methods, 66);
    assert.equal(report.sent.grpc, methods * CASES);
    assert.ok(report.sent.http >= (methods - 1) * CASES, "every method with an HTTP route was fuzzed over HTTP");
    const findings = report.findings.map(
      (f) => `${f.transport} ${f.method} case ${f.caseNo} (${f.mutation}): ${f.outcome}`,
    );
    assert.deepEqual(findings, [], `seed ${SEED}`);
    await s.admin.getVersion({});
    const readBack = await readBackEverything(s);
    assert.deepEqual(readBack.failures, []);
    assert.ok(readBack.checked > 5, `read back ${readBack.checked} entities`);
    if (s.dialect === "sqlite") {
      const db = new SQLite(join(s.dataDir, "flyteadmin.db"), { readonly: true });
      try {
        assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
      } finally {
        db.close();
      }
    }
    console.log(
      `fuzz [${s.dialect}] seed ${SEED}: ${report.sent.grpc} gRPC, ${report.sent.http} HTTP requests; ` +
        `gRPC ${JSON.stringify(Object.fromEntries(report.answers.grpc))}; HTTP ${JSON.stringify(Object.fromEntries(report.answers.http))}; ` +
        `${readBack.checked} entities read back`,
    );
  });
});
