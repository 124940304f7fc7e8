/**
 * The command line as FlyteAdmin's Helm charts run it, on the config files
 * the charts generate (test/fixtures/charts): `--config '<dir>/*.yaml'`
 * (a glob, files merged in name order), the init containers' `migrate run`,
 * `migrate seed-projects`, `secrets init --localPath` + `secrets create`,
 * `clusterresource sync`, and `serve`. Keys we do not act on are listed once,
 * at warn level. On both databases.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { AdminService } from "../src/proto/gen/flyteidl/service/admin_pb.js";
import { grpcClient } from "./support/grpc-client.js";
import { RecordingKubeApi } from "./support/kube-api.js";
import { RecordingResourceApi } from "./support/kube-resources-api.js";
import { createTestPgDatabase, freePort } from "./support/postgres.js";
import { testDialects } from "./support/server.js";

const ROOT = resolve(import.meta.dirname, "..");
const MAIN = join(ROOT, "src/main.ts");
const CHARTS = join(ROOT, "test/fixtures/charts");

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking this process (the recording API servers answer from it). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env, KUBERNETES_SERVICE_HOST: "" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((r) =>
    child.on("exit", (status) => {
      clearTimeout(timer);
      r({ status, stdout, stderr });
    }),
  );
}

async function ok(run: Promise<Run>): Promise<string> {
  const r = await run;
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function serve(args: string[], httpPort: number): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, KUBERNETES_SERVICE_HOST: "" },
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output}`);
    try {
      if ((await fetch(`http://127.0.0.1:${httpPort}/healthcheck`)).ok) return { child, output: () => output };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill("SIGKILL");
  throw new Error(`server did not become healthy: ${output}`);
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGTERM");
  return exited;
}

/** The test's own last file: ports, the test database (in the charts' `db.yaml` form), where templates are. */
async function testFile(dialect: string, dir: string, extra: string[]): Promise<string[]> {
  const lines = ["server:", "  host: 127.0.0.1", ...extra];
  if (dialect === "postgres") {
    const { postgres } = await createTestPgDatabase("charts");
    lines.push("database:");
    for (const key of ["host", "port", "dbname", "username", "password"]) {
      lines.push(`  ${key}: ${JSON.stringify(postgres[key] ?? "")}`);
    }
  } else {
    lines.push("database:", "  sqlite:", `    file: ${join(dir, "admin.db")}`);
  }
  return lines;
}

const kube = new RecordingKubeApi();
const resources = new RecordingResourceApi();
before(async () => {
  await kube.start();
  await resources.start();
});
after(async () => {
  await kube.stop();
  await resources.stop();
});

for (const dialect of testDialects()) {
  describe(`FlyteAdmin's charts' config files [${dialect}]`, () => {
    const dir = mkdtempSync(join(tmpdir(), "flyteadmin-charts-"));
    after(() => rmSync(dir, { recursive: true, force: true }));

    test("flyte-core: init containers, cluster resource sync and serve with --config '/etc/flyte/config/*.yaml'", async () => {
      const config = join(dir, "core");
      cpSync(join(CHARTS, "flyte-core/config"), config, { recursive: true });
      const [httpPort, grpcPort, profilerPort] = [await freePort(), await freePort(), await freePort()];
      const lines = await testFile(dialect, dir, [
        `  httpPort: ${httpPort}`,
        "  grpc:",
        `    port: ${grpcPort}`,
        `  master: ${kube.url}`,
        "executor:",
        "  type: kubernetes",
        "cluster_resources:",
        `  templatePath: ${join(CHARTS, "flyte-core/templates")}`,
        "flyteadmin:",
        `  profilerPort: ${profilerPort}`,
      ]);
      writeFileSync(join(config, "zz-test.yaml"), `${lines.join("\n")}\n`);
      const glob = `--config=${config}/*.yaml`;

      // The admin pod's init containers, in the chart's order and form.
      await ok(cli(["--config", `${config}/*.yaml`, "migrate", "run"]));
      await ok(cli(["--config", `${config}/*.yaml`, "migrate", "seed-projects", "flytesnacks", "flytetester"]));
      const scratch = join(dir, "scratch/secrets");
      await ok(cli([glob, "secrets", "init", "--localPath", scratch]));
      assert.deepEqual(readdirSync(scratch).sort(), [
        "claim_symmetric_key",
        "cookie_block_key",
        "cookie_hash_key",
        "token_rsa_key.pem",
      ]);
      await ok(
        cli(
          [
            glob,
            "--master",
            resources.url,
            "secrets",
            "create",
            "--name",
            "flyte-admin-secrets",
            "--fromPath",
            scratch,
          ],
          {
            POD_NAMESPACE: "flyte",
          },
        ),
      );
      const secret = resources.get("v1", "secrets", "flyte", "flyte-admin-secrets");
      assert.deepEqual(Object.keys((secret?.data as object) ?? {}).sort(), readdirSync(scratch).sort());
      await ok(cli([glob, "--master", resources.url, "clusterresource", "sync"]));
      const namespaces = [...resources.objects.values()].filter((o) => o.kind === "Namespace");
      assert.equal(namespaces.length, 6, "two projects x three domains");
      assert.deepEqual(resources.get("v1", "resourcequotas", "flytesnacks-production", "project-quota")?.spec, {
        hard: { "limits.cpu": 5, "limits.memory": "4000Mi" },
      });

      // The syncresources deployment: `clusterresource run`, with its metrics where the chart's annotations point.
      const controller = spawn(
        process.execPath,
        ["--import", "tsx", MAIN, "--config", `${config}/*.yaml`, "--master", resources.url, "clusterresource", "run"],
        { cwd: ROOT, stdio: "ignore", env: { ...process.env, KUBERNETES_SERVICE_HOST: "" } },
      );
      try {
        let text = "";
        for (let i = 0; i < 300 && !/flyteadmin_clusterresource_syncs_total\{result="ok"\} [1-9]/.test(text); i++) {
          await new Promise((r) => setTimeout(r, 100));
          text = await fetch(`http://127.0.0.1:${profilerPort}/metrics`).then(
            (r) => r.text(),
            () => "",
          );
        }
        assert.match(text, /flyteadmin_clusterresource_resources_total\{outcome="unchanged"\} 12/);
      } finally {
        assert.equal(await stop(controller), 0, "SIGTERM stops the controller cleanly");
      }

      const { child, output } = await serve(["--config", `${config}/*.yaml`, "serve"], httpPort);
      try {
        const admin = grpcClient(AdminService, `127.0.0.1:${grpcPort}`);
        const projects = await admin.listProjects({});
        assert.deepEqual(projects.projects.map((p) => p.id).sort(), ["flytesnacks", "flytetester"]);
        const domains = projects.projects[0]?.domains.map((d) => d.id);
        assert.deepEqual(domains, ["development", "staging", "production"]);
        admin.close();
        const warnings = output()
          .split("\n")
          .filter((l) => l.includes("configuration keys not used"));
        assert.equal(warnings.length, 1, "listed once");
        const warning = JSON.parse(warnings[0] as string) as { level: number; keys: string[] };
        assert.equal(warning.level, 40, "at warn level");
        for (const key of ["otel", "flyteadmin.testing"]) assert.ok(warning.keys.includes(key), key);
        for (const key of ["cluster_resources", "storage.cache"]) {
          assert.ok(!warning.keys.includes(key), `${key}: a section we act on is not listed`);
        }
      } finally {
        assert.equal(await stop(child), 0);
      }
      await ok(cli([glob, "migrate", "rollback"]));
      assert.match(await ok(cli([glob, "migrate", "run"])), /migrations applied/);
    });

    test("flyte-binary: the config.d files start the server", async () => {
      const config = join(dir, "binary");
      mkdirSync(config);
      cpSync(join(CHARTS, "flyte-binary/config"), config, { recursive: true });
      const [httpPort, grpcPort] = [await freePort(), await freePort()];
      const lines = await testFile(dialect, join(dir, "binary"), [
        `  httpPort: ${httpPort}`,
        "  grpc:",
        `    port: ${grpcPort}`,
        `  master: ${kube.url}`,
        "executor:",
        "  type: kubernetes",
      ]);
      writeFileSync(join(config, "100-inline-config.yaml"), `${lines.join("\n")}\n`);
      const { child } = await serve([`--config=${config}/*.yaml`, "serve"], httpPort);
      try {
        const admin = grpcClient(AdminService, `127.0.0.1:${grpcPort}`);
        await admin.registerProject({ project: { id: "flytesnacks", name: "flytesnacks" } });
        assert.equal((await admin.listProjects({})).projects.length, 1);
        admin.close();
      } finally {
        assert.equal(await stop(child), 0);
      }
    });
  });
}
