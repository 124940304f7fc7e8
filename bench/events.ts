/**
 * Event ingestion benchmark (issue 5): a FlytePropeller-like injector drives
 * 1,000 executions of 10 nodes each; per execution the workflow events
 * RUNNING, SUCCEEDING, SUCCEEDED and per node QUEUED, RUNNING, SUCCEEDED node
 * events and QUEUED, RUNNING, SUCCEEDED task events (63 events). Events of one
 * execution are sent in order, one at a time, as a propeller worker does; 32
 * executions are in flight at once. Executions are recorded straight into the
 * server's database first (the launch plan path is not what is measured), and
 * every request is encoded before the clock starts.
 * Run: `npx tsx bench/events.ts [--executions 1000] [--nodes 10] [--streams 32] [--channels 1] [--only sqlite|postgres]
 * [--cpu-prof <dir>] [--pg-socket]`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type * as grpc from "@grpc/grpc-js";
import { nowMicros } from "../src/common/time.js";
import { loadConfig } from "../src/config/load.js";
import {
  NodeExecutionEventRequestSchema,
  TaskExecutionEventRequestSchema,
  WorkflowExecutionEventRequestSchema,
} from "../src/proto/gen/flyteidl/admin/event_pb.js";
import { ExecutionClosureSchema, ExecutionSpecSchema } from "../src/proto/gen/flyteidl/admin/execution_pb.js";
import {
  NodeExecution_Phase as N,
  TaskExecution_Phase as T,
  WorkflowExecution_Phase as W,
} from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { ResourceType } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import type { NodeExecutionEventSchema, TaskExecutionEventSchema } from "../src/proto/gen/flyteidl/event/event_pb.js";
import { AdminService } from "../src/proto/gen/flyteidl/service/admin_pb.js";
import { Database } from "../src/store/database.js";
import { newExecutionColumns } from "../src/store/repositories/execution-mapper.js";
import { ExecutionRepository } from "../src/store/repositories/execution-repository.js";
import { grpcClient } from "../test/support/grpc-client.js";
import {
  argValue,
  type Dialect,
  freshPostgresDatabase,
  numberArg,
  printTable,
  processCpuSeconds,
  round,
  runLoad,
  startServerProcess,
  stopPostgres,
  summarize,
  writeResult,
} from "./support/harness.js";

const EXECUTIONS = numberArg("executions", 1000);
const NODES = numberArg("nodes", 10);
const STREAMS = numberArg("streams", 32);
/** `--channels N`: the streams spread over N gRPC connections (default 1, as one propeller process uses). */
const CHANNELS = numberArg("channels", 1);
const only = argValue("only");
/** `--cpu-prof <dir>`: profile the server process (node's --cpu-prof) into that directory. */
const profDir = argValue("cpu-prof");
/** `--pg-socket`: reach PostgreSQL through its Unix-domain socket (a database on the same machine) instead of TCP. */
const PG_SOCKET = process.argv.includes("--pg-socket");
const PROJECT = "flytesnacks";
const eventsPerExecution = 3 + NODES * 6;
const DOMAIN = "development";

type NodeInit = Omit<MessageInitShape<typeof NodeExecutionEventSchema>, "$typeName">;
type TaskInit = Omit<MessageInitShape<typeof TaskExecutionEventSchema>, "$typeName">;

/** Records the executions as CreateExecution would (phase UNDEFINED), through the repository. */
async function seed(databaseOverrides: Record<string, unknown>, names: string[]): Promise<void> {
  const { config, dataDir } = loadConfig({ overrides: { database: databaseOverrides } });
  const db = Database.open(config, dataDir);
  const repo = new ExecutionRepository(db);
  try {
    for (const name of names) {
      const now = nowMicros();
      const key = { project: PROJECT, domain: DOMAIN, name };
      const wf = {
        resourceType: ResourceType.WORKFLOW,
        project: PROJECT,
        domain: DOMAIN,
        name: "bench.wf",
        version: "v1",
      };
      const spec = create(ExecutionSpecSchema, { launchPlan: { ...wf, resourceType: ResourceType.LAUNCH_PLAN } });
      const closure = create(ExecutionClosureSchema, { workflowId: wf });
      const row = newExecutionColumns(
        {
          key,
          spec,
          closure,
          workflowId: 1,
          cluster: "",
          inputsUri: `s3://bench/${name}/inputs`,
          userInputsUri: `s3://bench/${name}/user_inputs`,
          principal: "bench",
          launchEntity: "launch_plan",
          createdAt: now,
        },
        db.codec,
      );
      await repo.create(row, []);
    }
  } finally {
    await db.close();
  }
}

let clock = Date.UTC(2024, 0, 1);
function at() {
  clock += 10;
  return timestampFromMs(clock);
}

interface Timings {
  workflow: number[];
  node: number[];
  task: number[];
  errors: number;
}

/** One event request, encoded before the clock starts. */
interface PlannedCall {
  readonly kind: keyof Omit<Timings, "errors">;
  readonly path: string;
  readonly bytes: Buffer;
}

const path = (name: string) => `/${AdminService.typeName}/${name}`;

/**
 * The events of one execution, in the order a propeller worker reports them,
 * already encoded: FlytePropeller runs on other machines, so the injector's
 * own cost of building messages is kept out of the measured interval (it
 * shares this machine's cores with the server).
 */
function planExecution(name: string): PlannedCall[] {
  const calls: PlannedCall[] = [];
  const executionId = { project: PROJECT, domain: DOMAIN, name };
  const wf = (phase: W, extra: Record<string, unknown> = {}) =>
    calls.push({
      kind: "workflow",
      path: path("CreateWorkflowEvent"),
      bytes: Buffer.from(
        toBinary(
          WorkflowExecutionEventRequestSchema,
          create(WorkflowExecutionEventRequestSchema, {
            event: { executionId, phase, occurredAt: at(), producerId: "propeller", ...extra },
          }),
        ),
      ),
    });
  wf(W.RUNNING);
  for (let n = 0; n < NODES; n++) {
    const nodeId = `n${n}`;
    const id = { executionId, nodeId };
    const node = (phase: N, extra: NodeInit = {}) =>
      calls.push({
        kind: "node",
        path: path("CreateNodeEvent"),
        bytes: Buffer.from(
          toBinary(
            NodeExecutionEventRequestSchema,
            create(NodeExecutionEventRequestSchema, {
              event: { id, phase, occurredAt: at(), producerId: "propeller", eventVersion: 2, ...extra },
            }),
          ),
        ),
      });
    const task = (phase: T, extra: TaskInit = {}) =>
      calls.push({
        kind: "task",
        path: path("CreateTaskEvent"),
        bytes: Buffer.from(
          toBinary(
            TaskExecutionEventRequestSchema,
            create(TaskExecutionEventRequestSchema, {
              event: {
                taskId: {
                  resourceType: ResourceType.TASK,
                  project: PROJECT,
                  domain: DOMAIN,
                  name: `bench.t${n}`,
                  version: "v1",
                },
                parentNodeExecutionId: id,
                phase,
                occurredAt: at(),
                producerId: "propeller",
                taskType: "python-task",
                eventVersion: 2,
                ...extra,
              },
            }),
          ),
        ),
      });
    const inputUri = `s3://bench/${name}/${nodeId}/inputs.pb`;
    const outputUri = `s3://bench/${name}/${nodeId}/0/outputs.pb`;
    node(N.QUEUED, { inputValue: { case: "inputUri", value: inputUri }, specNodeId: nodeId, retryGroup: "0" });
    task(T.QUEUED, { inputValue: { case: "inputUri", value: inputUri }, reason: "task submitted to K8s" });
    node(N.RUNNING);
    task(T.RUNNING, {
      phaseVersion: 1,
      logs: [{ uri: `https://logs/${name}/${nodeId}`, name: "Kubernetes Logs (User)" }],
      metadata: { generatedName: `${name}-${nodeId}-0`, pluginIdentifier: "container" },
    });
    task(T.SUCCEEDED, { outputResult: { case: "outputUri", value: outputUri } });
    node(N.SUCCEEDED, { outputResult: { case: "outputUri", value: outputUri } });
  }
  wf(W.SUCCEEDING);
  wf(W.SUCCEEDED, { outputResult: { case: "outputUri", value: `s3://bench/${name}/end-node/outputs.pb` } });
  return calls;
}

const asIs = (b: Buffer) => b;

/** Sends one execution's events in order, one at a time, as a propeller worker does. */
async function runExecution(client: grpc.Client, calls: readonly PlannedCall[], t: Timings): Promise<void> {
  for (const call of calls) {
    const start = process.hrtime.bigint();
    const ok = await new Promise<boolean>((resolve) =>
      client.makeUnaryRequest(call.path, asIs, asIs, call.bytes, (err) => resolve(!err)),
    );
    if (!ok) t.errors++;
    t[call.kind].push(Number(process.hrtime.bigint() - start) / 1e6);
  }
}

interface Row extends Record<string, string | number> {
  dialect: string;
  executions: number;
  events: number;
  seconds: number;
  "events/s": number;
  wf_p50: number;
  node_p50: number;
  task_p50: number;
  p99_ms: number;
  errors: number;
  "GetVersion req/s": number;
  "GetVersion CPU µs/req": number;
  "server CPU µs/event": number;
  "events/s per server core": number;
  /** The injector shares the machine: its own CPU per event says how much of it the server could not have. */
  "injector CPU µs/event": number;
}

async function benchDialect(dialect: Dialect): Promise<Row | undefined> {
  let database: Record<string, unknown>;
  /** The SQLite file's directory, removed with the run (63,000 events leave about 14 MB). */
  let sqliteDir: string | undefined;
  if (dialect === "postgres") {
    const pg = await freshPostgresDatabase({ socket: PG_SOCKET });
    if (!pg) {
      console.log("postgres: skipped (PostgreSQL is not installed)");
      return undefined;
    }
    database = {
      postgres: { host: pg.host, port: pg.port, dbname: pg.dbname, username: "postgres" },
      maxOpenConnections: 32,
    };
  } else {
    sqliteDir = mkdtempSync(join(tmpdir(), "flyteadmin-bench-events-"));
    database = { sqlite: { file: join(sqliteDir, "bench.db") } };
  }
  const nodeArgs = profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [];
  const server = await startServerProcess(dialect, { database }, { nodeArgs });
  if (!server) return undefined;
  const admin = grpcClient(AdminService, server.grpcAddress);
  // Own subchannels per client: grpc-js would otherwise share one connection between channels to one address.
  const channels = [
    admin,
    ...Array.from({ length: CHANNELS - 1 }, () =>
      grpcClient(AdminService, server.grpcAddress, { "grpc.use_local_subchannel_pool": 1 }),
    ),
  ];
  try {
    // The machine is shared: the transport's own rate on this server, measured alongside, says how busy it is.
    const baseCpu = processCpuSeconds(server.pid) ?? 0;
    const baseline = await runLoad(() => admin.getVersion({}), { concurrency: STREAMS, durationMs: 3000, warmupMs: 0 });
    const baselineCpuMicros = (((processCpuSeconds(server.pid) ?? 0) - baseCpu) * 1e6) / baseline.requests;
    const names = Array.from({ length: EXECUTIONS }, (_, i) => `e${i.toString().padStart(5, "0")}`);
    await seed(database, names);
    const plans = names.map(planExecution);
    const t: Timings = { workflow: [], node: [], task: [], errors: 0 };
    // Warm up the connections and the JIT on a few executions of their own.
    const warm = Array.from({ length: STREAMS }, (_, i) => `warm${i}`);
    await seed(database, warm);
    await Promise.all(
      warm.map((n) => runExecution(admin.raw, planExecution(n), { workflow: [], node: [], task: [], errors: 0 })),
    );
    let next = 0;
    let done = 0;
    const step = Math.max(1, Math.round(plans.length / 5));
    console.log(`${dialect}: ${plans.length} executions seeded; injecting ${plans.length * eventsPerExecution} events`);
    const cpuBefore = processCpuSeconds(server.pid) ?? 0;
    const injectorBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: STREAMS }, async (_, s) => {
        const channel = (channels[s % channels.length] ?? admin).raw;
        while (next < plans.length) {
          await runExecution(channel, plans[next++] as PlannedCall[], t);
          done++;
          if (done % step === 0) {
            const s = Number(process.hrtime.bigint() - started) / 1e9;
            console.log(
              `${dialect}: ${done}/${plans.length} executions, ${Math.round((done * eventsPerExecution) / s)} events/s`,
            );
          }
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const injector = process.cpuUsage(injectorBefore);
    const cpuMicrosPerEvent =
      (((processCpuSeconds(server.pid) ?? 0) - cpuBefore) * 1e6) / (EXECUTIONS * eventsPerExecution);
    const all = summarize([...t.workflow, ...t.node, ...t.task], t.errors, seconds);
    const p50 = (xs: number[]) => summarize(xs, 0, seconds).p50ms;
    return {
      dialect,
      executions: EXECUTIONS,
      events: all.requests,
      seconds: round(seconds, 1),
      "events/s": Math.round(all.rps),
      wf_p50: p50(t.workflow),
      node_p50: p50(t.node),
      task_p50: p50(t.task),
      p99_ms: all.p99ms,
      errors: t.errors,
      "GetVersion req/s": Math.round(baseline.rps),
      "GetVersion CPU µs/req": Math.round(baselineCpuMicros),
      "server CPU µs/event": Math.round(cpuMicrosPerEvent),
      "events/s per server core": cpuMicrosPerEvent > 0 ? Math.round(1e6 / cpuMicrosPerEvent) : 0,
      "injector CPU µs/event": Math.round((injector.user + injector.system) / (EXECUTIONS * eventsPerExecution)),
    };
  } finally {
    for (const c of channels) c.close();
    await server.stop();
    if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
  }
}

const rows: Row[] = [];
for (const dialect of ["sqlite", "postgres"] as const) {
  if (only && only !== dialect) continue;
  const r = await benchDialect(dialect);
  if (r) rows.push(r);
}
stopPostgres();
printTable(
  `events: ${EXECUTIONS} executions x ${NODES} nodes (63 events each at 10 nodes), ${STREAMS} concurrent streams`,
  rows,
);
console.log(`\nwritten to ${writeResult("events", { executions: EXECUTIONS, nodes: NODES, streams: STREAMS, rows })}`);
