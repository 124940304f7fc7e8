/**
 * Leader election of the native scheduler (executions.md §6, DESIGN §2): two
 * server processes on one PostgreSQL database both run a scheduler, and a
 * one-second schedule must fire exactly once per second — by one process at
 * a time — including across a hand-over when the leader stops. Exactly once
 * is checked on the attempts each process logs (no ALREADY_EXISTS anywhere),
 * not only on the executions stored (whose names would hide duplicates).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { stringify } from "yaml";
import { timestampToMicros } from "../src/common/time.js";
import { executionName } from "../src/scheduler/identity.js";
import { cronSchedule } from "./fixtures/launch-plans.js";
import { DOMAIN, PROJECT } from "./fixtures/tasks.js";
import { DATETIME } from "./fixtures/types.js";
import { seedRunnableLaunchPlan } from "./support/launch-plans.js";
import { createTestPgDatabase, freePort } from "./support/postgres.js";
import { startTestServer } from "./support/server.js";
import { tempDir } from "./support/temp-dir.js";

const ROOT = resolve(import.meta.dirname, "..");
const MAIN = join(ROOT, "src/main.ts");
const SCHEDULER = {
  eventScheduler: {
    local: { reloadInterval: "500ms", snapshotInterval: "1s", leaderRetryInterval: "300ms", catchUpLimit: 100 },
  },
};

interface Fire {
  readonly process: string;
  readonly scheduledAt: string;
  readonly outcome: string;
  readonly loggedAt: number;
}

/** A `serve` process whose scheduler log lines are collected. */
class ServeProcess {
  readonly fires: Fire[] = [];
  /** Errors the scheduler logged (why a fire failed), for the assertion messages. */
  readonly errors: string[] = [];
  readonly child: ChildProcess;
  readonly httpPort: number;
  #buffer = "";

  constructor(label: string, configFile: string, httpPort: number) {
    this.httpPort = httpPort;
    this.child = spawn(process.execPath, ["--import", "tsx", MAIN, "serve", "--config", configFile], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    this.child.stdout?.on("data", (chunk: Buffer) => {
      this.#buffer += chunk.toString("utf8");
      const lines = this.#buffer.split("\n");
      this.#buffer = lines.pop() ?? "";
      for (const line of lines) {
        if (line.includes("could not be created")) this.errors.push(String(JSON.parse(line).err));
        if (!line.includes("scheduler: fired")) continue;
        const l = JSON.parse(line) as { scheduledAt: string; outcome: string; time: number };
        this.fires.push({ process: label, scheduledAt: l.scheduledAt, outcome: l.outcome, loggedAt: l.time });
      }
    });
  }

  async healthy(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`server exited with ${this.child.exitCode}`);
      try {
        if ((await fetch(`http://127.0.0.1:${this.httpPort}/healthcheck`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error("server did not become healthy");
  }

  /** SIGTERM and wait for the (clean) exit. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((r) => this.child.once("exit", (code) => r(code)));
    this.child.kill("SIGTERM");
    return exited;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test("two servers on one PostgreSQL database: each one-second fire happens exactly once, across a leader hand-over", {
  skip: process.env.FLYTEADMIN_TEST_PG_URL ? false : "PostgreSQL is not available",
  timeout: 90_000,
}, async () => {
  const database = { ...(await createTestPgDatabase("leader")), maxOpenConnections: 10 };
  // Replicas share the database and the blob store.
  const storage = { local: { root: tempDir("leader-blobs-") } };
  // An in-process server (scheduler off) registers the launch plan and reads the results.
  const admin = await startTestServer("postgres", {
    database,
    storage,
    scheduler: { eventScheduler: { local: { enabled: false } } },
  });
  const processes: ServeProcess[] = [];
  try {
    for (const label of ["a", "b"]) {
      const dir = tempDir(`leader-${label}-`);
      const [httpPort, grpcPort] = [await freePort(), await freePort()];
      const file = join(dir, "config.yaml");
      writeFileSync(
        file,
        stringify({
          server: { host: "127.0.0.1", httpPort, grpc: { port: grpcPort } },
          database,
          storage,
          executor: { type: "external" },
          scheduler: SCHEDULER,
          logger: { level: "info" },
        }),
      );
      processes.push(new ServeProcess(label, file, httpPort));
    }
    await Promise.all(processes.map((p) => p.healthy()));
    const [a, b] = processes as [ServeProcess, ServeProcess];
    const lp = await seedRunnableLaunchPlan(admin, {
      name: "leader.every-second",
      inputs: { kickoff_time: DATETIME },
      schedule: cronSchedule("@every 1s", "kickoff_time"),
    });

    // Both run; one leads and fires every second.
    await waitFor("four fires", () => a.fires.length + b.fires.length >= 4, 20_000);
    const leader = a.fires.length > 0 ? a : b;
    const follower = leader === a ? b : a;
    assert.equal(follower.fires.length, 0, "the follower fires nothing while the leader runs");

    // The leader stops; the follower takes over, makes up what fell between, and goes on.
    const handOver = Date.now();
    assert.equal(await leader.stop(), 0, "clean exit");
    await waitFor(
      "the follower's fires",
      () => follower.fires.filter((f) => f.loggedAt > handOver).length >= 3,
      20_000,
    );
    assert.equal(await follower.stop(), 0, "clean exit");

    const fires = [...a.fires, ...b.fires];
    assert.deepEqual(
      fires.filter((f) => f.outcome !== "created"),
      [],
      `no fire was attempted twice (no ALREADY_EXISTS) and none failed: ${[...a.errors, ...b.errors].join("; ")}`,
    );
    const times = fires.map((f) => Date.parse(f.scheduledAt)).sort((x, y) => x - y);
    assert.equal(new Set(times).size, times.length, "each scheduled second fired once");
    for (let i = 1; i < times.length; i++) {
      assert.equal((times[i] as number) - (times[i - 1] as number), 1000, "no second skipped, across the hand-over");
    }

    // What the database holds: one execution per fire, named after the launch plan and the second.
    const listed = await admin.admin.listExecutions({
      id: { project: PROJECT, domain: DOMAIN },
      limit: 1000,
      filters: "eq(launch_plan.name,leader.every-second)",
    });
    const stored = listed.executions
      .map((e) => {
        const at = e.spec?.metadata?.scheduledAt;
        return at ? timestampToMicros(at) / 1000 : 0;
      })
      .sort((x, y) => x - y);
    assert.deepEqual(stored, times);
    const key = { project: PROJECT, domain: DOMAIN, name: lp.name, version: lp.version };
    assert.deepEqual(
      new Set(listed.executions.map((e) => e.id?.name)),
      new Set(times.map((t) => executionName(key, t))),
    );
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await admin.close();
  }
});
