/**
 * Start-up benchmark (issue 12 item 5): the time from spawning the server to
 * its first successful `/healthcheck`, for `npm start` and for
 * `node dist/main.js serve`, on a fresh data directory (first start: the
 * database is created and migrated, keys generated) and on the same one again
 * (a restart). Prints the median and every run.
 *
 * Run: `npx tsx bench/startup.ts [--runs 5] [--only npm,node]`
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "../test/support/postgres.js";
import { argValue, ensureBuilt, numberArg, printTable, ROOT, round, writeResult } from "./support/harness.js";
import { treeCpuSeconds } from "./support/process-tree.js";

const runs = numberArg("runs", 5);
const only = argValue("only")?.split(",") ?? ["npm", "node"];

const commands: Record<string, (config: string, dataDir: string) => [string, string[]]> = {
  npm: (config, dataDir) => ["npm", ["start", "--silent", "--", "--config", config, "--data-dir", dataDir]],
  node: (config, dataDir) => [
    process.execPath,
    [join(ROOT, "dist/main.js"), "serve", "--config", config, "--data-dir", dataDir],
  ],
};

/** Spawns the command, polls /healthcheck every 10 ms; the milliseconds until it answered 200 and the CPU used. */
async function timeToHealthy(command: [string, string[]], httpPort: number): Promise<{ ms: number; cpuMs: number }> {
  const started = process.hrtime.bigint();
  // Its own process group, so that npm's shell and node child stop together.
  const child: ChildProcess = spawn(command[0], command[1], { cwd: ROOT, stdio: "ignore", detached: true });
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  try {
    for (;;) {
      if (exited) throw new Error(`${command[0]} exited before it was healthy`);
      try {
        const res = await fetch(`http://127.0.0.1:${httpPort}/healthcheck`);
        if (res.ok) {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          return { ms, cpuMs: child.pid ? treeCpuSeconds(child.pid) * 1000 : 0 };
        }
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    const gone = new Promise((r) => (exited ? r(undefined) : child.once("exit", r)));
    if (!exited && child.pid) process.kill(-child.pid, "SIGTERM");
    await gone;
    // npm exits before the server it started has stopped: wait for the whole process group.
    for (let i = 0; i < 500 && child.pid && groupAlive(child.pid); i++) await new Promise((r) => setTimeout(r, 20));
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

ensureBuilt();
const rows: Record<string, string | number>[] = [];
for (const name of only) {
  const first: number[] = [];
  const again: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), "flyteadmin-startup-"));
    const [httpPort, grpcPort] = [await freePort(), await freePort()];
    const config = join(dir, "config.yaml");
    writeFileSync(
      config,
      stringify({
        server: { httpPort, grpc: { port: grpcPort } },
        executor: { type: "local" },
        logger: { level: "warn" },
      }),
    );
    const command = (commands[name] as (typeof commands)["npm"])(config, join(dir, "data"));
    const fresh = await timeToHealthy(command, httpPort);
    const restart = await timeToHealthy(command, httpPort);
    first.push(fresh.ms);
    again.push(restart.ms);
    cpu.push(fresh.cpuMs, restart.cpuMs);
    rmSync(dir, { recursive: true, force: true });
  }
  rows.push({
    command: name === "npm" ? "npm start" : "node dist/main.js serve",
    "fresh median ms": round(median(first), 0),
    "restart median ms": round(median(again), 0),
    "CPU median ms": round(median(cpu), 0),
    "fresh runs": first.map((x) => Math.round(x)).join(" "),
    "restart runs": again.map((x) => Math.round(x)).join(" "),
  });
}
printTable(`start-up: spawn to first healthy /healthcheck, ${runs} runs each`, rows);
console.log(`\nwritten to ${writeResult("startup", { runs, rows })}`);
