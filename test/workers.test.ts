/**
 * `server.workers: 2` on PostgreSQL: the real `serve` command as a process
 * tree (a node:cluster primary, a leader worker and a follower worker on the
 * same ports). Executions launched, recovered and terminated through
 * connections that land on either worker reach the leader's local engine;
 * only one worker runs the scheduler; a killed leader is replaced and the
 * engine works again; SIGTERM stops every process. Skipped without PostgreSQL.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import pg from "pg";
import { stringify } from "yaml";
import { LaunchPlanState } from "../src/proto/gen/flyteidl/admin/launch_plan_pb.js";
import { WorkflowExecution_Phase as W } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { type Identifier, IdentifierSchema, ResourceType } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import { AdminService } from "../src/proto/gen/flyteidl/service/admin_pb.js";
import { cronSchedule } from "./fixtures/launch-plans.js";
import { grpcClient, type ServiceClient } from "./support/grpc-client.js";
import { createTestPgDatabase, freePort } from "./support/postgres.js";
import { intLiteral, ShellProject } from "./support/shell-project.js";

const ROOT = resolve(import.meta.dirname, "..");
const P = "workers";
const D = "development";
const intType = { type: { case: "simple" as const, value: 1 } };
const ident = (resourceType: ResourceType, name: string): Identifier =>
  create(IdentifierSchema, { resourceType, project: P, domain: D, name, version: "v1" });
type Admin = ServiceClient<typeof AdminService>;

/** The process ids under `root` (its children, their children...). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync("/proc")) {
    const pid = Number(e);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      parent.set(pid, Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [pid, pp] of parent) {
      if (pp === p) {
        out.push(pid);
        walk(pid);
      }
    }
  };
  walk(root);
  return out;
}

/** The worker processes of the primary (its children with the role it gave them in FLYTEADMIN_WORKER_ROLE). */
function workers(primary: number): { pid: number; role: string }[] {
  return descendants(primary).flatMap((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== primary) return [];
      const env = readFileSync(`/proc/${pid}/environ`, "latin1").split("\0");
      const role = env.find((e) => e.startsWith("FLYTEADMIN_WORKER_ROLE="))?.split("=")[1];
      return role ? [{ pid, role }] : [];
    } catch {
      return [];
    }
  });
}

const workerPids = (primary: number) => workers(primary).map((w) => w.pid);

async function phaseOf(admin: Admin, name: string): Promise<W> {
  return (await admin.getExecution({ id: { project: P, domain: D, name } })).closure?.phase ?? W.UNDEFINED;
}

async function waitFor(admin: Admin, name: string, want: (p: W) => boolean): Promise<W> {
  for (let i = 0; i < 300; i++) {
    const phase = await phaseOf(admin, name);
    if (want(phase)) return phase;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} stayed ${W[await phaseOf(admin, name)]}`);
}

const terminal = (p: W) => [W.SUCCEEDED, W.FAILED, W.ABORTED, W.TIMED_OUT].includes(p);

async function healthy(base: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/healthcheck`)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("server did not become healthy");
}

/** Worker processes that said they are ready, from the primary's log lines ("worker ready", with their pid). */
const ready = new Set<number>();

function followLog(child: ChildProcess): void {
  let buffered = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (d: string) => {
    buffered += d;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      if (process.env.FLYTEADMIN_TEST_LOG) console.error(line);
      try {
        const entry = JSON.parse(line) as { component?: string; msg?: string; pid?: number };
        if (entry.component === "primary" && entry.msg?.endsWith("worker ready") && entry.pid) ready.add(entry.pid);
      } catch {
        // not a log line
      }
    }
  });
}

/** Waits until the primary has two workers and both said they are ready. */
async function bothWorkersReady(primary: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const pids = workerPids(primary);
    if (pids.length === 2 && pids.every((p) => ready.has(p))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`workers not ready: ${workerPids(primary)} of ${[...ready]}`);
}

describe("server.workers: 2 on PostgreSQL", { skip: !process.env.FLYTEADMIN_TEST_PG_URL && "no PostgreSQL" }, () => {
  let dir = "";
  let child: ChildProcess;
  let httpBase = "";
  let grpcAddress = "";
  let database: Record<string, unknown> = {};
  /** One client per connection, so that successive calls land on different workers (cluster round-robin). */
  let clients: Admin[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "flyteadmin-workers-"));
    const [httpPort, grpcPort] = [await freePort(), await freePort()];
    database = (await createTestPgDatabase("w")).postgres;
    writeFileSync(
      join(dir, "config.yaml"),
      stringify({
        server: {
          host: "127.0.0.1",
          httpPort,
          grpc: { port: grpcPort },
          workers: 2,
          gracefulShutdownTimeoutSeconds: 2,
        },
        database: { postgres: database },
        executor: { type: "local", local: { env: { PATH: "/usr/local/bin:/usr/bin:/bin" } } },
        scheduler: {
          eventScheduler: { local: { reloadInterval: "1s", snapshotInterval: "1s", leaderRetryInterval: "1s" } },
        },
        logger: { level: "info" },
      }),
    );
    child = spawn(
      process.execPath,
      ["--import", "tsx", join(ROOT, "src/main.ts"), "serve", "--config", join(dir, "config.yaml"), "--data-dir", dir],
      { stdio: ["ignore", "pipe", process.env.FLYTEADMIN_TEST_LOG ? "inherit" : "ignore"] },
    );
    followLog(child);
    httpBase = `http://127.0.0.1:${httpPort}`;
    grpcAddress = `127.0.0.1:${grpcPort}`;
    await healthy(httpBase);
    // The follower starts after the leader is ready: wait for both.
    await bothWorkersReady(child.pid!);
    clients = Array.from({ length: 4 }, () =>
      grpcClient(AdminService, grpcAddress, { "grpc.use_local_subchannel_pool": 1 }),
    );
    await clients[0]!.registerProject({ project: { id: P, name: P } });
  });

  after(async () => {
    for (const c of clients) c.close();
    if (child.exitCode === null) {
      child.kill("SIGKILL");
      for (const pid of descendants(child.pid!)) process.kill(pid, "SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test("two workers under the primary; only one of them runs the scheduler", async () => {
    assert.equal(workerPids(child.pid!).length, 2);
    const client = new pg.Client({ connectionString: process.env.FLYTEADMIN_TEST_PG_URL });
    await client.connect();
    try {
      const r = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'flyteadmin-ts scheduler'",
        [database.dbname],
      );
      assert.equal(Number(r.rows[0]?.n), 1);
    } finally {
      await client.end();
    }
  });

  test("/metrics on any worker counts the calls of every worker", async () => {
    const handled = async () => {
      const text = await (await fetch(`${httpBase}/metrics`, { headers: { connection: "close" } })).text();
      const line = text
        .split("\n")
        .find((l) => l.startsWith("grpc_server_handled_total") && l.includes('grpc_method="GetVersion"'));
      return Number(line?.split(" ").pop() ?? 0);
    };
    const before = await handled();
    for (let round = 0; round < 3; round++) for (const c of clients) await c.getVersion({});
    // Each scrape reaches one worker (cluster round-robin); every one must report the sum over both.
    for (let i = 0; i < 4; i++) assert.equal(await handled(), before + 3 * clients.length);
  });

  test("executions launched through every connection (so through both workers) run to SUCCEEDED", async () => {
    const project = new ShellProject({ admin: clients[0]! }, P, D);
    const task = await project.task("inc", "echo $(( $(cat /var/in/x) + 1 )) > /var/out/o0");
    const lp = await project.chain("inc", [task]);
    await Promise.all(
      clients.map((c, i) =>
        c.createExecution({
          project: P,
          domain: D,
          name: `run${i}`,
          spec: { launchPlan: lp },
          inputs: { literals: { x: intLiteral(1n) } },
        }),
      ),
    );
    for (let i = 0; i < clients.length; i++) assert.equal(await waitFor(clients[i]!, `run${i}`, terminal), W.SUCCEEDED);
  });

  test("TerminateExecution through either worker aborts a run the leader's engine holds", async () => {
    const project = new ShellProject({ admin: clients[0]! }, P, D);
    const lp = await project.chain("sleepy", [await project.task("sleepy", "sleep 60")]);
    for (let i = 0; i < clients.length; i++) {
      await clients[i]!.createExecution({
        project: P,
        domain: D,
        name: `long${i}`,
        spec: { launchPlan: lp },
        inputs: { literals: { x: intLiteral(1n) } },
      });
    }
    for (let i = 0; i < clients.length; i++) await waitFor(clients[0]!, `long${i}`, (p) => p === W.RUNNING);
    // Terminate each through another connection than the one that launched it.
    for (let i = 0; i < clients.length; i++) {
      await clients[(i + 1) % clients.length]!.terminateExecution({
        id: { project: P, domain: D, name: `long${i}` },
        cause: "test",
      });
    }
    for (let i = 0; i < clients.length; i++) assert.equal(await waitFor(clients[0]!, `long${i}`, terminal), W.ABORTED);
  });

  test("RecoverExecution through every connection reruns the failed node on the leader's engine", async () => {
    const marker = join(dir, "second-run");
    // Fails until the marker exists.
    const project = new ShellProject({ admin: clients[0]! }, P, D);
    const flaky = await project.task("flaky", `if [ -e ${marker} ]; then echo 7 > /var/out/o0; else exit 3; fi`);
    const lp = await project.chain("flaky", [flaky]);
    for (let i = 0; i < clients.length; i++) {
      await clients[i]!.createExecution({
        project: P,
        domain: D,
        name: `flaky${i}`,
        spec: { launchPlan: lp },
        inputs: { literals: { x: intLiteral(1n) } },
      });
    }
    for (let i = 0; i < clients.length; i++) assert.equal(await waitFor(clients[0]!, `flaky${i}`, terminal), W.FAILED);
    writeFileSync(marker, "");
    for (let i = 0; i < clients.length; i++) {
      const recovered = await clients[(i + 1) % clients.length]!.recoverExecution({
        id: { project: P, domain: D, name: `flaky${i}` },
        name: `recovered${i}`,
      });
      assert.equal(recovered.id?.name, `recovered${i}`);
    }
    for (let i = 0; i < clients.length; i++) {
      assert.equal(await waitFor(clients[0]!, `recovered${i}`, terminal), W.SUCCEEDED);
    }
  });

  test("a schedule fires once per tick (one scheduler among the workers) and its runs go to the engine", async () => {
    const admin = clients[0]!;
    const wf = ident(ResourceType.WORKFLOW, "inc");
    const lp = ident(ResourceType.LAUNCH_PLAN, "every-second");
    await admin.createLaunchPlan({
      id: lp,
      spec: {
        workflowId: wf,
        entityMetadata: { schedule: cronSchedule("@every 1s") },
        defaultInputs: {
          parameters: { x: { var: { type: intType }, behavior: { case: "default", value: intLiteral(5n) } } },
        },
        fixedInputs: { literals: {} },
      },
    });
    await admin.updateLaunchPlan({ id: lp, state: LaunchPlanState.ACTIVE });
    const list = async () =>
      (
        await admin.listExecutions({
          id: { project: P, domain: D },
          limit: 1000,
          filters: "eq(launch_plan.name,every-second)",
        })
      ).executions;
    for (let i = 0; i < 150 && (await list()).length < 4; i++) await new Promise((r) => setTimeout(r, 100));
    await admin.updateLaunchPlan({ id: lp, state: LaunchPlanState.INACTIVE });
    await new Promise((r) => setTimeout(r, 2500));
    const runs = await list();
    assert.ok(runs.length >= 4, `${runs.length} scheduled runs`);
    const times = runs.map((e) => Number(e.spec?.metadata?.scheduledAt?.seconds ?? 0n)).sort((a, b) => a - b);
    // Exactly one run per tick: consecutive seconds, none twice.
    for (let i = 1; i < times.length; i++)
      assert.equal((times[i] as number) - (times[i - 1] as number), 1, String(times));
    for (const e of runs) assert.equal(await waitFor(admin, e.id!.name, terminal), W.SUCCEEDED, e.id!.name);
  });

  test("a killed leader is replaced, and launches through any worker run again", async () => {
    const leaders = workers(child.pid!).filter((w) => w.role === "leader");
    assert.equal(leaders.length, 1);
    const leader = leaders[0]!.pid;
    process.kill(leader, "SIGKILL");
    for (let i = 0; i < 200; i++) {
      const pids = workerPids(child.pid!);
      if (pids.length === 2 && !pids.includes(leader)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(workerPids(child.pid!).length, 2);
    assert.equal(workers(child.pid!).filter((w) => w.role === "leader").length, 1);
    await bothWorkersReady(child.pid!);
    const lp = ident(ResourceType.LAUNCH_PLAN, "inc");
    // Calls made while the new leader starts wait for it (or fail UNAVAILABLE after 30 s).
    for (let i = 0; i < clients.length; i++) {
      await clients[i]!.createExecution({
        project: P,
        domain: D,
        name: `again${i}`,
        spec: { launchPlan: lp },
        inputs: { literals: { x: intLiteral(2n) } },
      });
    }
    for (let i = 0; i < clients.length; i++)
      assert.equal(await waitFor(clients[0]!, `again${i}`, terminal), W.SUCCEEDED);
  });

  test("SIGTERM to the primary stops every worker and exits 0", async () => {
    const pids = workerPids(child.pid!);
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), "worker process gone");
  });
});
