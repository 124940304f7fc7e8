/**
 * Starts task processes from a small helper process instead of the server.
 * Node forks synchronously on the calling thread, and a fork costs in
 * proportion to the forking process's memory: from the server (hundreds of
 * MB) each task start blocked every RPC for ~4 ms, a third of the engine's
 * time on wide fan-outs. The helper (`launcher-process.ts`) is tiny, forks on
 * its own core, and runs the same `runProcess` (process group, log files,
 * SIGTERM then SIGKILL) and records each task's pid and exit status in its
 * attempt directory (attempt-files.ts). The helper runs in a session of its
 * own and outlives the server: when the server goes away (stopped or
 * crashed) its tasks run on, the helper records how they end and exits after
 * the last, and the next server adopts them from their files. If the helper
 * cannot be used, processes start in-process.
 */
import { type ChildProcess, fork } from "node:child_process";
import type { Logger } from "pino";
import { suspended } from "./engine-suspended.js";
import { type ProcessExit, type ProcessSpec, runProcess } from "./process-runner.js";

/** Parent to helper. */
export type LauncherRequest =
  | { readonly type: "run"; readonly id: number; readonly spec: Omit<ProcessSpec, "signal"> }
  | { readonly type: "stop"; readonly id: number };

/** Helper to parent. */
export interface LauncherReply {
  readonly type: "exit";
  readonly id: number;
  readonly exit: ProcessExit;
}

/** The flags a forked helper keeps: module loaders (tsx in tests), never profilers or test-runner flags. */
function loaderArgs(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i] as string;
    if (/^--(import|require|loader|experimental-loader)=/.test(a)) kept.push(a);
    else if (/^--(import|require|loader|experimental-loader)$/.test(a) && i + 1 < execArgv.length) {
      kept.push(a, execArgv[++i] as string);
    }
  }
  return kept;
}

interface Pending {
  readonly resolve: (exit: ProcessExit) => void;
  readonly detach: () => void;
}

/**
 * Runs task processes through the helper.
 *
 * @example
 * const launcher = new ProcessLauncher(logger);
 * const exit = await launcher.run({ argv: ["true"], cwd: "/tmp", env: {}, stdoutFile: "/tmp/o", stderrFile: "/tmp/e" });
 * await launcher.close();
 */
export class ProcessLauncher {
  readonly #logger: Logger;
  readonly #pending = new Map<number, Pending>();
  #child: ChildProcess | undefined;
  #nextId = 1;
  #broken = false;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  async run(spec: ProcessSpec): Promise<ProcessExit> {
    if (spec.signal?.aborted) return { code: undefined, signal: undefined, aborted: true };
    const child = this.#helper();
    if (!child) return runProcess(spec);
    const id = this.#nextId++;
    const { signal, ...plain } = spec;
    return new Promise<ProcessExit>((resolve) => {
      const stop = () => {
        // The server is stopping: the task goes on, the next server adopts it.
        if (suspended(signal)) this.#settle(id, { code: undefined, signal: undefined, aborted: true });
        else this.#send({ type: "stop", id });
      };
      signal?.addEventListener("abort", stop, { once: true });
      this.#pending.set(id, { resolve, detach: () => signal?.removeEventListener("abort", stop) });
      if (this.#pending.size === 1) holdLoop(child, true);
      this.#send({ type: "run", id, spec: plain });
    });
  }

  /**
   * Lets the helper go (after the engine has put its runs down): it stays, in its own session, until the tasks it
   * runs have ended and their exit status is recorded, then exits. Attempts still waiting here end as lost.
   */
  async close(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    this.#broken = true;
    for (const id of [...this.#pending.keys()]) this.#settle(id, lostExit("the server stopped; the task runs on"));
    if (!child || child.exitCode !== null || !child.connected) return;
    child.disconnect();
    child.unref();
  }

  #helper(): ChildProcess | undefined {
    if (this.#child || this.#broken) return this.#child;
    const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
    try {
      const child = fork(new URL(`./launcher-process.${ext}`, import.meta.url), [], {
        execArgv: loaderArgs(process.execArgv),
        stdio: ["ignore", "inherit", "inherit", "ipc"],
        serialization: "json",
        // Its own session: a Ctrl-C to the server's terminal does not reach it, nor the tasks it watches.
        detached: true,
      });
      child.on("message", (m: LauncherReply) => this.#settle(m.id, m.exit));
      child.once("exit", (code, sig) => this.#lost(child, `exited (${code ?? sig})`));
      child.once("error", (err) => this.#lost(child, err.message));
      holdLoop(child, false);
      this.#child = child;
      return child;
    } catch (err) {
      this.#logger.warn({ err }, "local engine: no process launcher, task processes start from the server");
      this.#broken = true;
      return undefined;
    }
  }

  #send(message: LauncherRequest): void {
    this.#child?.send(message, (err) => {
      if (err && message.type === "run") this.#settle(message.id, lostExit(err.message));
    });
  }

  #settle(id: number, exit: ProcessExit): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    if (this.#pending.size === 0 && this.#child) holdLoop(this.#child, false);
    p.detach();
    p.resolve(exit);
  }

  /**
   * The helper died (a task group it had started may outlive a helper killed by SIGKILL): each attempt in flight
   * fails as a system error, which its retry policy may retry; the next task starts a new helper.
   */
  #lost(child: ChildProcess, why: string): void {
    if (this.#child === child) this.#child = undefined;
    if (this.#pending.size > 0) this.#logger.error({ why }, "local engine: the process launcher stopped");
    for (const id of [...this.#pending.keys()]) this.#settle(id, lostExit(`the process launcher ${why}`));
  }
}

/** The helper keeps the process alive only while a task runs: an idle one must not hold a stopping server. */
function holdLoop(child: ChildProcess, hold: boolean): void {
  const channel = child.channel as { ref(): void; unref(): void } | null | undefined;
  if (hold) {
    child.ref();
    channel?.ref();
  } else {
    child.unref();
    channel?.unref();
  }
}

function lostExit(message: string): ProcessExit {
  return { code: undefined, signal: undefined, spawnError: message, aborted: false, launcherLost: true };
}
