/**
 * What an attempt's working directory says about its process, so that a
 * restarted server can tell a task that is still running (adopt it) from one
 * that ended while no server watched (read its exit status) and one that
 * died with the machine (retry it). Every task process is started under a
 * tiny `sh` wrapper, in its own session, that writes its pid to `pid` before
 * the task starts and the task's exit status to `exit` after it ends (the
 * warm Python worker's per-attempt process keeps the same two files). The
 * wrapper, not the server, is the task's parent: a task outlives a server
 * that stops or crashes, and its exit status is not lost with the server.
 */
import { readdir, readFile, readlink, realpath, stat } from "node:fs/promises";
import { constants } from "node:os";
import { join } from "node:path";
import { suspended } from "./engine-suspended.js";
import type { ProcessExit } from "./process-runner.js";

export const PID_FILE = "pid";
export const EXIT_FILE = "exit";
/** Left by the wrapper when the program is not on the task's PATH (what spawn's ENOENT used to say). */
export const NOT_FOUND_FILE = "not-found";

/**
 * Runs `"$@"` and records it: pid first, then the exit status (written to a
 * temporary file and renamed, so a reader never sees half of it). `unset PWD`:
 * dash exports PWD, and the task must see exactly the environment it is given.
 */
const WRAPPER = `echo $$ >${PID_FILE}.tmp && mv ${PID_FILE}.tmp ${PID_FILE}
unset PWD
if command -v "$1" >/dev/null 2>&1; then "$@"; c=$?; else : >${NOT_FOUND_FILE}; c=127; fi
echo $c >${EXIT_FILE}.tmp && mv ${EXIT_FILE}.tmp ${EXIT_FILE}
exit $c`;

/** argv running `argv` under the wrapper (the working directory must be the attempt's directory). */
export function wrappedArgv(argv: readonly string[]): string[] {
  return ["/bin/sh", "-c", WRAPPER, "sh", ...argv];
}

/** What the directory says. */
export type AttemptProcessState =
  | { readonly kind: "none" }
  | { readonly kind: "notStarted" }
  | {
      readonly kind: "exited";
      readonly code: number | undefined;
      readonly signal: string | undefined;
      readonly notFound: boolean;
    }
  | { readonly kind: "running"; readonly pid: number; readonly startedAtMs: number }
  | { readonly kind: "lost"; readonly startedAtMs: number };

/** An exit status as the shell reports it: 128 + n is "killed by signal n". */
export function decodeStatus(status: number): { code: number | undefined; signal: string | undefined } {
  if (status > 128 && status < 128 + 65) {
    const n = status - 128;
    const name = Object.entries(constants.signals).find(([, v]) => v === n)?.[0];
    if (name) return { code: undefined, signal: name };
  }
  return { code: status, signal: undefined };
}

/** The exit of a wrapped process from its status: a signal, a code, or "the program was not found". */
export async function wrappedExit(
  dir: string,
  status: number,
): Promise<{ code: number | undefined; signal: string | undefined; notFound: boolean }> {
  const notFound = status === 127 && (await stat(join(dir, NOT_FOUND_FILE)).catch(() => undefined)) !== undefined;
  return { ...decodeStatus(status), notFound };
}

/** Reads the state of the attempt whose working directory is `dir`. */
export async function attemptProcessState(dir: string): Promise<AttemptProcessState> {
  if (!(await stat(dir).catch(() => undefined))) return { kind: "none" };
  const exit = await readFile(join(dir, EXIT_FILE), "utf8").catch(() => undefined);
  if (exit !== undefined && /^\d+\s*$/.test(exit)) return { kind: "exited", ...(await wrappedExit(dir, Number(exit))) };
  const pidPath = join(dir, PID_FILE);
  const [text, info] = await Promise.all([
    readFile(pidPath, "utf8").catch(() => undefined),
    stat(pidPath).catch(() => undefined),
  ]);
  const pid = Number(text);
  if (text === undefined || !Number.isInteger(pid) || pid <= 0) return { kind: "notStarted" };
  const startedAtMs = info?.mtimeMs ?? Date.now();
  if (await isAlive(pid, dir)) return { kind: "running", pid, startedAtMs };
  // It may have ended between the two reads.
  const late = await readFile(join(dir, EXIT_FILE), "utf8").catch(() => undefined);
  if (late !== undefined && /^\d+\s*$/.test(late)) return { kind: "exited", ...(await wrappedExit(dir, Number(late))) };
  return { kind: "lost", startedAtMs };
}

/**
 * Whether `pid` is the wrapper of this attempt: alive, and (where /proc
 * exists) still working in `dir`, so that a recycled pid is not mistaken for it.
 */
async function isAlive(pid: number, dir: string): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (process.platform !== "linux") return true;
  // A zombie (ended, not yet reaped) has no working directory to read: not alive.
  const [cwd, real] = await Promise.all([
    readlink(`/proc/${pid}/cwd`).catch(() => undefined),
    realpath(dir).catch(() => dir),
  ]);
  return cwd === real;
}

/** Signals the process group an attempt's wrapper leads (it runs in its own session). */
export function signalAttempt(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

const ADOPTED_POLL_MS = 100;

/**
 * Waits for an adopted attempt (started by a previous server) to end, from
 * its files. Aborting stops its process group (SIGTERM, then SIGKILL after
 * the grace period), unless the server is stopping. A process that is gone
 * without an exit status ends as `launcherLost`: a system failure.
 */
export async function waitForAdopted(
  dir: string,
  pid: number,
  signal: AbortSignal,
  killGraceMs: number,
): Promise<ProcessExit> {
  let aborted = false;
  let killTimer: NodeJS.Timeout | undefined;
  try {
    for (;;) {
      if (signal.aborted && !aborted) {
        if (suspended(signal)) return { code: undefined, signal: undefined, aborted: true };
        aborted = true;
        signalAttempt(pid, "SIGTERM");
        killTimer = setTimeout(() => signalAttempt(pid, "SIGKILL"), killGraceMs);
      }
      const state = await attemptProcessState(dir);
      if (state.kind === "exited") {
        if (state.notFound) return { code: undefined, signal: undefined, spawnError: "program not found", aborted };
        return { code: state.code, signal: state.signal, aborted };
      }
      if (state.kind !== "running") {
        if (aborted) return { code: undefined, signal: undefined, aborted };
        return {
          code: undefined,
          signal: undefined,
          spawnError: "the task process ended while no server watched it and left no exit status",
          aborted: false,
          launcherLost: true,
        };
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, ADOPTED_POLL_MS);
        function done() {
          clearTimeout(t);
          signal.removeEventListener("abort", done);
          resolve();
        }
        signal.addEventListener("abort", done, { once: true });
      });
    }
  } finally {
    if (killTimer) clearTimeout(killTimer);
  }
}

/**
 * Stops every attempt process still running below the execution's directory
 * (`<workDir>/runs/<project>/<domain>/<name>`): SIGTERM, then SIGKILL after the grace period.
 */
export async function killAttemptProcesses(
  workDir: string,
  execution: readonly string[],
  graceMs: number,
): Promise<void> {
  const root = join(workDir, "runs", ...execution);
  const entries = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  const pids: number[] = [];
  for (const entry of entries) {
    if (!entry.endsWith(`/${PID_FILE}`) && entry !== PID_FILE) continue;
    const dir = join(root, entry.slice(0, -PID_FILE.length));
    const state = await attemptProcessState(dir);
    if (state.kind === "running") pids.push(state.pid);
  }
  for (const pid of pids) signalAttempt(pid, "SIGTERM");
  if (pids.length > 0) {
    await new Promise((r) => setTimeout(r, Math.min(graceMs, 2000)));
    for (const pid of pids) signalAttempt(pid, "SIGKILL");
  }
}
