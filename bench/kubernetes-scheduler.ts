/**
 * Kubernetes executor and native scheduler benchmark. Run: `npx tsx bench/kubernetes-scheduler.ts`.
 * Writes bench/results/kubernetes-scheduler.json.
 *
 * 1. FlyteWorkflow resources built per second for a 100-node workflow (and 1,000), wall and CPU time per build,
 *    resource size; and resources created per second through the Kubernetes executor against the recording API
 *    server (real HTTP, client-node).
 * 2. The scheduler over a simulated day (virtual clock, the real scheduler and rate limiter): 100 and 1,000 one-minute
 *    schedules (half cron `* * * * *`, half fixed rate), each fire costing 20 ms of virtual time: how many fires, how
 *    late they start (FlyteAdmin's default pace: 100 per second, burst 10); then a two-hour outage followed by a
 *    restart, with our bounded catch-up against FlyteAdmin's fire-everything count.
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import pino from "pino";
import { RateLimiter } from "../src/common/rate-limiter.js";
import { flyteWorkflowFor } from "../src/engine/kubernetes/flyteworkflow-builder.js";
import { KubernetesExecutor } from "../src/engine/kubernetes/k8s-executor.js";
import { KubeFlyteWorkflowApi, kubeConfigFor } from "../src/engine/kubernetes/kube-client.js";
import { missedFires } from "../src/scheduler/catch-up.js";
import type { FireOutcome } from "../src/scheduler/execution-firer.js";
import { scheduleName } from "../src/scheduler/identity.js";
import type { LeaderLock } from "../src/scheduler/leader-lock.js";
import { type FireEvent, NativeScheduler } from "../src/scheduler/native-scheduler.js";
import { scheduleOf } from "../src/scheduler/schedule.js";
import { SimulatedClock } from "../src/scheduler/simulated-clock.js";
import { encodeSnapshot } from "../src/scheduler/snapshot.js";
import type { StoredSchedulableEntity } from "../src/store/repositories/schedulable-entity-repository.js";
import { defaultParameters, executionData, intInputs, wideClosure } from "../test/fixtures/flyteworkflows.js";
import { RecordingKubeApi } from "../test/support/kube-api.js";
import { printTable, round, writeResult } from "./support/harness.js";

const SETTINGS = { useOffloadedWorkflowClosure: false, useOffloadedInputs: false, consoleUrl: "" };
const logger = pino({ level: "silent" });

function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Builds per second for an n-node workflow (after warm-up), with wall and CPU milliseconds per build. */
function buildRate(nodes: number, seconds: number) {
  const data = executionData(wideClosure(nodes), defaultParameters(intInputs({ a: 1 })));
  for (let i = 0; i < 20; i++) flyteWorkflowFor(data, SETTINGS);
  const size = JSON.stringify(flyteWorkflowFor(data, SETTINGS)).length;
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const t0 = performance.now();
    flyteWorkflowFor(data, SETTINGS);
    times.push(performance.now() - t0);
  }
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  return {
    nodes,
    builds: times.length,
    buildsPerSecond: round(times.length / (wall / 1000), 1),
    p50Ms: round(quantile(times, 0.5), 3),
    p99Ms: round(quantile(times, 0.99), 3),
    cpuMsPerBuild: round((cpu.user + cpu.system) / 1000 / times.length, 3),
    resourceBytes: size,
  };
}

/** Executions launched per second through the executor: build + POST to the recording API server. */
async function createRate(seconds: number, concurrency: number) {
  const kube = await new RecordingKubeApi().start();
  try {
    // qps 0: no client-side pacing, to measure the executor itself.
    const api = new KubeFlyteWorkflowApi(kubeConfigFor("", kube.url, {}), { qps: 0, burst: 1, timeoutMs: 30_000 });
    const executor = new KubernetesExecutor(api, SETTINGS, logger);
    const closure = wideClosure(100);
    let n = 0;
    const latencies: number[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() - started < seconds * 1000) {
          const data = executionData(closure, defaultParameters(intInputs({ a: 1 })), `bench-${n++}`);
          const t0 = performance.now();
          await executor.execute(data);
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const wall = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      concurrency,
      created: latencies.length,
      createdPerSecond: round(latencies.length / wall, 1),
      p50Ms: round(quantile(latencies, 0.5), 2),
      p99Ms: round(quantile(latencies, 0.99), 2),
      apiRequests: kube.requests.length,
    };
  } finally {
    await kube.stop();
  }
}

const T0 = Date.parse("2026-01-01T00:00:00Z");
const DAY = 86_400_000;

function schedules(count: number, activatedMs: number): StoredSchedulableEntity[] {
  return Array.from({ length: count }, (_, i) => ({
    project: "bench",
    domain: "development",
    name: `minutely-${i}`,
    version: "v1",
    cronExpression: i % 2 === 0 ? "* * * * *" : "",
    fixedRateValue: i % 2 === 0 ? 0 : 1,
    unit: 0,
    kickoffTimeInputArg: "",
    active: true,
    // Spread fixed-rate activations over the minute, as real activations are.
    updatedAt: (activatedMs + ((i * 7919) % 60_000)) * 1000,
  }));
}

const alwaysLeader: LeaderLock = {
  tryAcquire: async () => true,
  held: async () => true,
  release: async () => {},
};

/**
 * What the fires of a run add up to, gathered as they happen: a day of 1,000 one-minute schedules is 1.44M fires,
 * too many to keep as objects just to count them.
 */
class FireStats {
  fires = 0;
  duplicates = 0;
  catchUpFires = 0;
  lastCatchUpFiredMs = Number.NEGATIVE_INFINITY;
  readonly #late: number[] = [];
  /** Scheduled times fired, per schedule: a time seen twice is a duplicate fire. */
  readonly #fired = new Map<string, Set<number>>();

  add(e: FireEvent): void {
    this.fires++;
    this.#late.push(e.firedMs - e.scheduledMs);
    let times = this.#fired.get(e.schedule);
    if (!times) {
      times = new Set();
      this.#fired.set(e.schedule, times);
    }
    if (times.has(e.scheduledMs)) this.duplicates++;
    else times.add(e.scheduledMs);
    if (e.catchUp) {
      this.catchUpFires++;
      this.lastCatchUpFiredMs = Math.max(this.lastCatchUpFiredMs, e.firedMs);
    }
  }

  /** Lateness (fired minus scheduled), ascending. */
  lateness(): Float64Array {
    return Float64Array.from(this.#late).sort();
  }
}

/** Runs the scheduler on a virtual clock from `start` for `durationMs`; returns what the fires add up to. */
async function simulate(rows: StoredSchedulableEntity[], start: number, durationMs: number, snapshot?: Uint8Array) {
  const clock = new SimulatedClock(start);
  const stats = new FireStats();
  const scheduler = new NativeScheduler({
    schedules: async () => rows,
    snapshots: { read: async () => snapshot, write: async () => {} },
    fire: async (): Promise<FireOutcome> => {
      await clock.sleep(20);
      return "created";
    },
    leader: alwaysLeader,
    limiter: new RateLimiter({ tps: 100, burst: 10, clock }),
    clock,
    logger,
    settings: {
      utc: true,
      catchUpLimit: 10,
      reloadMs: 30_000,
      snapshotMs: 30_000,
      leaderRetryMs: 10_000,
      maxConcurrentFires: 32,
    },
    onFire: (e) => stats.add(e),
  });
  const wall0 = performance.now();
  scheduler.start();
  await clock.runUntil(start + durationMs);
  await clock.drive(scheduler.stop());
  return { stats, wallSeconds: (performance.now() - wall0) / 1000 };
}

async function dayOf(count: number) {
  const rows = schedules(count, T0 - 60_000);
  const { stats, wallSeconds } = await simulate(rows, T0, DAY);
  const late = stats.lateness();
  return {
    schedules: count,
    expectedFires: count * 1440,
    fires: stats.fires,
    duplicates: stats.duplicates,
    lateP50Ms: round(quantile(late, 0.5), 1),
    lateP99Ms: round(quantile(late, 0.99), 1),
    lateMaxMs: round(late.at(-1) ?? 0, 1),
    simulatedIn: `${round(wallSeconds, 1)}s`,
  };
}

/** Down for two hours, then restarted: catch-up fires, ours (bounded) and what FlyteAdmin would fire. */
async function outage(count: number) {
  const rows = schedules(count, T0 - 60_000);
  const downAt = T0 + 60 * 60_000;
  const backAt = downAt + 2 * 60 * 60_000;
  const last = new Map(rows.map((r) => [scheduleName(r), downAt]));
  const { stats } = await simulate(rows, backAt, 60_000, encodeSnapshot(last));
  const flyteAdmin = rows.reduce(
    (n, r) => n + missedFires(scheduleOf(r, true), downAt, backAt, Number.MAX_SAFE_INTEGER).times.length,
    0,
  );
  const burst = stats.catchUpFires === 0 ? 0 : stats.lastCatchUpFiredMs - backAt;
  return {
    schedules: count,
    outage: "2h",
    catchUpFires: stats.catchUpFires,
    flyteAdminCatchUpFires: flyteAdmin,
    catchUpDoneAfterMs: round(burst, 0),
  };
}

const builds = [buildRate(100, 3), buildRate(1_000, 3)];
printTable("FlyteWorkflow builds (flyteWorkflowFor, wide workflow, 10 parallel chains)", builds);
const creates = [await createRate(3, 1), await createRate(3, 8)];
printTable("KubernetesExecutor.execute against the recording API server (100-node workflow)", creates);
const days = [await dayOf(100), await dayOf(1_000)];
printTable("Scheduler, one simulated day of one-minute schedules (tps 100, burst 10, 20 ms per fire)", days);
const outages = [await outage(100), await outage(1_000)];
printTable("Scheduler restart after a two-hour outage (catchUpLimit 10)", outages);
const file = writeResult("kubernetes-scheduler", {
  builds,
  creates,
  days,
  outages,
  loadAverage: loadavg(),
});
console.log(`\nwrote ${file}`);
