/**
 * With `executor.type: local` anyone who can create an execution runs
 * commands on the server's machine: the server refuses to listen beyond
 * loopback without authentication, and says which setting to change.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { loadConfig } from "../src/config/load.js";
import { startServer } from "../src/server.js";

const ROOT = resolve(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "flyteadmin-exposure-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("startServer refuses executor.type local on 0.0.0.0 without useAuth", async () => {
  const loaded = loadConfig({
    dataDir: dir,
    overrides: { server: { host: "0.0.0.0", httpPort: 0, grpc: { port: 0 } }, executor: { type: "local" } },
  });
  await assert.rejects(
    startServer(loaded),
    /refusing to start: server\.host is "0\.0\.0\.0" with executor\.type local and server\.security\.useAuth false/,
  );
});

test("serve exits non-zero naming server.security.useAuth", () => {
  const config = join(dir, "exposed.yaml");
  writeFileSync(config, "server:\n  host: 0.0.0.0\n  httpPort: 0\n  grpc:\n    port: 0\n");
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", join(ROOT, "src/main.ts"), "serve", "--config", config, "--data-dir", join(dir, "d")],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  assert.notEqual(run.status, 0);
  assert.match(`${run.stdout}${run.stderr}`, /server\.security\.useAuth: true/);
});
