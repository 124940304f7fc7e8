/**
 * Executions benchmark (issue 5): ListExecutions over 100,000 executions
 * (flytectl's query: `value_in(execution.phase,SUCCEEDED;FAILED)`, sorted by
 * created_at DESC; first page and a deep page), GetExecution by random name,
 * and CreateExecution/s, over gRPC, on SQLite and PostgreSQL: each scenario
 * once with 1 client (latency) and once with 16 concurrent clients
 * (throughput). Rows are seeded before the server starts, straight into its
 * database through ExecutionRepository.insertMany in batches of 1,000.
 * Run: `npx tsx bench/executions.ts [--rows 100000] [--seconds 5]`.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { microsToTimestamp } from "../src/common/time.js";
import { loadConfig } from "../src/config/load.js";
import {
  ExecutionClosureSchema,
  ExecutionSpecSchema,
  ExecutionStateChangeDetailsSchema,
} from "../src/proto/gen/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { ResourceType } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import { AdminService } from "../src/proto/gen/flyteidl/service/admin_pb.js";
import { Database } from "../src/store/database.js";
import { newExecutionColumns } from "../src/store/repositories/execution-mapper.js";
import { ExecutionRepository } from "../src/store/repositories/execution-repository.js";
import { pyflyteRunRequest, registerHello } from "../test/fixtures/executions.js";
import { DOMAIN, PROJECT } from "../test/fixtures/tasks.js";
import { intLiteral } from "../test/fixtures/types.js";
import { launchPlanId } from "../test/fixtures/workflows.js";
import { grpcClient } from "../test/support/grpc-client.js";
import {
  type Dialect,
  freshPostgresDatabase,
  type LoadResult,
  numberArg,
  printTable,
  runLoad,
  startServerProcess,
  stopPostgres,
  writeResult,
} from "./support/harness.js";

const ROWS = numberArg("rows", 100_000);
const seconds = numberArg("seconds", 5);
const CONCURRENCY = 16;
const BATCH = 1000;

/** Phases weighted roughly as a busy project's history: mostly finished runs. */
const PHASES: WorkflowExecution_Phase[] = [
  ...Array(4).fill(WorkflowExecution_Phase.SUCCEEDED),
  ...Array(2).fill(WorkflowExecution_Phase.FAILED),
  WorkflowExecution_Phase.RUNNING,
  WorkflowExecution_Phase.QUEUED,
  WorkflowExecution_Phase.ABORTED,
  WorkflowExecution_Phase.UNDEFINED,
];

const nameOf = (i: number) => `bench-${i.toString(36).padStart(6, "0")}`;

async function seed(database: Record<string, unknown>, dataDir: string): Promise<number> {
  const { config } = loadConfig({ dataDir, overrides: { database } });
  const db = Database.open(config, dataDir);
  await db.migrate();
  const repo = new ExecutionRepository(db);
  const started = Date.now();
  const t0 = Date.now() * 1000 - ROWS * 1_000_000;
  const workflowId = {
    resourceType: ResourceType.WORKFLOW,
    project: PROJECT,
    domain: DOMAIN,
    name: "wf.bench",
    version: "v1",
  };
  for (let start = 0; start < ROWS; start += BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(ROWS, start + BATCH); i++) {
      const createdAt = t0 + i * 1_000_000;
      const phase = PHASES[i % PHASES.length] as WorkflowExecution_Phase;
      const spec = create(ExecutionSpecSchema, {
        launchPlan: { ...workflowId, resourceType: ResourceType.LAUNCH_PLAN, name: `lp-${i % 20}` },
        metadata: { principal: "bench", systemMetadata: { namespace: "flytesnacks-development" } },
        labels: { values: { team: "bench" } },
      });
      const closure = create(ExecutionClosureSchema, {
        phase,
        createdAt: microsToTimestamp(createdAt),
        updatedAt: microsToTimestamp(createdAt),
        workflowId,
        stateChangeDetails: create(ExecutionStateChangeDetailsSchema, { principal: "bench" }),
        outputResult:
          phase === WorkflowExecution_Phase.FAILED
            ? { case: "error", value: { code: "USER:Error", message: "x".repeat(400), kind: 1 } }
            : { case: undefined },
      });
      const row = newExecutionColumns(
        {
          key: { project: PROJECT, domain: DOMAIN, name: nameOf(i) },
          spec,
          closure,
          launchPlanId: (i % 20) + 1,
          workflowId: 1,
          cluster: "",
          inputsUri: `s3://bench/metadata/${nameOf(i)}/inputs`,
          userInputsUri: `s3://bench/metadata/${nameOf(i)}/user_inputs`,
          principal: "bench",
          launchEntity: "launch_plan",
          createdAt,
        },
        db.codec,
      );
      // One in ten is archived, as users archive old runs.
      rows.push(i % 10 === 9 ? { ...row, state: 1 } : row);
    }
    await repo.insertMany(rows);
  }
  await db.close();
  return (Date.now() - started) / 1000;
}

interface Row extends Record<string, string | number> {
  dialect: string;
  scenario: string;
  clients: number;
  "req/s": number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
}

const row = (dialect: Dialect, scenario: string, clients: number, r: LoadResult): Row => ({
  dialect,
  scenario,
  clients,
  "req/s": Math.round(r.rps),
  p50_ms: r.p50ms,
  p99_ms: r.p99ms,
  errors: r.errors,
});

async function benchDialect(dialect: Dialect): Promise<{ rows: Row[]; seedSeconds: number } | undefined> {
  const dataDir = mkdtempSync(join(tmpdir(), "flyteadmin-bench-exec-"));
  try {
    return await benchIn(dataDir, dialect);
  } finally {
    // 100,000 seeded executions: not left behind in the temp directory.
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function benchIn(dataDir: string, dialect: Dialect): Promise<{ rows: Row[]; seedSeconds: number } | undefined> {
  let database: Record<string, unknown>;
  if (dialect === "postgres") {
    const pgdb = await freshPostgresDatabase();
    if (!pgdb) {
      console.log("postgres: skipped (PostgreSQL is not installed)");
      return undefined;
    }
    database = { postgres: { ...pgdb, username: "postgres" }, maxOpenConnections: 32 };
  } else {
    database = { sqlite: { file: join(dataDir, "bench.db") } };
  }
  const seedSeconds = await seed(database, dataDir);
  console.log(`${dialect}: seeded ${ROWS} executions in ${seedSeconds}s`);
  const server = await startServerProcess(dialect, { database });
  if (!server) return undefined;
  const admin = grpcClient(AdminService, server.grpcAddress);
  const rows: Row[] = [];
  try {
    await admin.registerProject({ project: { id: PROJECT, name: PROJECT } });
    await registerHello(admin, "v1");
    const list = (limit: number, token: string) => () =>
      admin.listExecutions({
        id: { project: PROJECT, domain: DOMAIN },
        limit,
        token,
        filters: "value_in(execution.phase,SUCCEEDED;FAILED)",
        sortBy: { key: "created_at", direction: 0 },
      });
    const first = await list(100, "")();
    if (first.executions.length !== 100) throw new Error(`expected a full page, got ${first.executions.length}`);
    const lp = launchPlanId("wf.hello.hello_wf", "v1");
    const scenarios: [string, () => Promise<unknown>][] = [
      ["ListExecutions phase filter, page 1 (limit 100)", list(100, "")],
      ["ListExecutions phase filter, offset 20000 (limit 100)", list(100, "20000")],
      ["ListExecutions S17 (limit 2, token 2)", list(2, "2")],
      [
        "GetExecution (random of 100k)",
        () =>
          admin.getExecution({
            id: { project: PROJECT, domain: DOMAIN, name: nameOf(Math.floor(Math.random() * ROWS)) },
          }),
      ],
      [
        "CreateExecution (launch plan, generated name)",
        () => admin.createExecution(pyflyteRunRequest(lp, { times: intLiteral(1) })),
      ],
    ];
    for (const clients of [1, CONCURRENCY]) {
      for (const [name, op] of scenarios) {
        rows.push(row(dialect, name, clients, await runLoad(op, { concurrency: clients, durationMs: seconds * 1000 })));
      }
    }
  } finally {
    admin.close();
    await server.stop();
  }
  return { rows, seedSeconds };
}

const results = { sqlite: await benchDialect("sqlite"), postgres: await benchDialect("postgres") };
stopPostgres();
const all = [...(results.sqlite?.rows ?? []), ...(results.postgres?.rows ?? [])];
printTable(`executions: ${ROWS} rows, gRPC, ${seconds}s per scenario`, all);
const file = writeResult("executions", {
  rows: ROWS,
  concurrency: CONCURRENCY,
  seconds,
  seedSeconds: { sqlite: results.sqlite?.seedSeconds, postgres: results.postgres?.seedSeconds },
  results: all,
});
console.log(`\nwritten to ${file}`);
