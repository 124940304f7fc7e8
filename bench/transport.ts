/**
 * Transport benchmark (issues 12 and 13): gRPC GetVersion, CreateTask, GetTask
 * and ListProjects (grpc-js closed loop) and HTTP GET /api/v1/version
 * (autocannon), 32 in flight, against a server process with 1 or more
 * workers, on SQLite or PostgreSQL. Reports requests/s and the CPU time per
 * request of the server's whole process tree (primary + workers), which is
 * the steadier figure on a shared machine.
 *
 * Run: `npx tsx bench/transport.ts [--dialect sqlite|postgres] [--workers 1,2] [--seconds 5] [--via grpc|http]
 *       [--only GetVersion,CreateTask] [--label before]`
 * `--via http` sends the gRPC calls to the HTTP port (one port for both).
 */
import { AdminService } from "../src/proto/gen/flyteidl/service/admin_pb.js";
import { createTaskRequest, PROJECT, taskId } from "../test/fixtures/tasks.js";
import { STRING } from "../test/fixtures/types.js";
import { grpcClient, type ServiceClient } from "../test/support/grpc-client.js";
import {
  argValue,
  type Dialect,
  httpLoad,
  type LoadResult,
  numberArg,
  printTable,
  round,
  runLoad,
  startServerProcess,
  stopPostgres,
  writeResult,
} from "./support/harness.js";
import { treeCpuSeconds } from "./support/process-tree.js";

const CONCURRENCY = 32;
/** gRPC channels the load is spread over (each its own connection, so several workers share the work). */
const CHANNELS = numberArg("channels", 8);
const seconds = numberArg("seconds", 5);
const dialect = (argValue("dialect") ?? "sqlite") as Dialect;
const workerCounts = (argValue("workers") ?? "1").split(",").map(Number);
const via = argValue("via") ?? "grpc";
const only = argValue("only")?.split(",");
const label = argValue("label") ?? "";
const IO = { inputs: { name: STRING }, outputs: { o0: STRING } };

type Admin = ServiceClient<typeof AdminService>;

interface Row extends Record<string, string | number> {
  dialect: string;
  workers: number;
  scenario: string;
  "req/s": number;
  p50_ms: number;
  p99_ms: number;
  "cpu_ms/req": number;
  errors: number;
}

async function measure(
  pid: number,
  scenario: string,
  workers: number,
  load: () => Promise<LoadResult>,
): Promise<Row | undefined> {
  if (only && !only.includes(scenario)) return undefined;
  const before = treeCpuSeconds(pid);
  const r = await load();
  // The warm-up's requests are not counted by the load loop, so they are left out of the CPU too: see warm().
  const cpu = treeCpuSeconds(pid) - before;
  return {
    dialect,
    workers,
    scenario,
    "req/s": Math.round(r.rps),
    p50_ms: r.p50ms,
    p99_ms: r.p99ms,
    "cpu_ms/req": round((cpu * 1000) / Math.max(1, r.requests), 3),
    errors: r.errors,
  };
}

/** A closed loop over the channels, after a warm-up whose CPU is not counted. */
async function grpcLoad(clients: Admin[], op: (admin: Admin, i: number) => Promise<unknown>): Promise<LoadResult> {
  const pick = (i: number) => clients[i % clients.length] as Admin;
  await runLoad((i) => op(pick(i), i), { concurrency: CONCURRENCY, durationMs: 1000, warmupMs: 0 });
  return runLoad((i) => op(pick(i), i), { concurrency: CONCURRENCY, durationMs: seconds * 1000, warmupMs: 0 });
}

async function benchWorkers(workers: number): Promise<Row[]> {
  const server = await startServerProcess(dialect, { server: { workers } });
  if (!server) {
    console.log(`${dialect}: skipped (PostgreSQL is not installed)`);
    return [];
  }
  const address = via === "http" ? server.httpBase.replace("http://", "") : server.grpcAddress;
  const clients = Array.from({ length: CHANNELS }, () =>
    grpcClient(AdminService, address, { "grpc.use_local_subchannel_pool": 1 }),
  );
  const rows: (Row | undefined)[] = [];
  const admin = clients[0] as Admin;
  let version = 0;
  try {
    for (let i = 0; i < 200; i++) await admin.registerProject({ project: { id: `seed-${i}`, name: `seed ${i}` } });
    await admin.registerProject({ project: { id: PROJECT, name: PROJECT } });
    await admin.createTask(createTaskRequest(taskId("bench.read", "v1"), IO));
    rows.push(await measure(server.pid, "GetVersion", workers, () => grpcLoad(clients, (a) => a.getVersion({}))));
    rows.push(
      await measure(server.pid, "CreateTask", workers, () =>
        grpcLoad(clients, (a) => a.createTask(createTaskRequest(taskId("bench.task", `t${version++}`), IO))),
      ),
    );
    rows.push(
      await measure(server.pid, "GetTask", workers, () =>
        grpcLoad(clients, (a) => a.getTask({ id: taskId("bench.read", "v1") })),
      ),
    );
    rows.push(
      await measure(server.pid, "ListProjects", workers, () =>
        grpcLoad(clients, (a) => a.listProjects({ limit: 100 })),
      ),
    );
    rows.push(
      await measure(server.pid, "HTTP GetVersion", workers, () =>
        httpLoad(`${server.httpBase}/api/v1/version`, { concurrency: CONCURRENCY, seconds }),
      ),
    );
  } finally {
    for (const c of clients) c.close();
    await server.stop();
  }
  return rows.filter((r): r is Row => r !== undefined);
}

const rows: Row[] = [];
for (const w of workerCounts) rows.push(...(await benchWorkers(w)));
stopPostgres();
printTable(
  `transport ${label}: ${dialect}, gRPC via the ${via} port, ${CONCURRENCY} in flight over ${CHANNELS} channels, ${seconds}s`,
  rows,
);
const name = `transport-${dialect}${label ? `-${label}` : ""}`;
console.log(`\nwritten to ${writeResult(name, { concurrency: CONCURRENCY, channels: CHANNELS, seconds, via, rows })}`);
