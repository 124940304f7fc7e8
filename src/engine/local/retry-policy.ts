/**
 * Whether a failed attempt is tried again, as FlytePropeller decides it:
 * user errors spend the node's attempts (`retries + 1`, from the node's
 * metadata, else the task's), system errors spend a separate budget
 * (`maxNodeRetriesForSystemFailures`, 3 by default); a non-recoverable error
 * is final at once; an exhausted budget becomes `RetriesExhausted|<code>`.
 */
import { create } from "@bufbuild/protobuf";
import {
  type ExecutionError,
  ExecutionError_ErrorKind,
  ExecutionErrorSchema,
} from "../../proto/gen/flyteidl/core/execution_pb.js";

/** A node's attempt counters. */
export interface AttemptCounters {
  /** Attempts finished so far, the failing one included. */
  readonly attempts: number;
  /** Of those, failures of kind SYSTEM. */
  readonly systemFailures: number;
}

export interface RetryBudget {
  /** Total attempts allowed for user errors (retries + 1, at least 1). */
  readonly maxAttempts: number;
  /** Retries allowed for system errors. */
  readonly maxSystemFailures: number;
}

export type RetryDecision = { readonly retry: true } | { readonly retry: false; readonly error: ExecutionError };

/** The attempts a node may make: node `metadata.retries`, else the task's, plus one. */
export function maxAttempts(nodeRetries: number | undefined, taskRetries: number | undefined): number {
  if (nodeRetries) return nodeRetries + 1;
  if (taskRetries) return taskRetries + 1;
  return 1;
}

const KIND_NAMES: Record<number, string> = {
  [ExecutionError_ErrorKind.UNKNOWN]: "UNKNOWN",
  [ExecutionError_ErrorKind.USER]: "USER",
  [ExecutionError_ErrorKind.SYSTEM]: "SYSTEM",
};

/**
 * Decides after a failed attempt. `counters` already count the failed
 * attempt (and, for a SYSTEM error, the system failure).
 */
export function decideRetry(
  error: ExecutionError,
  recoverable: boolean,
  counters: AttemptCounters,
  budget: RetryBudget,
): RetryDecision {
  if (!recoverable) return { retry: false, error };
  let current: number;
  let max: number;
  if (error.kind === ExecutionError_ErrorKind.SYSTEM) {
    // FlytePropeller compares the system failures before this one with the budget.
    current = counters.systemFailures - 1;
    max = budget.maxSystemFailures;
  } else {
    current = counters.attempts - counters.systemFailures;
    max = budget.maxAttempts;
  }
  if (current < max) return { retry: true };
  return {
    retry: false,
    error: create(ExecutionErrorSchema, {
      code: `RetriesExhausted|${error.code}`,
      message: `[${current}/${max}] currentAttempt done. Last Error: ${KIND_NAMES[error.kind] ?? "UNKNOWN"}::${error.message}`,
      kind: ExecutionError_ErrorKind.USER,
    }),
  };
}
