/**
 * A task run to its end, attempt after attempt: each attempt gets its own
 * output prefix (`<dir>/<attempt>`), raw output prefix and checkpoint
 * prefix (the previous attempt's is handed on), is stopped when the node's
 * timeout (its execution deadline) passes, which counts as a retryable user
 * error, and is retried as the retry policy allows. The sink hears of each
 * attempt's phases (task events for a task node, external resources for a
 * map task's sub-task).
 */
import { create } from "@bufbuild/protobuf";
import { formatGoDuration } from "../../common/duration.js";
import type { DynamicJobSpec } from "../../proto/gen/flyteidl/core/dynamic_job_pb.js";
import {
  type ExecutionError,
  ExecutionError_ErrorKind,
  ExecutionErrorSchema,
  type TaskLog,
} from "../../proto/gen/flyteidl/core/execution_pb.js";
import type { LiteralMap } from "../../proto/gen/flyteidl/core/literals_pb.js";
import type { TaskTemplate } from "../../proto/gen/flyteidl/core/tasks_pb.js";
import { type AttemptProcessState, attemptProcessState } from "./attempt-files.js";
import { decideRetry } from "./retry-policy.js";
import { abortReason, type ExecutionScope } from "./run-context.js";
import { attemptDirFor, runAttempt } from "./task-attempt.js";

/** Hears of an attempt's phases. */
export interface AttemptSink {
  queued(attempt: number): Promise<void>;
  running(attempt: number, logs: TaskLog[]): Promise<void>;
  succeeded(attempt: number, outputUri: string, logs: TaskLog[]): Promise<void>;
  failed(attempt: number, error: ExecutionError, logs: TaskLog[]): Promise<void>;
  aborted(attempt: number, reason: string, logs: TaskLog[]): Promise<void>;
}

export interface TaskRunSpec {
  readonly scope: ExecutionScope;
  readonly task: TaskTemplate;
  readonly uniqueNodeId: string;
  /** Attempt `n` writes below `<outputDir>/<n>`. */
  readonly outputDir: string;
  /** Attempt `n` writes raw data below `<rawOutputDir>/<n>`. */
  readonly rawOutputDir: string;
  readonly inputs: LiteralMap;
  readonly inputUri: string;
  readonly index?: number | undefined;
  readonly signal: AbortSignal;
  /** Per attempt, ns (0: none). */
  readonly timeoutNanos: number;
  readonly maxAttempts: number;
  readonly sink: AttemptSink;
  /**
   * Set when a previous server ran this task (see `resumeAttempts`): the attempts it recorded FAILED with a system
   * error (for the system retry budget).
   */
  readonly resume?: { readonly systemFailedAttempts: ReadonlySet<number> } | undefined;
}

export type TaskRunResult =
  | {
      readonly kind: "succeeded";
      readonly outputs: LiteralMap;
      readonly outputUri: string;
      readonly attempt: number;
      readonly checkpointUri: string;
    }
  | { readonly kind: "dynamic"; readonly spec: DynamicJobSpec; readonly futuresUri: string; readonly attempt: number }
  | {
      readonly kind: "failed";
      readonly error: ExecutionError;
      readonly attempt: number;
      readonly checkpointUri: string;
    }
  | { readonly kind: "aborted"; readonly reason: string };

class ExecutionDeadline extends Error {}

type Adoptable = Extract<AttemptProcessState, { kind: "running" | "exited" }>;

/** Where a resumed task goes on: the attempt to run (or adopt), and the system failures so far. */
interface ResumePoint {
  readonly attempt: number;
  readonly systemFailures: number;
  readonly adopt: Adoptable | undefined;
  /** The previous server's last attempt vanished: report it failed (a system error) before going on. */
  readonly lost: boolean;
}

/**
 * Reads the attempts a previous server started from their working
 * directories: the last one is adopted (running or ended), started again
 * (it never started its process), or counted as a system failure (its
 * process is gone with no exit status), as FlytePropeller retries a pod
 * that vanished.
 */
async function resumePoint(spec: TaskRunSpec, systemFailed: ReadonlySet<number>): Promise<ResumePoint> {
  const states: AttemptProcessState[] = [];
  for (let k = 0; ; k++) {
    const state = await attemptProcessState(attemptDirFor(spec.scope, spec.uniqueNodeId, k, spec.index));
    if (state.kind === "none") break;
    states.push(state);
  }
  let systemFailures = 0;
  for (let k = 0; k < states.length - 1; k++) if (states[k]?.kind === "lost" || systemFailed.has(k)) systemFailures++;
  const last = states.length - 1;
  const state = states[last];
  if (!state || state.kind === "notStarted" || state.kind === "none") {
    return { attempt: Math.max(0, last), systemFailures, adopt: undefined, lost: false };
  }
  if (state.kind === "lost") return { attempt: last, systemFailures, adopt: undefined, lost: true };
  return { attempt: last, systemFailures, adopt: state, lost: false };
}

const LOST_MESSAGE = "the server stopped while this attempt ran, and its process is gone without an exit status";

/** Runs the task until an attempt succeeds, fails for good, or the run is aborted. */
export async function runTask(spec: TaskRunSpec): Promise<TaskRunResult> {
  let systemFailures = 0;
  let prevCheckpoint = "";
  let start = 0;
  let adopt: Adoptable | undefined;
  if (spec.resume) {
    const point = await resumePoint(spec, spec.resume.systemFailedAttempts);
    ({ systemFailures, adopt } = point);
    start = point.attempt;
    if (point.lost) {
      const error = create(ExecutionErrorSchema, {
        code: "TaskProcessLost",
        message: LOST_MESSAGE,
        kind: ExecutionError_ErrorKind.SYSTEM,
      });
      await spec.sink.failed(start, error, []);
      systemFailures++;
      const decision = decideRetry(
        error,
        true,
        { attempts: start + 1, systemFailures },
        { maxAttempts: spec.maxAttempts, maxSystemFailures: spec.scope.services.settings.maxSystemRetries },
      );
      if (!decision.retry) {
        return { kind: "failed", error: decision.error, attempt: start, checkpointUri: checkpointOf(spec, start) };
      }
      start++;
    }
    if (start > 0) prevCheckpoint = checkpointOf(spec, start - 1);
  }
  for (let attempt = start; ; attempt++) {
    const adopted = attempt === start ? adopt : undefined;
    const controller = new AbortController();
    const onAbort = () => controller.abort(spec.signal.reason);
    if (spec.signal.aborted) controller.abort(spec.signal.reason);
    else spec.signal.addEventListener("abort", onAbort, { once: true });
    // An adopted attempt's timeout runs from when its process started.
    const elapsedMs = adopted?.kind === "running" ? Math.max(0, Date.now() - adopted.startedAtMs) : 0;
    const timer =
      spec.timeoutNanos > 0
        ? setTimeout(
            () =>
              controller.abort(
                new ExecutionDeadline(`task execution timeout [${formatGoDuration(spec.timeoutNanos)}] expired`),
              ),
            Math.max(0, spec.timeoutNanos / 1e6 - elapsedMs),
          )
        : undefined;
    const raw = `${spec.rawOutputDir}/${attempt}`;
    const checkpointUri = `${raw}/_flytecheckpoints`;
    try {
      if (!adopted) await spec.sink.queued(attempt);
      const outcome = await runAttempt({
        adopt: adopted,
        scope: spec.scope,
        task: spec.task,
        uniqueNodeId: spec.uniqueNodeId,
        attempt,
        index: spec.index,
        inputs: spec.inputs,
        inputUri: spec.inputUri,
        outputPrefix: `${spec.outputDir}/${attempt}`,
        rawOutputPrefix: raw,
        prevCheckpointPrefix: prevCheckpoint,
        signal: controller.signal,
        onStarted: (logs) => spec.sink.running(attempt, logs),
      });
      let error: ExecutionError;
      let recoverable: boolean;
      switch (outcome.kind) {
        case "succeeded":
          await spec.sink.succeeded(attempt, outcome.outputUri, outcome.logs);
          return { kind: "succeeded", outputs: outcome.outputs, outputUri: outcome.outputUri, attempt, checkpointUri };
        case "dynamic":
          await spec.sink.succeeded(attempt, `${spec.outputDir}/${attempt}/outputs.pb`, outcome.logs);
          return { kind: "dynamic", spec: outcome.spec, futuresUri: outcome.futuresUri, attempt };
        case "aborted": {
          const reason: unknown = controller.signal.reason;
          if (!(reason instanceof ExecutionDeadline)) {
            await spec.sink.aborted(attempt, abortReason(controller.signal), outcome.logs);
            return { kind: "aborted", reason: abortReason(controller.signal) };
          }
          error = create(ExecutionErrorSchema, {
            code: "TimeoutExpired",
            message: reason.message,
            kind: ExecutionError_ErrorKind.USER,
          });
          recoverable = true;
          break;
        }
        case "failed":
          error = outcome.error;
          recoverable = outcome.recoverable;
          break;
      }
      await spec.sink.failed(attempt, error, outcome.logs);
      if (error.kind === ExecutionError_ErrorKind.SYSTEM) systemFailures++;
      const decision = decideRetry(
        error,
        recoverable,
        { attempts: attempt + 1, systemFailures },
        { maxAttempts: spec.maxAttempts, maxSystemFailures: spec.scope.services.settings.maxSystemRetries },
      );
      if (!decision.retry) return { kind: "failed", error: decision.error, attempt, checkpointUri };
      prevCheckpoint = checkpointUri;
    } finally {
      if (timer) clearTimeout(timer);
      spec.signal.removeEventListener("abort", onAbort);
    }
  }
}

function checkpointOf(spec: TaskRunSpec, attempt: number): string {
  return `${spec.rawOutputDir}/${attempt}/_flytecheckpoints`;
}
