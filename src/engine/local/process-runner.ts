/**
 * Runs one task attempt as a local process: in its own process group (so
 * that stopping it stops everything it started), with exactly the
 * environment given (never the server's), stdout and stderr written to
 * files that the task log route serves. Stopping sends SIGTERM to the group,
 * then SIGKILL after a grace period.
 */
import { spawn } from "node:child_process";
import { open } from "node:fs/promises";
import { claimAttempt, followClaimed, recordExit, recordStart } from "./attempt-files.js";
import { suspended } from "./engine-suspended.js";

export interface ProcessSpec {
  /** argv: program and arguments. The program is looked up on the PATH of `env`. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** The complete environment of the process. */
  readonly env: Readonly<Record<string, string>>;
  readonly stdoutFile: string;
  readonly stderrFile: string;
  /** Aborting stops the process group. */
  readonly signal?: AbortSignal | undefined;
  /** How long SIGTERM is given before SIGKILL, ms. */
  readonly killGraceMs?: number | undefined;
  /**
   * Record the pid and the exit status in `cwd` (attempt-files.ts), so that another server can adopt the process.
   */
  readonly record?: boolean | undefined;
}

/** How a process ended. */
export interface ProcessExit {
  /** The exit code, or undefined when a signal ended it. */
  readonly code: number | undefined;
  readonly signal: string | undefined;
  /** The process could not be started (e.g. program not found); the message says why. */
  readonly spawnError?: string | undefined;
  /** True when `signal` in the spec stopped it. */
  readonly aborted: boolean;
  /** The process launcher died with the process (see process-launcher.ts): a system failure worth a retry. */
  readonly launcherLost?: boolean | undefined;
}

/**
 * Runs `spec` to its end.
 *
 * @example
 * const exit = await runProcess({ argv: ["true"], cwd: "/tmp", env: { PATH: "/usr/bin:/bin" },
 *   stdoutFile: "/tmp/out", stderrFile: "/tmp/err" });
 */
export async function runProcess(spec: ProcessSpec): Promise<ProcessExit> {
  const [program, ...args] = spec.argv;
  if (program === undefined) return { code: undefined, signal: undefined, spawnError: "empty command", aborted: false };
  if (spec.signal?.aborted) return { code: undefined, signal: undefined, aborted: true };
  // One process per attempt, whichever launcher (this server's, or a killed server's helper) asks first.
  if (spec.record && !claimAttempt(spec.cwd)) return followClaimed(spec.cwd, spec.signal, spec.killGraceMs ?? 5000);
  const out = await open(spec.stdoutFile, "a");
  const err = await open(spec.stderrFile, "a");
  try {
    // An abort while the log files opened has no listener to reach: never start the process then.
    if (spec.signal?.aborted) return { code: undefined, signal: undefined, aborted: true };
    return await new Promise<ProcessExit>((resolve) => {
      let aborted = false;
      let settled = false;
      const child = spawn(program, args, {
        cwd: spec.cwd,
        env: { ...spec.env },
        stdio: ["ignore", out.fd, err.fd],
        detached: true,
      });
      let killTimer: NodeJS.Timeout | undefined;
      const stop = () => {
        if (suspended(spec.signal)) {
          // The server is stopping: the process goes on, the next server adopts it.
          leave();
          return;
        }
        aborted = true;
        signalGroup(child.pid, "SIGTERM");
        killTimer = setTimeout(() => signalGroup(child.pid, "SIGKILL"), spec.killGraceMs ?? 5000);
        killTimer.unref();
      };
      spec.signal?.addEventListener("abort", stop, { once: true });
      const leave = () => {
        settled = true;
        child.unref();
        resolve({ code: undefined, signal: undefined, aborted: true });
      };
      const finish = (exit: ProcessExit) => {
        if (settled) return;
        settled = true;
        spec.signal?.removeEventListener("abort", stop);
        if (killTimer) clearTimeout(killTimer);
        // Whatever the task left running in its group goes with it.
        signalGroup(child.pid, "SIGKILL");
        resolve(exit);
      };
      child.once("error", (e) => finish({ code: undefined, signal: undefined, spawnError: e.message, aborted }));
      const pid = child.pid;
      if (spec.record && pid !== undefined) record(() => recordStart(spec.cwd, pid));
      child.once("exit", (code, signal) => {
        // Recorded before the server hears of it: a server that stops now reads it back.
        if (spec.record) record(() => recordExit(spec.cwd, code, signal));
        finish({ code: code ?? undefined, signal: signal ?? undefined, aborted });
      });
    });
  } finally {
    await out.close();
    await err.close();
  }
}

/** A record that cannot be written costs the task its adoption after a restart, never its run. */
function record(write: () => void): void {
  try {
    write();
  } catch {
    // The attempt directory is gone (the run was cleaned up).
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

// Moved to common (the scheduler limits its fires with it too); re-exported for the local engine's importers.
export { Semaphore } from "../../common/semaphore.js";
