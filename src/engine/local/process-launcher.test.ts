import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import pino from "pino";
import { ProcessLauncher } from "./process-launcher.js";

const logger = pino({ level: "silent" });
const ENV = { PATH: "/usr/local/bin:/usr/bin:/bin" };

async function withLauncher(fn: (launcher: ProcessLauncher, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "launcher-"));
  const launcher = new ProcessLauncher(logger);
  try {
    await fn(launcher, dir);
  } finally {
    await launcher.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const files = (dir: string, name: string) => ({
  cwd: dir,
  env: ENV,
  stdoutFile: join(dir, `${name}.out`),
  stderrFile: join(dir, `${name}.err`),
});

/** Whether a process id is alive (signal 0 probes). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("the launcher runs processes with exactly the given environment, output in the log files, exit codes back", async () => {
  await withLauncher(async (launcher, dir) => {
    const ok = await launcher.run({ argv: ["sh", "-c", 'echo "out $HOME"; echo err >&2'], ...files(dir, "a") });
    assert.deepEqual(ok, { code: 0, aborted: false });
    assert.equal(await readFile(join(dir, "a.out"), "utf8"), "out \n");
    assert.equal(await readFile(join(dir, "a.err"), "utf8"), "err\n");
    const failed = await launcher.run({ argv: ["sh", "-c", "exit 3"], ...files(dir, "b") });
    assert.equal(failed.code, 3);
    const missing = await launcher.run({ argv: ["no-such-program-here"], ...files(dir, "c") });
    assert.match(missing.spawnError ?? "", /ENOENT/);
    const many = await Promise.all(
      Array.from({ length: 20 }, (_, i) => launcher.run({ argv: ["sh", "-c", `exit ${i}`], ...files(dir, `m${i}`) })),
    );
    assert.deepEqual(
      many.map((e) => e.code),
      Array.from({ length: 20 }, (_, i) => i),
    );
  });
});

test("aborting stops the process group; closing the launcher stops what still runs", async () => {
  await withLauncher(async (launcher, dir) => {
    const controller = new AbortController();
    const pidFile = join(dir, "pid");
    const run = launcher.run({
      argv: ["sh", "-c", `sleep 30 & echo $! > ${pidFile}; wait`],
      signal: controller.signal,
      ...files(dir, "a"),
    });
    await until(async () => (await readFile(pidFile, "utf8").catch(() => "")).trim() !== "");
    const grandchild = Number((await readFile(pidFile, "utf8")).trim());
    controller.abort();
    const exit = await run;
    assert.equal(exit.aborted, true);
    await until(() => !alive(grandchild));

    const pidFile2 = join(dir, "pid2");
    const orphan = launcher.run({ argv: ["sh", "-c", `echo $$ > ${pidFile2}; exec sleep 30`], ...files(dir, "b") });
    await until(async () => (await readFile(pidFile2, "utf8").catch(() => "")).trim() !== "");
    const pid = Number((await readFile(pidFile2, "utf8")).trim());
    await launcher.close();
    await until(() => !alive(pid));
    // The attempt ends as a system failure (worth a retry), never hangs.
    const lost = await orphan;
    assert.equal(lost.launcherLost, true);
  });
});

test("an aborted signal never starts the process", async () => {
  await withLauncher(async (launcher, dir) => {
    const controller = new AbortController();
    controller.abort();
    const exit = await launcher.run({
      argv: ["sh", "-c", `touch ${join(dir, "ran")}`],
      signal: controller.signal,
      ...files(dir, "a"),
    });
    assert.equal(exit.aborted, true);
    await assert.rejects(readFile(join(dir, "ran")));
  });
});
