/**
 * Soak: a bounded run of mixed traffic at a steady rate against a server in
 * its own process (executor `external`): registrations (a new task version),
 * launches (CreateExecution), propeller-like events (workflow, node and task
 * events on recent executions) and reads (GetExecution, ListExecutions).
 * Every `--sample` seconds it records the server's RSS (/proc), its V8 heap in
 * use and event-loop delay (the server's own /metrics:
 * nodejs_heap_size_used_bytes, nodejs_eventloop_lag_p99_seconds) and the
 * latency of the calls of that window; at the end it prints the memory slopes
 * (least squares over the second half, after warm-up) and whether latency crept.
 * `--cache-mb N` sets `storage.cache.max_size_mbs`, the memory the server may
 * fill with immutable specs and closures: with a small one the caches are
 * full early, so what still grows afterwards is not them.
 *
 *   npx tsx bench/soak.ts [--minutes 20] [--rate 40] [--sample 15] [--db sqlite|postgres] [--cache-mb 128]
 *
 * Default 20 minutes; not run in CI.
 */
import { readFileSync } from "node:fs";
import {
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { AdminService } from "../src/proto/gen/flyteidl/service/admin_pb.js";
import { HELLO_WF, registerHello, SAY_HELLO } from "../test/fixtures/executions.js";
import { createTaskRequest, taskId } from "../test/fixtures/tasks.js";
import { intLiteral } from "../test/fixtures/types.js";
import { launchPlanId } from "../test/fixtures/workflows.js";
import { grpcClient } from "../test/support/grpc-client.js";
import {
  argValue,
  type Dialect,
  numberArg,
  printTable,
  round,
  startServerProcess,
  stopPostgres,
  summarize,
  writeResult,
} from "./support/harness.js";

const minutes = numberArg("minutes", 20);
const rate = numberArg("rate", 40);
const sampleSeconds = numberArg("sample", 15);
const dialect = (argValue("db") ?? "sqlite") as Dialect;
const cacheMb = argValue("cache-mb");
const P = "soak";
const D = "development";

const server = await startServerProcess(
  dialect,
  cacheMb === undefined ? {} : { storage: { cache: { max_size_mbs: Number(cacheMb) } } },
);
if (!server) {
  console.log(`${dialect}: not available`);
  process.exit(0);
}
const admin = grpcClient(AdminService, server.grpcAddress);
// Stop what was started even when the run fails half-way (a loaded machine, a server that never came up).
process.on("uncaughtException", (err) => {
  console.error(err);
  void server.stop().finally(() => {
    stopPostgres();
    process.exit(1);
  });
});
// The harness waits 10 s for the server; on a loaded machine it can take longer.
for (let i = 0; ; i++) {
  try {
    await admin.getVersion({});
    break;
  } catch (err) {
    if (i >= 600) throw err;
    await new Promise((r) => setTimeout(r, 100));
  }
}
await admin.registerProject({ project: { id: P, name: P } });
await registerHello(admin, "v1", { project: P, domain: D });

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Event-loop delay (ms) and V8 heap in use (MB), from the server's /metrics. */
async function serverGauges(): Promise<{ p99: number; max: number; heapMb: number }> {
  const text = await (await fetch(`${server?.httpBase}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)`, "m").exec(text)?.[1] ?? Number.NaN);
  return {
    p99: read("nodejs_eventloop_lag_p99_seconds") * 1000,
    max: read("nodejs_eventloop_lag_max_seconds") * 1000,
    heapMb: read("nodejs_heap_size_used_bytes") / (1024 * 1024),
  };
}

/** Executions whose events are still being reported: name -> next step. */
const live = new Map<string, number>();
let seq = 0;
const occurred = () => ({ seconds: BigInt(1_700_000_000 + seq), nanos: 0 });

/** One operation of the mix, chosen by a counter so the mix is the same every run. */
async function operation(i: number): Promise<void> {
  const slot = i % 20;
  if (slot === 0) {
    await admin.createTask(createTaskRequest(taskId("soak.task", `v${i}`, P, D)));
  } else if (slot < 5) {
    const name = `s${i}`;
    await admin.createExecution({
      project: P,
      domain: D,
      name,
      spec: { launchPlan: launchPlanId(HELLO_WF, "v1", P, D), metadata: { principal: "soak" } },
      inputs: { literals: { times: intLiteral(1) } },
    });
    live.set(name, 0);
  } else if (slot < 15) {
    // Taken out while its event is in flight: one execution's events go in order, one at a time.
    const [name, step] = live.entries().next().value ?? [];
    if (name === undefined || step === undefined) return;
    live.delete(name);
    await event(name, step);
    if (step < 4) live.set(name, step + 1);
  } else if (slot < 18) {
    const name = live.keys().next().value ?? "s1";
    await admin.getExecution({ id: { project: P, domain: D, name } }).catch(() => undefined);
  } else {
    await admin.listExecutions({ id: { project: P, domain: D }, limit: 20, filters: "eq(phase,RUNNING)" });
  }
}

async function event(name: string, step: number): Promise<void> {
  seq++;
  const executionId = { project: P, domain: D, name };
  const nodeExecutionId = { executionId, nodeId: "n0" };
  const producerId = "propeller";
  switch (step) {
    case 0:
      await admin.createWorkflowEvent({
        requestId: `w${seq}`,
        event: { executionId, phase: WorkflowExecution_Phase.RUNNING, occurredAt: occurred(), producerId },
      });
      return;
    case 1:
      await admin.createNodeEvent({
        requestId: `n${seq}`,
        event: { id: nodeExecutionId, phase: NodeExecution_Phase.RUNNING, occurredAt: occurred(), producerId },
      });
      return;
    case 2:
    case 3: {
      const phase = step === 2 ? TaskExecution_Phase.RUNNING : TaskExecution_Phase.SUCCEEDED;
      await admin.createTaskEvent({
        requestId: `t${seq}`,
        event: {
          taskId: taskId(SAY_HELLO, "v1", P, D),
          parentNodeExecutionId: nodeExecutionId,
          retryAttempt: 0,
          phase,
          occurredAt: occurred(),
          producerId,
        },
      });
      if (step === 3) {
        await admin.createNodeEvent({
          requestId: `n${seq}s`,
          event: { id: nodeExecutionId, phase: NodeExecution_Phase.SUCCEEDED, occurredAt: occurred(), producerId },
        });
      }
      return;
    }
    default:
      await admin.createWorkflowEvent({
        requestId: `w${seq}s`,
        event: { executionId, phase: WorkflowExecution_Phase.SUCCEEDED, occurredAt: occurred(), producerId },
      });
  }
}

interface Sample {
  minute: number;
  rssMb: number;
  heapMb: number;
  loopLagP99Ms: number;
  loopLagMaxMs: number;
  calls: number;
  errors: number;
  p50ms: number;
  p99ms: number;
}

const samples: Sample[] = [];
const started = Date.now();
const end = started + minutes * 60_000;
let window: number[] = [];
let windowErrors = 0;
let windowStart = Date.now();
let issued = 0;
let inFlight = 0;
const errorKinds = new Map<string, number>();
console.log(`soak [${dialect}]: ${minutes} min at ${rate} ops/s, sampling every ${sampleSeconds} s`);

// Open-loop at a steady rate: a slow server shows as latency, not as a lower rate.
await new Promise<void>((resolve) => {
  const tick = setInterval(() => {
    const now = Date.now();
    const due = Math.floor(((now - started) / 1000) * rate);
    while (issued < due && inFlight < 200) {
      const i = issued++;
      const t0 = process.hrtime.bigint();
      inFlight++;
      operation(i)
        .then(
          () => window.push(Number(process.hrtime.bigint() - t0) / 1e6),
          (err: { code?: number; details?: string }) => {
            windowErrors++;
            const k = `${err.code}: ${String(err.details).slice(0, 80)}`;
            errorKinds.set(k, (errorKinds.get(k) ?? 0) + 1);
          },
        )
        .finally(() => inFlight--);
    }
    if (now - windowStart >= sampleSeconds * 1000) {
      const w = summarize(window, windowErrors, (now - windowStart) / 1000);
      const pid = server.pid;
      void serverGauges().then((lag) => {
        const s: Sample = {
          minute: round((now - started) / 60_000),
          rssMb: round(rssMb(pid), 1),
          heapMb: round(lag.heapMb, 1),
          loopLagP99Ms: round(lag.p99),
          loopLagMaxMs: round(lag.max),
          calls: w.requests,
          errors: w.errors,
          p50ms: w.p50ms,
          p99ms: w.p99ms,
        };
        samples.push(s);
        console.log(JSON.stringify(s));
      });
      window = [];
      windowErrors = 0;
      windowStart = now;
    }
    if (now >= end) {
      clearInterval(tick);
      resolve();
    }
  }, 20);
});
while (inFlight > 0) await new Promise((r) => setTimeout(r, 50));

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const num = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

const secondHalf = samples.slice(Math.floor(samples.length / 2));
const quarter = Math.max(1, Math.floor(samples.length / 4));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const summary = {
  dialect,
  cacheMb: cacheMb === undefined ? "default" : Number(cacheMb),
  minutes,
  rate,
  calls: samples.reduce((a, s) => a + s.calls, 0),
  errors: samples.reduce((a, s) => a + s.errors, 0),
  rssStartMb: samples[0]?.rssMb,
  rssEndMb: samples.at(-1)?.rssMb,
  rssSlopeMbPerMinSecondHalf: round(slope(secondHalf.map((s) => ({ x: s.minute, y: s.rssMb }))), 3),
  rssSlopeMbPerMinAll: round(slope(samples.map((s) => ({ x: s.minute, y: s.rssMb }))), 3),
  rssSlopeMbPerMinLastQuarter: round(slope(samples.slice(-quarter).map((s) => ({ x: s.minute, y: s.rssMb }))), 3),
  heapSlopeMbPerMinSecondHalf: round(slope(secondHalf.map((s) => ({ x: s.minute, y: s.heapMb }))), 3),
  p99msFirstQuarter: round(mean(samples.slice(0, quarter).map((s) => s.p99ms))),
  p99msLastQuarter: round(mean(samples.slice(-quarter).map((s) => s.p99ms))),
  loopLagP99MsFirstQuarter: round(mean(samples.slice(0, quarter).map((s) => s.loopLagP99Ms))),
  loopLagP99MsLastQuarter: round(mean(samples.slice(-quarter).map((s) => s.loopLagP99Ms))),
};
printTable(`soak [${dialect}] samples`, samples as unknown as Record<string, number>[]);
console.log(JSON.stringify(summary, null, 2));
for (const [k, n] of errorKinds) console.log(`errors: ${n} x ${k}`);
console.log(
  `result: ${writeResult(`soak-${dialect}${cacheMb === undefined ? "" : `-cache${cacheMb}`}`, { summary, samples })}`,
);
admin.close();
await server.stop();
stopPostgres();
