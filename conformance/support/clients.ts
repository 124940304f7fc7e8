/**
 * The real Flyte clients as the conformance tests run them: where the setup
 * scripts installed them (or why they could not), and how to run one with a
 * timeout against a server on this machine.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** conformance/ (this file lives in conformance/support/). */
export const conformanceDir = resolve(import.meta.dirname, "..");
/** Where the example Flyte project and the FlyteRemote scripts live. */
export const flytekitDir = join(conformanceDir, "flytekit");

export type ClientName = "flytectl" | "flytekit";

/** An installed client's executables, or the reason it is not installed. */
export type Availability =
  | { readonly ok: true; readonly bin: string; readonly python: string }
  | { readonly ok: false; readonly reason: string };

const SETUP = {
  flytectl: { script: "conformance/setup-flytectl.sh", bin: join(conformanceDir, ".bin", "flytectl"), python: "" },
  flytekit: {
    script: "conformance/setup-flytekit.sh",
    bin: join(conformanceDir, ".venv", "bin", "pyflyte"),
    python: join(conformanceDir, ".venv", "bin", "python"),
  },
} as const;

/**
 * Whether `client` is installed. The setup scripts write the reason an install
 * failed to conformance/.work/<client>.unavailable; a client never set up has
 * no executable at all.
 */
export function clientAvailability(client: ClientName): Availability {
  const { script, bin, python } = SETUP[client];
  const marker = join(conformanceDir, ".work", `${client}.unavailable`);
  if (existsSync(marker)) {
    return { ok: false, reason: `${client} not installed: ${readFileSync(marker, "utf8").trim()}` };
  }
  if (!existsSync(bin)) return { ok: false, reason: `${client} not installed (run ${script})` };
  return { ok: true, bin, python };
}

/** What a client run produced. `output` is stdout then stderr, for message checks. */
export interface ClientResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly output: string;
  readonly timedOut: boolean;
  readonly ms: number;
}

export interface RunOptions {
  readonly env: Record<string, string>;
  readonly cwd: string;
  readonly timeoutMs: number;
}

/**
 * Runs `cmd args` in its own process group and kills that group when the
 * timeout passes (pyflyte starts helper processes of its own).
 */
export function runProcess(cmd: string, args: readonly string[], opts: RunOptions): Promise<ClientResult> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    }, opts.timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      resolvePromise({
        code,
        signal,
        stdout,
        stderr,
        output: `${stdout}\n${stderr}`,
        timedOut,
        ms: Date.now() - started,
      });
    });
  });
}

/** A multi-line description of a run, for assertion messages. */
export function describeRun(what: string, r: ClientResult): string {
  const tail = (s: string) => s.split("\n").slice(-40).join("\n");
  const status = r.timedOut ? "TIMED OUT" : `exit ${r.code}${r.signal ? ` signal ${r.signal}` : ""}`;
  return `${what}: ${status} after ${r.ms} ms\n--- stdout ---\n${tail(r.stdout)}\n--- stderr ---\n${tail(r.stderr)}`;
}
