/**
 * The command line as users run it: `serve --config FILE --data-dir DIR`
 * (the form `npm start -- ...` passes through), `migrate`, `migrate
 * seed-projects`, configuration errors, graceful shutdown on SIGTERM.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { AdminService } from "../src/proto/gen/flyteidl/service/admin_pb.js";
import { grpcClient } from "./support/grpc-client.js";
import { freePort } from "./support/postgres.js";

const ROOT = resolve(import.meta.dirname, "..");
const MAIN = join(ROOT, "src/main.ts");
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "flyteadmin-cli-"));
  dirs.push(d);
  return d;
}

function cli(args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
}

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error("server did not become healthy");
}

test("serve --config FILE --data-dir DIR: listens where configured, keeps its SQLite file in the data dir, stops on SIGTERM", async () => {
  const dir = tempDir();
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const config = join(dir, "flyteadmin.yaml");
  writeFileSync(
    config,
    `server:\n  httpPort: ${httpPort}\n  grpc:\n    port: ${grpcPort}\nexecutor:\n  type: external\n`,
  );
  const dataDir = join(dir, "data");
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "serve", "--config", config, "--data-dir", dataDir], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  try {
    await waitHealthy(`http://127.0.0.1:${httpPort}/healthcheck`, child);
    const admin = grpcClient(AdminService, `127.0.0.1:${grpcPort}`);
    await admin.registerProject({ project: { id: "cli", name: "cli" } });
    admin.close();
    assert.ok(existsSync(join(dataDir, "flyteadmin.db")));
    assert.match(output, /"msg":"flyteadmin-ts listening"/, "logs are structured JSON");
  } finally {
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    assert.equal(await exited, 0, "a SIGTERM is a clean exit");
  }
  // The data survives a restart.
  const again = cli(["migrate", "seed-projects", "cli", "other", "--data-dir", dataDir, "--config", config]);
  assert.equal(again.status, 0, String(again.stderr));
});

test("a bad configuration stops the server with the key path in the message", () => {
  const dir = tempDir();
  const config = join(dir, "bad.yaml");
  writeFileSync(config, "server:\n  httpPort: not-a-port\n");
  const r = cli(["serve", "--config", config, "--data-dir", join(dir, "d")]);
  assert.equal(r.status, 1);
  assert.match(String(r.stderr), /server\.httpPort/);
});

test("migrate applies the schema and is idempotent", () => {
  const dir = tempDir();
  const first = cli(["migrate", "--data-dir", dir]);
  assert.equal(first.status, 0, String(first.stderr));
  assert.match(String(first.stdout), /migrations applied/);
  const second = cli(["migrate", "--data-dir", dir]);
  assert.equal(second.status, 0);
  assert.match(String(second.stdout), /database is up to date/);
});
