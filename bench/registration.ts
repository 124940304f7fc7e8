/**
 * Registration benchmark (issue 4): CreateTask, CreateWorkflow (a 50-node
 * workflow) and CreateLaunchPlan per second, then GetWorkflow and ListTasks
 * latency with 10,000 registered versions, over gRPC with 16 concurrent
 * clients, on SQLite and PostgreSQL. The server runs in its own process.
 * Run: `npx tsx bench/registration.ts [--seconds 5] [--versions 10000]`.
 */
import { AdminService } from "../src/proto/gen/flyteidl/service/admin_pb.js";
import { launchPlanRequest } from "../test/fixtures/launch-plans.js";
import { createTaskRequest, DOMAIN, PROJECT, taskId } from "../test/fixtures/tasks.js";
import { STRING } from "../test/fixtures/types.js";
import { chainWorkflowRequest, EXAMPLE_TASKS, launchPlanId, workflowId } from "../test/fixtures/workflows.js";
import { grpcClient, type ServiceClient } from "../test/support/grpc-client.js";
import {
  type Dialect,
  type LoadResult,
  numberArg,
  printTable,
  round,
  runLoad,
  startServerProcess,
  stopPostgres,
  writeResult,
} from "./support/harness.js";

const CONCURRENCY = 16;
const seconds = numberArg("seconds", 5);
const versions = numberArg("versions", 10_000);
const IO = { inputs: { name: STRING }, outputs: { o0: STRING } };

type Admin = ServiceClient<typeof AdminService>;

interface Row extends Record<string, string | number> {
  dialect: string;
  scenario: string;
  "req/s": number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
}

function row(dialect: Dialect, scenario: string, r: LoadResult): Row {
  return { dialect, scenario, "req/s": Math.round(r.rps), p50_ms: r.p50ms, p99_ms: r.p99ms, errors: r.errors };
}

/** Runs `op(i)` for i in [from, to) with `concurrency` calls in flight; returns calls per second. */
async function seed(from: number, to: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = from;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < to) await op(next++);
    }),
  );
  return round((to - from) / ((Date.now() - started) / 1000), 0);
}

async function benchDialect(dialect: Dialect): Promise<{ rows: Row[]; seeding: Record<string, number> }> {
  // Node limits stay at their defaults (100): the 50-node workflow is within them.
  const server = await startServerProcess(dialect);
  if (!server) {
    console.log(`${dialect}: skipped (PostgreSQL is not installed)`);
    return { rows: [], seeding: {} };
  }
  const admin: Admin = grpcClient(AdminService, server.grpcAddress);
  const rows: Row[] = [];
  const opts = { concurrency: CONCURRENCY, durationMs: seconds * 1000 };
  try {
    await admin.registerProject({ project: { id: PROJECT, name: PROJECT } });
    await admin.createTask(createTaskRequest(taskId(EXAMPLE_TASKS.sayHello, "v1"), IO));
    await admin.createWorkflow(chainWorkflowRequest("bench.lp_target", "v1", 1));

    let t = 0;
    rows.push(
      row(
        dialect,
        "CreateTask",
        await runLoad(() => admin.createTask(createTaskRequest(taskId("bench.task", `t${t++}`), IO)), opts),
      ),
    );
    let w = 0;
    rows.push(
      row(
        dialect,
        "CreateWorkflow (50 nodes)",
        await runLoad(() => admin.createWorkflow(chainWorkflowRequest("bench.wf50", `w${w++}`, 50, "v1")), opts),
      ),
    );
    let l = 0;
    rows.push(
      row(
        dialect,
        "CreateLaunchPlan",
        await runLoad(
          () =>
            admin.createLaunchPlan(
              launchPlanRequest(launchPlanId("bench.lp", `l${l++}`), workflowId("bench.lp_target", "v1"), {
                inputs: IO.inputs,
              }),
            ),
          opts,
        ),
      ),
    );

    // Bring one task name and one workflow name to `versions` registered versions each.
    const seeding = {
      tasks_per_s: await seed(t, Math.max(t, versions), (i) =>
        admin.createTask(createTaskRequest(taskId("bench.task", `t${i}`), IO)),
      ),
      workflows_per_s: await seed(0, versions, (i) =>
        admin.createWorkflow(chainWorkflowRequest("bench.wf", `v${i}`, 5, "v1")),
      ),
    };
    const pick = () => Math.floor(Math.random() * versions);
    rows.push(
      row(
        dialect,
        `GetWorkflow (of ${versions} versions)`,
        await runLoad(() => admin.getWorkflow({ id: workflowId("bench.wf", `v${pick()}`) }), opts),
      ),
    );
    const scope = { project: PROJECT, domain: DOMAIN, name: "bench.task" };
    rows.push(
      row(
        dialect,
        `ListTasks latest (of ${versions})`,
        await runLoad(() => admin.listTasks({ id: scope, limit: 1, sortBy: { key: "created_at" } }), opts),
      ),
    );
    rows.push(
      row(
        dialect,
        `ListTasks page of 20 (of ${versions})`,
        await runLoad(() => {
          const offset = pick();
          return admin.listTasks({ id: scope, limit: 20, token: String(offset - (offset % 20)) });
        }, opts),
      ),
    );
    return { rows, seeding };
  } finally {
    admin.close();
    await server.stop();
  }
}

const all: Row[] = [];
const seeding: Record<string, Record<string, number>> = {};
for (const dialect of ["sqlite", "postgres"] as const) {
  const r = await benchDialect(dialect);
  all.push(...r.rows);
  seeding[dialect] = r.seeding;
}
stopPostgres();
printTable(`Registration: ${CONCURRENCY} concurrent gRPC clients, ${seconds}s per scenario`, all);
console.log("\nSeeding throughput (calls/s):", JSON.stringify(seeding));
console.log(
  `\nwrote ${writeResult("registration", { concurrency: CONCURRENCY, seconds, versions, rows: all, seeding })}`,
);
