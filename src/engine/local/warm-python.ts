/**
 * Warm Python start (`executor.local.warmPython`): a flytekit task spends
 * most of a plain start importing flytekit in a new interpreter (~1 s). For
 * the flytekit entrypoints (`pyflyte-execute`, `pyflyte-fast-execute`,
 * `pyflyte-map-execute`) the engine keeps a worker per task environment (the
 * interpreter the entrypoint's shebang names, the task's image, and the
 * environment less what differs per attempt) that has imported flytekit
 * once, and asks it to fork each attempt (warm-python-worker.ts). An attempt
 * is still its own process, in its own session, with exactly its
 * environment, working directory, arguments, stdout/stderr files, exit
 * status, and pid and exit files for adoption; it is stopped, timed out and
 * adopted like a plain start. Anything else (another program, docker, a
 * worker that cannot start or dies) starts plainly. A worker that dies is
 * replaced by the next attempt that needs one.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { open, stat } from "node:fs/promises";
import { constants } from "node:os";
import { basename, delimiter, isAbsolute, join } from "node:path";
import { createInterface } from "node:readline";
import type { Logger } from "pino";
import {
  attemptProcessState,
  claimAttempt,
  decodeStatus,
  releaseClaim,
  signalAttempt,
  waitForAdopted,
} from "./attempt-files.js";
import { suspended } from "./engine-suspended.js";
import type { ProcessExit, ProcessSpec } from "./process-runner.js";
import { WARM_PYTHON_WORKER } from "./warm-python-worker.js";

const ENTRYPOINTS = new Set(["pyflyte-execute", "pyflyte-fast-execute", "pyflyte-map-execute"]);
/** Variables that differ from attempt to attempt: the worker is shared across them. */
const PER_ATTEMPT =
  /^(HOME|FLYTE_ATTEMPT_NUMBER|FLYTE_INTERNAL_.*|FLYTE_K8S_ARRAY_INDEX|BATCH_JOB_ARRAY_INDEX_VAR_NAME)$/;
const MAX_WORKERS = 4;
const READY_TIMEOUT_MS = 60_000;

interface Entrypoint {
  readonly script: string;
  readonly python: string;
}

/** The script `argv[0]` names on the task's PATH and the interpreter its shebang names, when it is an entrypoint. */
async function entrypoint(
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<Entrypoint | undefined> {
  const program = argv[0];
  if (!program || !ENTRYPOINTS.has(basename(program))) return undefined;
  const dirs = program.includes("/") ? [""] : (env.PATH ?? "").split(delimiter).filter(isAbsolute);
  for (const dir of dirs) {
    const script = dir ? join(dir, program) : program;
    const info = await stat(script).catch(() => undefined);
    if (!info?.isFile()) continue;
    const file = await open(script, "r");
    try {
      const head = Buffer.alloc(512);
      const { bytesRead } = await file.read(head, 0, 512, 0);
      const first = head.subarray(0, bytesRead).toString("utf8").split("\n")[0] ?? "";
      // `#!/path/to/python` only: a shebang with arguments or through env is started plainly.
      const m = /^#!(\/\S+)\s*$/.exec(first);
      return m?.[1] && /python[\d.]*$/.test(m[1]) ? { script, python: m[1] } : undefined;
    } finally {
      await file.close();
    }
  }
  return undefined;
}

interface Pending {
  readonly onPid: (pid: number) => void;
  readonly onExit: (code: number | undefined) => void;
}

/** One warm worker. */
class PythonWorker {
  readonly key: string;
  readonly ready: Promise<boolean>;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  #alive = true;
  lastUsed = Date.now();

  constructor(key: string, python: string, env: Record<string, string>, cwd: string, logger: Logger) {
    this.key = key;
    // Its own session: it outlives the server (and a Ctrl-C to its terminal) until its attempts have ended.
    this.#child = spawn(python, ["-c", WARM_PYTHON_WORKER], {
      cwd,
      env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let stderr = "";
    this.#child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    this.ready = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
      const lines = createInterface({ input: this.#child.stdout! });
      lines.on("line", (line) => {
        const msg = JSON.parse(line) as { ready?: boolean; id?: number; pid?: number; code?: number };
        if (msg.ready) {
          clearTimeout(timer);
          resolve(true);
          return;
        }
        const p = msg.id === undefined ? undefined : this.#pending.get(msg.id);
        if (!p) return;
        if (msg.pid !== undefined) p.onPid(msg.pid);
        if (msg.code !== undefined) {
          this.#pending.delete(msg.id!);
          if (this.#pending.size === 0) this.#hold(false);
          p.onExit(msg.code);
        }
      });
      this.#child.once("exit", (code, signal) => {
        this.#alive = false;
        clearTimeout(timer);
        resolve(false);
        if (code !== 0) logger.warn({ code, signal, stderr }, "local engine: a warm Python worker exited");
        for (const [id, p] of this.#pending) {
          this.#pending.delete(id);
          p.onExit(undefined);
        }
      });
    });
    this.#child.stdin?.on("error", () => undefined);
    this.#hold(true);
    void this.ready.then(() => this.#hold(this.busy));
  }

  /** The worker keeps the server's event loop alive only while it starts or runs an attempt. */
  #hold(hold: boolean): void {
    const streams = [this.#child.stdout, this.#child.stderr] as unknown as Array<{ ref(): void; unref(): void } | null>;
    for (const s of streams) {
      if (hold) s?.ref();
      else s?.unref();
    }
    if (hold) this.#child.ref();
    else this.#child.unref();
  }

  get alive(): boolean {
    return this.#alive;
  }

  get busy(): boolean {
    return this.#pending.size > 0;
  }

  /** Asks for an attempt; `onPid` hears its pid, `onExit` its exit code (negative: a signal; undefined: worker lost). */
  start(id: number, request: Record<string, unknown>, pending: Pending): void {
    this.lastUsed = Date.now();
    this.#pending.set(id, pending);
    this.#hold(true);
    this.#child.stdin?.write(`${JSON.stringify({ id, ...request })}\n`);
  }

  /** Lets the worker go: it exits once the attempts it started have ended (their exit status recorded). */
  close(): void {
    this.#alive = false;
    this.#child.stdin?.end();
    this.#hold(false);
  }
}

/**
 * The warm workers of one engine.
 *
 * @example
 * const warm = new WarmPython(logger, workDir);
 * const exit = (await warm.run(spec, image)) ?? (await launcher.run(spec));
 */
export class WarmPython {
  readonly #logger: Logger;
  readonly #workDir: string;
  readonly #workers = new Map<string, PythonWorker>();
  #nextId = 1;
  #closed = false;

  constructor(logger: Logger, workDir: string) {
    this.#logger = logger;
    this.#workDir = workDir;
  }

  /** Runs `spec` from a warm worker; undefined when it cannot (the caller starts it plainly). */
  async run(spec: ProcessSpec, image: string): Promise<ProcessExit | undefined> {
    if (this.#closed || spec.signal?.aborted) return undefined;
    const entry = await entrypoint(spec.argv, spec.env).catch(() => undefined);
    if (!entry) return undefined;
    const shared = Object.fromEntries(Object.entries(spec.env).filter(([k]) => !PER_ATTEMPT.test(k)));
    // HOME is the attempt's directory unless configured: the worker gets the configured one, or the work directory.
    const home = spec.env.HOME && !spec.env.HOME.startsWith(this.#workDir) ? spec.env.HOME : this.#workDir;
    const key = JSON.stringify([entry.python, image, shared, home]);
    const worker = this.#worker(key, entry.python, { ...shared, HOME: home });
    if (!(await worker.ready) || !worker.alive || spec.signal?.aborted) return undefined;
    // One process per attempt (attempt-files.ts): claimed by another launcher, the plain path follows that one.
    if (spec.record && !claimAttempt(spec.cwd)) return undefined;
    return this.#start(worker, spec, entry);
  }

  #worker(key: string, python: string, env: Record<string, string>): PythonWorker {
    const existing = this.#workers.get(key);
    if (existing?.alive) return existing;
    if (this.#workers.size >= MAX_WORKERS) {
      const idle = [...this.#workers.values()].filter((w) => !w.busy).sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (idle) {
        idle.close();
        this.#workers.delete(idle.key);
      }
    }
    const worker = new PythonWorker(key, python, env, this.#workDir, this.#logger);
    this.#workers.set(key, worker);
    return worker;
  }

  #start(worker: PythonWorker, spec: ProcessSpec, entry: Entrypoint): Promise<ProcessExit | undefined> {
    const id = this.#nextId++;
    const signal = spec.signal;
    const grace = spec.killGraceMs ?? 5000;
    return new Promise((resolve) => {
      let pid: number | undefined;
      let aborted = false;
      let killTimer: NodeJS.Timeout | undefined;
      let settled = false;
      const settle = (exit: ProcessExit | undefined) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", stop);
        if (killTimer) clearTimeout(killTimer);
        resolve(exit);
      };
      const stop = () => {
        // The server is stopping: the attempt goes on, the next server adopts it.
        if (suspended(signal)) return settle({ code: undefined, signal: undefined, aborted: true });
        aborted = true;
        if (pid === undefined) return;
        signalAttempt(pid, "SIGTERM");
        killTimer = setTimeout(() => pid !== undefined && signalAttempt(pid, "SIGKILL"), grace);
        killTimer.unref();
      };
      signal?.addEventListener("abort", stop, { once: true });
      worker.start(
        id,
        {
          script: entry.script,
          argv: spec.argv,
          cwd: spec.cwd,
          env: spec.env,
          stdout: spec.stdoutFile,
          stderr: spec.stderrFile,
        },
        {
          onPid: (p) => {
            pid = p;
            if (aborted) stop();
          },
          onExit: (code) => {
            if (code === undefined) {
              // The worker died: the attempt may have started (follow it by its files) or not (start it plainly).
              void this.#afterWorkerLoss(spec).then(settle);
              return;
            }
            if (pid !== undefined) signalAttempt(pid, "SIGKILL");
            // The attempt's process exits with the task's status as a shell reports it (128 + n: signal n).
            const status = code < 0 ? { code: undefined, signal: signalName(-code) } : decodeStatus(code);
            settle({ ...status, aborted });
          },
        },
      );
    });
  }

  async #afterWorkerLoss(spec: ProcessSpec): Promise<ProcessExit | undefined> {
    const state = await attemptProcessState(spec.cwd);
    if (state.kind === "notStarted" || state.kind === "none") {
      // It never began: the plain start may have the attempt.
      if (spec.record) releaseClaim(spec.cwd);
      return undefined;
    }
    if (state.kind === "exited") return { code: state.code, signal: state.signal, aborted: false };
    if (state.kind === "lost") {
      return {
        code: undefined,
        signal: undefined,
        spawnError: "the warm worker died and the attempt's process is gone without an exit status",
        aborted: false,
        launcherLost: true,
      };
    }
    // Running: its pid file says which process, whether or not the worker told us before it died.
    const controller = new AbortController();
    const abort = () => controller.abort(spec.signal?.reason);
    spec.signal?.addEventListener("abort", abort, { once: true });
    try {
      return await waitForAdopted(spec.cwd, state.pid, controller.signal, spec.killGraceMs ?? 5000);
    } finally {
      spec.signal?.removeEventListener("abort", abort);
    }
  }

  /** Lets the workers go (attempts they started go on, and are recorded when they end). */
  close(): void {
    this.#closed = true;
    for (const w of this.#workers.values()) w.close();
    this.#workers.clear();
  }
}

function signalName(n: number): string {
  return Object.entries(constants.signals).find(([, v]) => v === n)?.[0] ?? `signal ${n}`;
}
