/**
 * What an attempt's working directory says about its process, so that a
 * restarted server can tell a task that is still running (adopt it) from one
 * that ended while no server watched (read its exit status) and one that
 * died with the machine (retry it). Whoever starts a task process records
 * its pid (with its start time, so that a recycled pid is not mistaken for
 * it) in `pid` and, when it ends, its exit status in `exit`: the process
 * launcher's helper, which outlives a crashed server until its tasks end, or
 * the warm Python worker's per-attempt process.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { constants } from "node:os";
import { join } from "node:path";
import { suspended } from "./engine-suspended.js";
import type { ProcessExit } from "./process-runner.js";

export const PID_FILE = "pid";
export const EXIT_FILE = "exit";
export const CLAIM_FILE = "claim";

/** A process's start time in clock ticks since boot (Linux), or undefined. */
export function processStartTime(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/**
 * Records a started process in its attempt directory. Synchronous: a few bytes, written by the launcher's helper
 * between two events; a round through the thread pool would delay every task start on a busy machine.
 */
export function recordStart(dir: string, pid: number): void {
  writeFileSync(join(dir, PID_FILE), `${pid} ${processStartTime(pid) ?? ""}\n`);
}

/**
 * Claims an attempt for one launcher: true for the first caller only. A server killed right after asking its
 * launcher's helper for a task leaves the request in flight: the helper may start it after the next server has
 * read the attempt's directory as not started and launched it again. Whoever comes second follows the first
 * (`followClaimed`) instead of starting a second process. A claim that cannot be written (other than being
 * taken) lets the launch go on: it costs the race protection, never the run.
 */
export function claimAttempt(dir: string): boolean {
  try {
    closeSync(openSync(join(dir, CLAIM_FILE), "wx"));
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "EEXIST";
  }
}

/**
 * Gives a claim back, for a launcher that claimed an attempt and then could not start it (a warm worker that died
 * before the process began), so that the plain launcher may.
 */
export function releaseClaim(dir: string): void {
  try {
    unlinkSync(join(dir, CLAIM_FILE));
  } catch {
    // Not there: nothing to give back.
  }
}

const CLAIM_WAIT_MS = 10_000;
const CLAIM_POLL_MS = 20;

/**
 * Follows an attempt another launcher claimed: waits for its process to be recorded, then for it to end. A claim
 * whose process never shows up is a system failure (the attempt is retried in a new directory).
 */
export async function followClaimed(
  dir: string,
  signal: AbortSignal | undefined,
  killGraceMs: number,
): Promise<ProcessExit> {
  const deadline = Date.now() + CLAIM_WAIT_MS;
  for (;;) {
    const state = await attemptProcessState(dir);
    if (state.kind === "exited") return { code: state.code, signal: state.signal, aborted: false };
    if (state.kind === "running") {
      return waitForAdopted(dir, state.pid, signal ?? new AbortController().signal, killGraceMs);
    }
    if (signal?.aborted) return { code: undefined, signal: undefined, aborted: true };
    if (state.kind === "lost" || Date.now() > deadline) {
      return {
        code: undefined,
        signal: undefined,
        spawnError: "another launcher claimed this attempt and its process did not run to a recorded end",
        aborted: false,
        launcherLost: true,
      };
    }
    await new Promise((r) => setTimeout(r, CLAIM_POLL_MS));
  }
}

/** Records how a process ended, as a shell reports a status (128 + n: killed by signal n); synchronous likewise. */
export function recordExit(dir: string, code: number | null, signal: NodeJS.Signals | null): void {
  const status = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
  writeFileSync(join(dir, EXIT_FILE), `${status}\n`);
}

/** What the directory says. */
export type AttemptProcessState =
  | { readonly kind: "none" }
  | { readonly kind: "notStarted" }
  | { readonly kind: "exited"; readonly code: number | undefined; readonly signal: string | undefined }
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

/** A file's text; a file caught between its creation and its one write is read again. */
async function readSettled(path: string): Promise<string | undefined> {
  for (let i = 0; ; i++) {
    const text = await readFile(path, "utf8").catch(() => undefined);
    if (text !== "" || i >= 5) return text;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const STATUS = /^\d+\s*$/;

/** Reads the state of the attempt whose working directory is `dir`. */
export async function attemptProcessState(dir: string): Promise<AttemptProcessState> {
  if (!(await stat(dir).catch(() => undefined))) return { kind: "none" };
  const exit = await readSettled(join(dir, EXIT_FILE));
  if (exit !== undefined && STATUS.test(exit)) return { kind: "exited", ...decodeStatus(Number(exit)) };
  const pidPath = join(dir, PID_FILE);
  const [text, info] = await Promise.all([readSettled(pidPath), stat(pidPath).catch(() => undefined)]);
  const [pidText, startTime] = (text ?? "").trim().split(" ");
  const pid = Number(pidText);
  if (text === undefined || !Number.isInteger(pid) || pid <= 0) return { kind: "notStarted" };
  const startedAtMs = info?.mtimeMs ?? Date.now();
  if (isAlive(pid, startTime)) return { kind: "running", pid, startedAtMs };
  // It may have ended between the two reads.
  const late = await readSettled(join(dir, EXIT_FILE));
  if (late !== undefined && STATUS.test(late)) return { kind: "exited", ...decodeStatus(Number(late)) };
  return { kind: "lost", startedAtMs };
}

/** Whether `pid` is still the recorded process: alive, and (where /proc tells) started when it was recorded. */
function isAlive(pid: number, startTime: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (!startTime) return true;
  const now = processStartTime(pid);
  return now === undefined || now === startTime;
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
      if (state.kind === "exited") return { code: state.code, signal: state.signal, aborted };
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
