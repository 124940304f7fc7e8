import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import pino from "pino";
import { attemptProcessState, CLAIM_FILE } from "./attempt-files.js";
import { EngineSuspended } from "./engine-suspended.js";
import { WarmPython } from "./warm-python.js";

/** A Python 3 to stand in for a virtualenv's interpreter, or undefined. */
function python(): string | undefined {
  try {
    return execFileSync("sh", ["-c", "command -v python3"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A stand-in flytekit: `flytekit/bin/entrypoint.py` records that it was imported (once per interpreter), and a
 * `pyflyte-execute` console script that prints what the task sees and exits as its first argument says.
 */
interface FakeFlytekit {
  readonly dir: string;
  readonly bin: string;
  readonly lib: string;
  readonly imports: string;
}

async function fakeFlytekit(py: string): Promise<FakeFlytekit> {
  const dir = await mkdtemp(join(tmpdir(), "warm-python-"));
  const lib = join(dir, "lib");
  const bin = join(dir, "bin");
  const imports = join(dir, "imports.log");
  await mkdir(join(lib, "flytekit", "bin"), { recursive: true });
  await mkdir(bin);
  await writeFile(join(lib, "flytekit", "__init__.py"), "");
  await writeFile(join(lib, "flytekit", "bin", "__init__.py"), "");
  await writeFile(
    join(lib, "flytekit", "bin", "entrypoint.py"),
    `import os\nwith open(${JSON.stringify(imports)}, "a") as f:\n    f.write("import\\n")\n\n` +
      "def execute_task_cmd():\n" +
      "    import sys, json, time\n" +
      "    arg = sys.argv[1]\n" +
      "    if arg == 'sleep':\n" +
      "        time.sleep(30)\n" +
      "    print(json.dumps({'argv': sys.argv, 'cwd': os.getcwd(), 'env': dict(os.environ), 'pid': os.getpid(), 'ppid': os.getppid()}))\n" +
      "    print('to stderr', file=sys.stderr)\n" +
      "    if arg == 'raise':\n" +
      "        raise ValueError('boom')\n" +
      "    return int(arg)\n\n" +
      "def _run_subprocess(cmd, env=None):\n" +
      "    import subprocess\n" +
      "    return subprocess.call(cmd, env=env)\n\n" +
      "def fast_execute_task_cmd():\n" +
      "    import sys\n" +
      "    env = dict(os.environ, PYTHONPATH=os.environ['PYTHONPATH'] + os.pathsep + '/downloaded/code')\n" +
      "    return _run_subprocess(['pyflyte-execute'] + sys.argv[1:], env)\n",
  );
  const fast = join(bin, "pyflyte-fast-execute");
  await writeFile(
    fast,
    `#!${py}\nimport sys\nfrom flytekit.bin.entrypoint import fast_execute_task_cmd\nif __name__ == '__main__':\n    sys.exit(fast_execute_task_cmd())\n`,
  );
  await chmod(fast, 0o755);
  const script = join(bin, "pyflyte-execute");
  await writeFile(
    script,
    `#!${py}\nimport sys\nfrom flytekit.bin.entrypoint import execute_task_cmd\nif __name__ == '__main__':\n    sys.exit(execute_task_cmd())\n`,
  );
  await chmod(script, 0o755);
  return { dir, bin, lib, imports };
}

const py = python();

/** A test with a stand-in flytekit and a WarmPython over it, both cleaned up after; skipped without python3. */
function warmTest(name: string, fn: (f: FakeFlytekit, warm: WarmPython) => Promise<void>): void {
  test(name, { skip: py ? false : "no python3 here" }, async () => {
    const f = await fakeFlytekit(py as string);
    const warm = new WarmPython(pino({ level: "silent" }), f.dir);
    try {
      await fn(f, warm);
    } finally {
      warm.close();
      await rm(f.dir, { recursive: true, force: true });
    }
  });
}

warmTest(
  "flytekit entrypoints fork from one warm worker: own process, exact environment, cwd, argv, logs, exit status",
  async (f, warm) => {
    const base = { PATH: `${f.bin}:/usr/bin:/bin`, PYTHONPATH: f.lib, LANG: "C.UTF-8" };
    const results = [];
    for (const [i, arg] of ["0", "3", "raise"].entries()) {
      const cwd = join(f.dir, `a${i}`);
      await mkdir(cwd);
      const env = { ...base, HOME: cwd, FLYTE_ATTEMPT_NUMBER: String(i) };
      const spec = {
        argv: ["pyflyte-execute", arg, "--flag"],
        cwd,
        env,
        stdoutFile: join(cwd, "stdout.log"),
        stderrFile: join(cwd, "stderr.log"),
        record: true,
      };
      const exit = await warm.run(spec, "image:1");
      assert.ok(exit, "started from the warm worker");
      results.push({
        exit,
        cwd,
        env,
        out: await readFile(spec.stdoutFile, "utf8"),
        err: await readFile(spec.stderrFile, "utf8"),
      });
    }
    // flytekit was imported once, by the worker, for three attempts.
    assert.equal((await readFile(f.imports, "utf8")).trim().split("\n").length, 1);
    const [ok, three, raised] = results;
    assert.deepEqual([ok!.exit.code, three!.exit.code, raised!.exit.code], [0, 3, 1]);
    const seen = JSON.parse(ok!.out) as { argv: string[]; cwd: string; env: Record<string, string>; pid: number };
    assert.deepEqual(seen.argv, [join(f.bin, "pyflyte-execute"), "0", "--flag"]);
    assert.equal(seen.cwd, ok!.cwd);
    assert.deepEqual(seen.env, ok!.env, "exactly the attempt's environment");
    assert.equal(ok!.err, "to stderr\n");
    assert.match(raised!.err, /ValueError: boom/);
    // The pid and exit files a restarted server adopts the attempt by.
    const state = await attemptProcessState(ok!.cwd);
    assert.equal(state.kind, "exited");
    const other = JSON.parse(three!.out) as { pid: number };
    assert.notEqual(seen.pid, other.pid, "a fresh process per attempt");
  },
);

warmTest(
  "a warm attempt is claimed before it starts; one another launcher claimed is left to the plain path to follow",
  async (f, warm) => {
    const attempt = async (name: string) => {
      const cwd = join(f.dir, name);
      await mkdir(cwd);
      return {
        argv: ["pyflyte-execute", "0"],
        cwd,
        env: { PATH: `${f.bin}:/usr/bin:/bin`, PYTHONPATH: f.lib, HOME: cwd },
        stdoutFile: join(cwd, "stdout.log"),
        stderrFile: join(cwd, "stderr.log"),
        record: true,
      };
    };
    const own = await attempt("own");
    assert.equal((await warm.run(own, "image:1"))?.code, 0);
    await readFile(join(own.cwd, CLAIM_FILE));
    // A killed server's launcher took this one first: starting it here too would run the task twice.
    const taken = await attempt("taken");
    await writeFile(join(taken.cwd, CLAIM_FILE), "");
    assert.equal(await warm.run(taken, "image:1"), undefined);
    await assert.rejects(readFile(taken.stdoutFile), /ENOENT/, "not started");
  },
);

warmTest(
  "a warm attempt is stopped as a group, left running when the server stops, and other programs start plainly",
  async (f, warm) => {
    const env = { PATH: `${f.bin}:/usr/bin:/bin`, PYTHONPATH: f.lib, HOME: f.dir };
    const files = (cwd: string) => ({ cwd, stdoutFile: join(cwd, "o"), stderrFile: join(cwd, "e"), record: true });
    assert.equal(await warm.run({ argv: ["sh", "-c", "true"], env, ...files(f.dir) }, "i"), undefined);

    const a = join(f.dir, "abort");
    await mkdir(a);
    const controller = new AbortController();
    const run = warm.run(
      { argv: ["pyflyte-execute", "sleep"], env, ...files(a), signal: controller.signal, killGraceMs: 500 },
      "i",
    );
    for (let i = 0; i < 200 && (await attemptProcessState(a)).kind !== "running"; i++)
      await new Promise((r) => setTimeout(r, 20));
    controller.abort("terminated");
    const aborted = await run;
    assert.equal(aborted?.aborted, true);
    assert.equal(aborted?.signal, "SIGTERM");

    const s = join(f.dir, "suspend");
    await mkdir(s);
    const stopping = new AbortController();
    const left = warm.run({ argv: ["pyflyte-execute", "sleep"], env, ...files(s), signal: stopping.signal }, "i");
    for (let i = 0; i < 200 && (await attemptProcessState(s)).kind !== "running"; i++)
      await new Promise((r) => setTimeout(r, 20));
    stopping.abort(new EngineSuspended());
    assert.equal((await left)?.aborted, true);
    warm.close();
    const state = await attemptProcessState(s);
    assert.equal(state.kind, "running", "the attempt outlives the worker");
    if (state.kind === "running") process.kill(-state.pid, "SIGKILL");
    // The worker, still there for it, records how it ended.
    for (let i = 0; i < 200 && (await attemptProcessState(s)).kind !== "exited"; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(await attemptProcessState(s), { kind: "exited", code: undefined, signal: "SIGKILL" });
  },
);

warmTest(
  "pyflyte-fast-execute runs its pyflyte-execute from the warm heap too, with the downloaded code on PYTHONPATH",
  async (f, warm) => {
    const cwd = join(f.dir, "fast");
    await mkdir(cwd);
    const env = { PATH: `${f.bin}:/usr/bin:/bin`, PYTHONPATH: f.lib, HOME: cwd };
    const spec = {
      argv: ["pyflyte-fast-execute", "5"],
      cwd,
      env,
      stdoutFile: join(cwd, "o"),
      stderrFile: join(cwd, "e"),
      record: true,
    };
    const exit = await warm.run(spec, "i");
    assert.equal(exit?.code, 5);
    const seen = JSON.parse(await readFile(spec.stdoutFile, "utf8")) as { argv: string[]; env: Record<string, string> };
    assert.deepEqual(seen.argv, [join(f.bin, "pyflyte-execute"), "5"]);
    assert.equal(seen.env.PYTHONPATH, `${f.lib}:/downloaded/code`);
    // No second interpreter imported flytekit for the inner command.
    assert.equal((await readFile(f.imports, "utf8")).trim().split("\n").length, 1);
  },
);

warmTest(
  "a worker that dies is replaced by the next attempt; one that cannot start leaves the attempt to a plain start",
  async (f, warm) => {
    const env = { PATH: `${f.bin}:/usr/bin:/bin`, PYTHONPATH: f.lib, HOME: f.dir };
    const attempt = async (name: string, e: Record<string, string> = env) => {
      const cwd = join(f.dir, name);
      await mkdir(cwd);
      const spec = {
        argv: ["pyflyte-execute", "0"],
        cwd,
        env: e,
        stdoutFile: join(cwd, "o"),
        stderrFile: join(cwd, "e"),
      };
      const exit = await warm.run({ ...spec, record: true }, "i");
      const out = exit ? (JSON.parse(await readFile(spec.stdoutFile, "utf8")) as { ppid: number }) : undefined;
      return { exit, worker: out?.ppid };
    };
    const first = await attempt("a");
    assert.equal(first.exit?.code, 0);
    process.kill(first.worker!, "SIGKILL");
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(first.worker!, 0);
        await new Promise((r) => setTimeout(r, 20));
      } catch {
        break;
      }
    }
    const second = await attempt("b");
    assert.equal(second.exit?.code, 0);
    assert.notEqual(second.worker, first.worker, "a new worker");
    assert.equal((await readFile(f.imports, "utf8")).trim().split("\n").length, 2);
    // Without flytekit importable the worker cannot start: the caller starts the attempt plainly.
    const { PYTHONPATH: _, ...bare } = env;
    assert.equal((await attempt("c", bare)).exit, undefined);
  },
);
