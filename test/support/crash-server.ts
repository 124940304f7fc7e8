/**
 * The crash test's server (test/engine-crash.test.ts): a real server process
 * on fixed ports, a data dir and a database that outlive it, killed and
 * started again; then what the runs left: the run log's counts and the
 * database's consistency.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sql } from "kysely";
import { stringify } from "yaml";
import { loadConfig } from "../../src/config/load.js";
import { AdminService } from "../../src/proto/gen/flyteidl/service/admin_pb.js";
import { SignalService } from "../../src/proto/gen/flyteidl/service/signal_pb.js";
import { Database } from "../../src/store/database.js";
import { grpcClient } from "./grpc-client.js";
import { createTestPgDatabase, freePort } from "./postgres.js";

const ROOT = resolve(import.meta.dirname, "../..");
const MAIN = join(ROOT, "src/main.ts");

/** mulberry32: the crash moments are random but repeatable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ServerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

export class CrashServer {
  readonly dir = mkdtempSync(join(tmpdir(), "engine-crash-"));
  readonly runLog = join(this.dir, "runs.log");
  readonly interruptions: number[] = [];
  #server: ServerProcess | undefined;
  #config = "";
  #ports = { http: 0, grpc: 0 };
  #database: Record<string, unknown> = {};
  admin!: ReturnType<typeof grpcClient<typeof AdminService>>;
  signals!: ReturnType<typeof grpcClient<typeof SignalService>>;

  async init(dialect: string): Promise<void> {
    this.#ports = { http: await freePort(), grpc: await freePort() };
    this.#database = dialect === "postgres" ? { ...(await createTestPgDatabase("crash")), maxOpenConnections: 10 } : {};
    this.#config = join(this.dir, "flyteadmin.yaml");
    writeFileSync(this.#config, stringify(this.config()));
    writeFileSync(this.runLog, "");
    this.admin = grpcClient(AdminService, `127.0.0.1:${this.#ports.grpc}`);
    this.signals = grpcClient(SignalService, `127.0.0.1:${this.#ports.grpc}`);
  }

  config() {
    return {
      server: {
        host: "127.0.0.1",
        httpPort: this.#ports.http,
        grpc: { port: this.#ports.grpc },
        gracefulShutdownTimeoutSeconds: 1,
      },
      database: this.#database,
      executor: {
        type: "local",
        local: { env: { PATH: "/usr/local/bin:/usr/bin:/bin" }, pollInterval: "100ms", maxParallelTasks: 8 },
      },
      logger: { level: "warn" },
    };
  }

  get dataDir(): string {
    return join(this.dir, "data");
  }

  async start(): Promise<void> {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", MAIN, "serve", "--config", this.#config, "--data-dir", this.dataDir],
      { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
    );
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    this.#server = { child, exited };
    for (let i = 0; i < 600; i++) {
      if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode})`);
      try {
        if ((await fetch(`http://127.0.0.1:${this.#ports.http}/healthcheck`)).ok) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("the server did not become healthy");
  }

  /** Kills (SIGKILL) or stops (SIGTERM) the server and waits for it to exit. */
  async interrupt(signal: "SIGKILL" | "SIGTERM"): Promise<number | null> {
    const s = this.#server;
    if (!s) return null;
    this.interruptions.push(Date.now());
    s.child.kill(signal);
    const code = await s.exited;
    this.#server = undefined;
    return code;
  }

  /**
   * Stops (SIGSTOP) the server and every process below it, as at the instant of a power cut: a stopped process
   * starts nothing more, so the list is complete once a scan finds no new process. Answers the processes below.
   */
  freeze(): number[] {
    const root = this.#server?.child.pid;
    if (root === undefined) return [];
    const stopped = new Set<number>();
    const stop = (pid: number) => {
      try {
        process.kill(pid, "SIGSTOP");
      } catch {
        // ended meanwhile
      }
      stopped.add(pid);
    };
    stop(root);
    for (;;) {
      const fresh = this.descendants().filter((pid) => !stopped.has(pid));
      if (fresh.length === 0) break;
      for (const pid of fresh) stop(pid);
    }
    return [...stopped].filter((pid) => pid !== root);
  }

  /** The processes below the server (the process launcher's helper, the tasks it started), from /proc. */
  descendants(): number[] {
    const root = this.#server?.child.pid;
    if (root === undefined || !existsSync("/proc")) return [];
    const children = new Map<number, number[]>();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      } catch {
        // gone meanwhile
      }
    }
    const found: number[] = [];
    const walk = (pid: number) => {
      for (const c of children.get(pid) ?? []) {
        found.push(c);
        walk(c);
      }
    };
    walk(root);
    return found;
  }

  async close(): Promise<void> {
    this.admin?.close();
    this.signals?.close();
    await this.interrupt("SIGTERM");
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface RunCounts {
  readonly tasks: number;
  readonly runs: number;
  readonly rerun: number;
  readonly overLimit: string[];
}

/** Reads the run log: per task run (execution, task, input, index), its starts, checked against the interruptions. */
export function countRuns(h: CrashServer): RunCounts {
  const byKey = new Map<string, { starts: number[]; ends: number[] }>();
  for (const line of readFileSync(h.runLog, "utf8").split("\n")) {
    const [what, ...rest] = line.trim().split(" ");
    if (what !== "start" && what !== "end") continue;
    const at = Number(rest.pop());
    const key = rest.join(" ");
    const entry = byKey.get(key) ?? { starts: [], ends: [] };
    (what === "start" ? entry.starts : entry.ends).push(at);
    byKey.set(key, entry);
  }
  let runs = 0;
  let rerun = 0;
  const overLimit: string[] = [];
  for (const [key, { starts, ends }] of byKey) {
    runs += starts.length;
    rerun += starts.length - 1;
    const first = Math.min(...starts);
    const last = Math.max(...ends, ...starts);
    const hits = h.interruptions.filter((t) => t >= first && t <= last).length;
    if (starts.length > 1 + hits) overLimit.push(`${key}: ${starts.length} runs, ${hits} interruptions while it ran`);
  }
  return { tasks: byKey.size, runs, rerun, overLimit };
}

export async function checkDatabase(h: CrashServer, dialect: string): Promise<void> {
  const { config } = loadConfig({ dataDir: h.dataDir, overrides: h.config() });
  const db = Database.open(config, h.dataDir);
  try {
    const k = db.kysely;
    if (dialect === "sqlite") {
      const r = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(k);
      assert.deepEqual(
        r.rows.map((x) => x.integrity_check),
        ["ok"],
      );
    }
    const orphanNodes = await k
      .selectFrom("node_executions as n")
      .leftJoin("executions as e", (j) =>
        j
          .onRef("e.execution_project", "=", "n.execution_project")
          .onRef("e.execution_domain", "=", "n.execution_domain")
          .onRef("e.execution_name", "=", "n.execution_name"),
      )
      .where("e.id", "is", null)
      .select("n.node_id")
      .execute();
    assert.deepEqual(orphanNodes, [], "node executions without their execution");
    const orphanTasks = await k
      .selectFrom("task_executions as t")
      .leftJoin("node_executions as n", (j) =>
        j
          .onRef("n.execution_project", "=", "t.execution_project")
          .onRef("n.execution_domain", "=", "t.execution_domain")
          .onRef("n.execution_name", "=", "t.execution_name")
          .onRef("n.node_id", "=", "t.node_id"),
      )
      .where("n.id", "is", null)
      .select("t.node_id")
      .execute();
    assert.deepEqual(orphanTasks, [], "task executions without their node execution");
    const open = await k
      .selectFrom("node_executions")
      .select(["execution_name", "node_id", "phase"])
      .where("phase", "not in", ["SUCCEEDED", "FAILED", "ABORTED", "SKIPPED", "TIMED_OUT", "RECOVERED"])
      .execute();
    assert.deepEqual(open, [], "node executions left open");
    const openTasks = await k
      .selectFrom("task_executions")
      .select(["execution_name", "node_id", "retry_attempt", "phase"])
      .where("phase", "not in", ["SUCCEEDED", "FAILED", "ABORTED"])
      .execute();
    assert.deepEqual(openTasks, [], "task attempts left open");
    const duplicates = await k
      .selectFrom("node_executions")
      .select(["execution_name", "node_id", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy(["execution_name", "node_id"])
      .having((eb) => eb.fn.countAll(), ">", 1)
      .execute();
    assert.deepEqual(duplicates, [], "node executions recorded twice");
  } finally {
    await db.close();
  }
}
