/**
 * The side-by-side benchmark (issue 12): the same scenarios, request mix and
 * load against our server or any other FlyteAdmin, so the ratios to Go
 * FlyteAdmin can be reproduced by anyone who runs one. Each scenario keeps 32
 * requests in flight (one grpc-js channel, as flytekit and propeller use)
 * for `--seconds` after a one-second warm-up, and reports requests/s, p50 and
 * p99 latency, and CPU time per request of the server's process tree and of
 * PostgreSQL's (the postmaster and its backends), read from /proc, and of
 * this load generator itself (near one core per request/s, it is the limit).
 *
 * Run against our own server, started here (SQLite, or a throw-away
 * PostgreSQL cluster):
 *   npx tsx bench/compare.ts [--only sqlite|postgres] [--seconds 8] [--workers N] [--channels N] [--scenarios get,list]
 *     [--node-args --cpu-prof,--cpu-prof-dir=/tmp/prof]
 * `--channels N` spreads the request/response scenarios over N gRPC connections (default 1): a connection
 * stays on one worker process, so several workers (`--workers`) serve one client only through several.
 * Against any FlyteAdmin already running (executions must be creatable there:
 * Go FlyteAdmin needs its Kubernetes executor reachable):
 *   npx tsx bench/compare.ts --target 127.0.0.1:8089,8088 [--server-pid PID] [--pg-pid POSTMASTER_PID] [--label go]
 * Our server runs with `executor.type: external`, so CreateExecution records
 * the execution and answers without running tasks, as Go FlyteAdmin does
 * once the FlyteWorkflow resource is created.
 */
import { randomBytes } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type * as grpc from "@grpc/grpc-js";
import {
  NodeExecutionEventRequestSchema,
  TaskExecutionEventRequestSchema,
  WorkflowExecutionEventRequestSchema,
} from "../src/proto/gen/flyteidl/admin/event_pb.js";
import {
  NodeExecution_Phase as N,
  TaskExecution_Phase as T,
  WorkflowExecution_Phase as W,
} from "../src/proto/gen/flyteidl/core/execution_pb.js";
import type { Identifier } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import { AdminService } from "../src/proto/gen/flyteidl/service/admin_pb.js";
import { pyflyteRunRequest, registerHello, SAY_HELLO } from "../test/fixtures/executions.js";
import { createTaskRequest, DOMAIN, taskId } from "../test/fixtures/tasks.js";
import { intLiteral, STRING } from "../test/fixtures/types.js";
import { chainWorkflowRequest, EXAMPLE_TASKS, launchPlanId, workflowId } from "../test/fixtures/workflows.js";
import { grpcClient, type ServiceClient } from "../test/support/grpc-client.js";
import {
  argValue,
  type Dialect,
  httpLoad,
  type LoadResult,
  numberArg,
  postgresPid,
  printTable,
  round,
  runLoad,
  startServerProcess,
  stopPostgres,
  summarize,
  writeResult,
} from "./support/harness.js";
import { treeCpuSeconds } from "./support/process-cpu.js";

const CONCURRENCY = numberArg("concurrency", 32);
const SECONDS = numberArg("seconds", 8);
const WARMUP_MS = 1000;
const PROJECT = argValue("project") ?? "flytesnacks";
const PRODUCER = argValue("producer-id") ?? "propeller";
/** Event ingest: nodes per execution (each node: 3 node events and 3 task events; plus 3 workflow events). */
const NODES = numberArg("nodes", 10);
/** Reads pick among this many registered versions, as repeated reads of a working set do. */
const READ_SET = 200;
const only = argValue("only");
const scenarioFilter = argValue("scenarios")?.split(",");
const target = argValue("target");
const workers = argValue("workers");
const CHANNELS = numberArg("channels", 1);
/** Versions and names unique to this run, so a run against a long-lived FlyteAdmin never collides with an earlier one. */
const RUN = `c${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
const IO = { inputs: { name: STRING }, outputs: { o0: STRING } };

type Admin = ServiceClient<typeof AdminService>;

interface Endpoint {
  readonly label: string;
  readonly grpcAddress: string;
  readonly httpBase?: string | undefined;
  readonly serverPid?: number | undefined;
  readonly pgPid?: number | undefined;
}

interface Row extends Record<string, string | number> {
  target: string;
  scenario: string;
  "req/s": number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  "server CPU ms/req": number | string;
  "PG CPU ms/req": number | string;
  "total CPU ms/req": number | string;
  /** The load generator's CPU: one grpc-js process, so near 1 core it, not the server, bounds requests/s. */
  "client CPU ms/req": number | string;
}

/** What scenarios leave behind for later ones. */
interface State {
  taskVersions: string[];
  workflowVersions: string[];
  launchPlans: Identifier[];
  executions: string[];
  /** Executions reported RUNNING (ListExecutions finds them); event ingest leaves them alone. */
  running: string[];
}

interface Scenario {
  readonly name: string;
  /** Unmeasured set-up before the warm-up. */
  readonly prepare?: (admin: Admin, s: State) => Promise<void>;
  /** One request; `i` counts calls (warm-up included). */
  readonly op?: (admin: Admin, s: State, i: number) => Promise<unknown>;
  /** A scenario with its own load loop (HTTP, events). */
  readonly run?: (admin: Admin, s: State, e: Endpoint, measure: Measure) => Promise<LoadResult | undefined>;
}

/** Wraps a measured interval: CPU of both process trees is read around `fn`. */
/** CPU seconds while `fn` ran: the server's tree, PostgreSQL's, and this load generator's own. */
type Measure = <R>(
  fn: () => Promise<R>,
) => Promise<{ result: R; serverCpu?: number; pgCpu?: number; clientCpu: number }>;

const pick = <X>(xs: readonly X[]): X => xs[Math.floor(Math.random() * xs.length)] as X;
const readSet = <X>(xs: readonly X[]): readonly X[] => xs.slice(0, READ_SET);
const isAlreadyExists = (e: unknown) => (e as { code?: number }).code === 6;

const scenarios: Scenario[] = [
  { name: "gRPC GetVersion", op: (a) => a.getVersion({}) },
  {
    name: "HTTP GET /api/v1/version",
    run: async (_a, _s, e, measure) => {
      if (!e.httpBase) return undefined;
      const url = `${e.httpBase}/api/v1/version`;
      await httpLoad(url, { concurrency: CONCURRENCY, seconds: 1 });
      return (await measure(() => httpLoad(url, { concurrency: CONCURRENCY, seconds: SECONDS }))).result;
    },
  },
  {
    name: "ListProjects (200 projects, limit 100)",
    prepare: async (a) => {
      const have = (await a.listProjects({ limit: 200 })).projects.length;
      for (let i = have; i < 200; i++) {
        await a.registerProject({ project: { id: `${RUN}-s${i}`, name: `seed ${i}` } }).catch(() => undefined);
      }
    },
    op: (a) => a.listProjects({ limit: 100 }),
  },
  {
    name: "RegisterProject",
    op: (a, _s, i) => a.registerProject({ project: { id: `${RUN}-p${i}`, name: `p${i}` } }),
  },
  {
    name: "CreateTask (new versions of one name)",
    op: async (a, s, i) => {
      const version = `${RUN}-t${i}`;
      await a.createTask(createTaskRequest(taskId("bench.task", version, PROJECT), IO));
      s.taskVersions.push(version);
    },
  },
  {
    name: "GetTask",
    op: (a, s) => a.getTask({ id: taskId("bench.task", pick(readSet(s.taskVersions)), PROJECT) }),
  },
  {
    name: "ListTasks (project, newest 20)",
    op: (a) =>
      a.listTasks({ id: { project: PROJECT, domain: DOMAIN }, limit: 20, sortBy: { key: "created_at", direction: 0 } }),
  },
  {
    name: "CreateWorkflow (50-node chain)",
    prepare: async (a) => {
      await a
        .createTask(createTaskRequest(taskId(EXAMPLE_TASKS.sayHello, RUN, PROJECT), IO))
        .catch((e) => (isAlreadyExists(e) ? undefined : Promise.reject(e)));
    },
    op: async (a, s, i) => {
      const version = `${RUN}-w${i}`;
      await a.createWorkflow(chainWorkflowRequest("bench.wf50", version, 50, RUN, PROJECT));
      s.workflowVersions.push(version);
    },
  },
  {
    name: "GetWorkflow",
    op: (a, s) => a.getWorkflow({ id: workflowId("bench.wf50", pick(readSet(s.workflowVersions)), PROJECT) }),
  },
  {
    name: "GetLaunchPlan",
    prepare: async (a, s) => {
      for (let k = 0; k < 20; k++) {
        const version = `${RUN}-l${k}`;
        await registerHello(a, version, { project: PROJECT });
        s.launchPlans.push(launchPlanId("wf.hello.hello_wf", version, PROJECT));
      }
    },
    op: (a, s) => a.getLaunchPlan({ id: pick(s.launchPlans) }),
  },
  {
    name: "CreateExecution",
    op: async (a, s) => {
      const r = await a.createExecution(pyflyteRunRequest(pick(s.launchPlans), { times: intLiteral(1) }));
      if (r.id) s.executions.push(r.id.name);
    },
  },
  {
    name: "ListExecutions (eq(phase,RUNNING), 20)",
    prepare: async (a, s) => {
      // 200 executions RUNNING, as propeller reports them; the rest stay for event ingest.
      const running = s.executions.splice(0, 200);
      s.running.push(...running);
      await Promise.all(
        running.map((name) =>
          a.createWorkflowEvent({
            event: {
              executionId: { project: PROJECT, domain: DOMAIN, name },
              phase: W.RUNNING,
              occurredAt: timestampFromMs(Date.now()),
              producerId: PRODUCER,
            },
          }),
        ),
      );
    },
    op: (a) =>
      a.listExecutions({
        id: { project: PROJECT, domain: DOMAIN },
        limit: 20,
        filters: "eq(phase,RUNNING)",
        sortBy: { key: "created_at", direction: 0 },
      }),
  },
  {
    name: "GetExecution",
    op: (a, s) =>
      a.getExecution({
        id: { project: PROJECT, domain: DOMAIN, name: pick(readSet([...s.running, ...s.executions])) },
      }),
  },
  {
    name: `event ingest (node+task+workflow events, ${CONCURRENCY} streams), events/s`,
    run: (a, s, _e, measure) => eventIngest(a, s, measure),
  },
];

// ---- event ingest: one propeller worker per stream, reporting one execution's events in order ----

/** One encoded event request. */
interface Call {
  readonly path: string;
  readonly bytes: Buffer;
}

let clock = Date.now();
function at() {
  clock += 1;
  return timestampFromMs(clock);
}
const methodPath = (name: string) => `/${AdminService.typeName}/${name}`;

/** The events a propeller worker reports for one execution of NODES say_hello nodes, encoded before the clock starts. */
function planExecution(name: string): Call[] {
  const calls: Call[] = [];
  const executionId = { project: PROJECT, domain: DOMAIN, name };
  const wf = (phase: W, extra: Record<string, unknown> = {}) =>
    calls.push({
      path: methodPath("CreateWorkflowEvent"),
      bytes: Buffer.from(
        toBinary(
          WorkflowExecutionEventRequestSchema,
          create(WorkflowExecutionEventRequestSchema, {
            event: { executionId, phase, occurredAt: at(), producerId: PRODUCER, ...extra },
          }),
        ),
      ),
    });
  const node = (id: { executionId: typeof executionId; nodeId: string }, phase: N, extra: Record<string, unknown>) =>
    calls.push({
      path: methodPath("CreateNodeEvent"),
      bytes: Buffer.from(
        toBinary(
          NodeExecutionEventRequestSchema,
          create(NodeExecutionEventRequestSchema, {
            event: { id, phase, occurredAt: at(), producerId: PRODUCER, eventVersion: 2, ...extra },
          }),
        ),
      ),
    });
  const task = (id: { executionId: typeof executionId; nodeId: string }, phase: T, extra: Record<string, unknown>) =>
    calls.push({
      path: methodPath("CreateTaskEvent"),
      bytes: Buffer.from(
        toBinary(
          TaskExecutionEventRequestSchema,
          create(TaskExecutionEventRequestSchema, {
            event: {
              taskId: taskId(SAY_HELLO, pick(launchPlanVersions), PROJECT),
              parentNodeExecutionId: id,
              phase,
              occurredAt: at(),
              producerId: PRODUCER,
              taskType: "python-task",
              eventVersion: 2,
              ...extra,
            },
          }),
        ),
      ),
    });
  wf(W.RUNNING);
  for (let n = 0; n < NODES; n++) {
    const nodeId = `n${n}`;
    const id = { executionId, nodeId };
    const inputUri = `s3://bench/${name}/${nodeId}/inputs.pb`;
    const outputUri = `s3://bench/${name}/${nodeId}/0/outputs.pb`;
    node(id, N.QUEUED, { inputValue: { case: "inputUri", value: inputUri }, specNodeId: nodeId, retryGroup: "0" });
    task(id, T.QUEUED, { inputValue: { case: "inputUri", value: inputUri }, reason: "task submitted to K8s" });
    node(id, N.RUNNING, {});
    task(id, T.RUNNING, {
      phaseVersion: 1,
      logs: [{ uri: `https://logs/${name}/${nodeId}`, name: "Kubernetes Logs (User)" }],
      metadata: { generatedName: `${name}-${nodeId}-0`, pluginIdentifier: "container" },
    });
    task(id, T.SUCCEEDED, { outputResult: { case: "outputUri", value: outputUri } });
    node(id, N.SUCCEEDED, { outputResult: { case: "outputUri", value: outputUri } });
  }
  wf(W.SUCCEEDING);
  wf(W.SUCCEEDED, { outputResult: { case: "outputUri", value: `s3://bench/${name}/end-node/outputs.pb` } });
  return calls;
}

let launchPlanVersions: string[] = [];
const asIs = (b: Buffer) => b;

function send(client: grpc.Client, call: Call): Promise<boolean> {
  return new Promise((resolve) => client.makeUnaryRequest(call.path, asIs, asIs, call.bytes, (err) => resolve(!err)));
}

/**
 * Streams of in-order events, each over executions nobody else reports on:
 * those CreateExecution made that are not RUNNING already, topped up to what
 * the interval can use at up to 10,000 events/s.
 */
async function eventIngest(admin: Admin, s: State, measure: Measure): Promise<LoadResult> {
  launchPlanVersions = s.launchPlans.map((id) => id.version);
  const perExecution = 3 + NODES * 6;
  const wanted = Math.ceil((10_000 * (SECONDS + 1)) / perExecution) + CONCURRENCY;
  const fresh = s.executions.slice(READ_SET);
  while (fresh.length < wanted) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, wanted - fresh.length) }, () =>
        admin.createExecution(pyflyteRunRequest(pick(s.launchPlans), { times: intLiteral(1) })),
      ),
    );
    fresh.push(...batch.map((r) => r.id?.name ?? ""));
  }
  const plans = fresh.map(planExecution);
  let next = 0;
  const stream = async (until: number, sink?: number[], errors?: { n: number }) => {
    while (next < plans.length) {
      const calls = plans[next++] as Call[];
      for (const call of calls) {
        if (Date.now() >= until) return;
        const start = process.hrtime.bigint();
        const ok = await send(admin.raw, call);
        if (!ok && errors) errors.n++;
        sink?.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, () => stream(Date.now() + WARMUP_MS)));
  const latencies: number[] = [];
  const errors = { n: 0 };
  const { result } = await measure(async () => {
    const started = Date.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, () => stream(started + SECONDS * 1000, latencies, errors)));
    return summarize(latencies, errors.n, (Date.now() - started) / 1000);
  });
  if (next >= plans.length) console.log("  (event ingest ran out of executions: raise the top-up)");
  return result;
}

// ---- driver ----

const cpuMs = (cpu: number | undefined, requests: number) =>
  cpu === undefined || requests === 0 ? "-" : round((cpu * 1000) / requests, 3);

async function runAll(e: Endpoint): Promise<Row[]> {
  // Own subchannels per client: grpc-js would otherwise share one connection between channels to one address.
  const admins: Admin[] = Array.from({ length: CHANNELS }, () =>
    grpcClient(AdminService, e.grpcAddress, { "grpc.use_local_subchannel_pool": 1 }),
  );
  const admin = admins[0] as Admin;
  const state: State = { taskVersions: [], workflowVersions: [], launchPlans: [], executions: [], running: [] };
  const rows: Row[] = [];
  const measure: Measure = async (fn) => {
    const s0 = e.serverPid ? treeCpuSeconds(e.serverPid) : undefined;
    const p0 = e.pgPid ? treeCpuSeconds(e.pgPid) : undefined;
    const c0 = process.cpuUsage();
    const result = await fn();
    const c1 = process.cpuUsage(c0);
    const s1 = e.serverPid ? treeCpuSeconds(e.serverPid) : undefined;
    const p1 = e.pgPid ? treeCpuSeconds(e.pgPid) : undefined;
    return {
      result,
      clientCpu: (c1.user + c1.system) / 1e6,
      serverCpu: s0 !== undefined && s1 !== undefined ? s1 - s0 : undefined,
      pgCpu: p0 !== undefined && p1 !== undefined ? p1 - p0 : undefined,
    };
  };
  try {
    await admin.registerProject({ project: { id: PROJECT, name: PROJECT } }).catch((err) => {
      if (!isAlreadyExists(err)) throw err;
    });
    for (const sc of scenarios) {
      // Scenarios feed later ones (versions to read, executions to report on): a filter skips only the measuring.
      const measured = !scenarioFilter || scenarioFilter.some((f) => sc.name.toLowerCase().includes(f.toLowerCase()));
      await sc.prepare?.(admin, state);
      let result: LoadResult | undefined;
      let serverCpu: number | undefined;
      let pgCpu: number | undefined;
      let clientCpu: number | undefined;
      if (sc.op) {
        const op = sc.op;
        let i = 0;
        const call = () => op(admins[i % admins.length] as Admin, state, i++);
        await runLoad(call, { concurrency: CONCURRENCY, durationMs: measured ? WARMUP_MS : 300, warmupMs: 0 });
        if (!measured) continue;
        ({ result, serverCpu, pgCpu, clientCpu } = await measure(() =>
          runLoad(call, { concurrency: CONCURRENCY, durationMs: SECONDS * 1000, warmupMs: 0 }),
        ));
      } else if (sc.run && measured) {
        let cpu: { serverCpu?: number; pgCpu?: number; clientCpu?: number } = {};
        const inner: Measure = async (fn) => {
          const m = await measure(fn);
          cpu = m;
          return m;
        };
        result = await sc.run(admin, state, e, inner);
        ({ serverCpu, pgCpu, clientCpu } = cpu);
      }
      if (!result) continue;
      const total = serverCpu === undefined ? undefined : serverCpu + (pgCpu ?? 0);
      const row: Row = {
        target: e.label,
        scenario: sc.name,
        "req/s": Math.round(result.rps),
        p50_ms: result.p50ms,
        p99_ms: result.p99ms,
        errors: result.errors,
        "server CPU ms/req": cpuMs(serverCpu, result.requests),
        "PG CPU ms/req": cpuMs(pgCpu, result.requests),
        "total CPU ms/req": cpuMs(total, result.requests),
        "client CPU ms/req": cpuMs(clientCpu, result.requests),
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  } finally {
    for (const a of admins) a.close();
  }
  return rows;
}

async function ours(dialect: Dialect): Promise<Row[]> {
  const overrides: Record<string, unknown> = {};
  // FlyteAdmin's pool settings as the side-by-side used them (Go's maxIdleConnections of 10 reconnects under load).
  if (dialect === "postgres") overrides.database = { maxOpenConnections: 100, maxIdleConnections: 64 };
  if (workers) overrides.server = { workers: Number(workers) };
  // `--node-args --cpu-prof,--cpu-prof-dir=DIR` profiles the server (the profile is written when it stops).
  const nodeArgs = argValue("node-args")?.split(",");
  const server = await startServerProcess(dialect, overrides, { nodeArgs });
  if (!server) {
    console.log(`${dialect}: skipped (PostgreSQL is not installed)`);
    return [];
  }
  try {
    const label = `ours ${dialect}${workers ? ` ${workers}w` : ""}`;
    return await runAll({
      label,
      grpcAddress: server.grpcAddress,
      httpBase: server.httpBase,
      serverPid: server.pid,
      pgPid: dialect === "postgres" ? postgresPid() : undefined,
    });
  } finally {
    await server.stop();
  }
}

async function external(spec: string): Promise<Row[]> {
  const [hostPort, httpPort] = spec.split(",");
  const host = (hostPort as string).split(":")[0];
  const pid = (name: string) => (argValue(name) ? Number(argValue(name)) : undefined);
  return runAll({
    label: argValue("label") ?? spec,
    grpcAddress: hostPort as string,
    httpBase: httpPort ? `http://${host}:${httpPort}` : undefined,
    serverPid: pid("server-pid"),
    pgPid: pid("pg-pid"),
  });
}

const rows: Row[] = [];
if (target) {
  rows.push(...(await external(target)));
} else {
  for (const dialect of ["sqlite", "postgres"] as const) {
    if (only && only !== dialect) continue;
    rows.push(...(await ours(dialect)));
  }
  stopPostgres();
}
printTable(`compare: ${CONCURRENCY} in flight, ${SECONDS}s per scenario (run ${RUN})`, rows);
const name = `compare-${target ? (argValue("label") ?? "target") : (only ?? "ours")}${workers ? `-${workers}w` : ""}${CHANNELS > 1 ? `-${CHANNELS}ch` : ""}`;
console.log(
  `\nwritten to ${writeResult(name.replace(/[^a-zA-Z0-9_.-]/g, "_"), { concurrency: CONCURRENCY, seconds: SECONDS, nodes: NODES, rows })}`,
);
