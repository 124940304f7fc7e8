import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import pino from "pino";
import { attemptProcessState, waitForAdopted } from "./attempt-files.js";
import { EngineSuspended } from "./engine-suspended.js";
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

test("aborting stops the process group; closing the launcher leaves what still runs (for the next server)", async () => {
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
    // The attempt's promise settles (never hangs) while its process goes on, to be adopted.
    const left = await orphan;
    assert.equal(left.launcherLost, true);
    assert.equal(alive(pid), true);
    process.kill(-pid, "SIGKILL");
    await until(() => !alive(pid));
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

test("a recorded process leaves its pid and exit status; it outlives a suspended run and the launcher, which records its end", async () => {
  await withLauncher(async (launcher, dir) => {
    // One directory per attempt, as the engine gives each.
    const attempt = async (name: string) => {
      const d = join(dir, name);
      await mkdir(d);
      return d;
    };
    const envDir = await attempt("env");
    const env = await launcher.run({ argv: ["env"], ...files(envDir, "env"), record: true });
    assert.equal(env.code, 0);
    assert.equal((await readFile(join(envDir, "env.out"), "utf8")).trim(), "PATH=/usr/local/bin:/usr/bin:/bin");
    assert.deepEqual(await attemptProcessState(envDir), { kind: "exited", code: 0, signal: undefined });
    const failed = await launcher.run({
      argv: ["sh", "-c", "exit 4"],
      ...files(await attempt("f"), "f"),
      record: true,
    });
    assert.equal(failed.code, 4);
    const killedDir = await attempt("k");
    const killed = await launcher.run({ argv: ["sh", "-c", "kill -9 $$"], ...files(killedDir, "k"), record: true });
    assert.deepEqual([killed.code, killed.signal], [undefined, "SIGKILL"]);
    assert.deepEqual(await attemptProcessState(killedDir), { kind: "exited", code: undefined, signal: "SIGKILL" });
    const missing = await launcher.run({
      argv: ["no-such-program-here"],
      ...files(await attempt("m"), "m"),
      record: true,
    });
    assert.match(missing.spawnError ?? "", /ENOENT/);

    const work = await mkdtemp(join(tmpdir(), "attempt-"));
    const controller = new AbortController();
    const run = launcher.run({
      argv: ["sh", "-c", "sleep 0.6; exit 7"],
      ...files(work, "s"),
      record: true,
      signal: controller.signal,
    });
    await until(async () => (await attemptProcessState(work)).kind === "running");
    controller.abort(new EngineSuspended());
    assert.equal((await run).aborted, true);
    await launcher.close();
    const state = await attemptProcessState(work);
    assert.equal(state.kind, "running");
    if (state.kind !== "running") return;
    const exit = await waitForAdopted(work, state.pid, new AbortController().signal, 1000);
    assert.deepEqual([exit.code, exit.aborted], [7, false]);
    await rm(work, { recursive: true, force: true });
  });
});

test("two launchers asked for one attempt start one process; the second follows it to its exit status", async () => {
  // A killed server's helper may start a launch that was in flight while the next server launches the same attempt.
  await withLauncher(async (first, dir) => {
    const second = new ProcessLauncher(logger);
    try {
      const runs = join(dir, "runs");
      const spec = { argv: ["sh", "-c", `echo run >> ${runs}; sleep 0.3; exit 5`], ...files(dir, "t"), record: true };
      const exits = await Promise.all([first.run(spec), second.run(spec)]);
      assert.deepEqual(
        exits.map((e) => e.code),
        [5, 5],
      );
      assert.equal(await readFile(runs, "utf8"), "run\n", "the task ran once");
    } finally {
      await second.close();
    }
  });
});
