/**
 * The environment of a task process: only what the configuration and the
 * task give it, never the server's own. Layered (later wins): a minimal
 * base (PATH, HOME, LANG), `executor.local.env`, the task container's `env`,
 * the execution's `envs`, then the variables FlytePropeller's pod plugin sets
 * (`FLYTE_INTERNAL_*`, `FLYTE_ATTEMPT_NUMBER`, and for map task sub-nodes
 * `BATCH_JOB_ARRAY_INDEX_VAR_NAME` / `FLYTE_K8S_ARRAY_INDEX`).
 */
import type { Identifier, WorkflowExecutionIdentifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";

export const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

export interface TaskEnvironmentInput {
  /** `executor.local.env`. */
  readonly configured: Readonly<Record<string, string>>;
  /** The task container's `env`. */
  readonly container: ReadonlyArray<{ key: string; value: string }>;
  /** The execution's environment variables (`spec.envs` / workflow execution config). */
  readonly execution: Readonly<Record<string, string>>;
  readonly executionId: WorkflowExecutionIdentifier;
  readonly taskId: Identifier | undefined;
  readonly workflowName: string;
  readonly launchPlanName: string;
  readonly attempt: number;
  /** Set for a sub-node of an array node. */
  readonly arrayIndex?: number | undefined;
  /** HOME when the configuration gives none: the attempt's working directory. */
  readonly home: string;
}

/** The complete environment of one attempt. */
export function taskEnvironment(input: TaskEnvironmentInput): Record<string, string> {
  const env: Record<string, string> = { PATH: DEFAULT_PATH, HOME: input.home, LANG: "C.UTF-8" };
  Object.assign(env, input.configured);
  for (const { key, value } of input.container) env[key] = value;
  Object.assign(env, input.execution);
  const e = input.executionId;
  Object.assign(env, {
    FLYTE_INTERNAL_EXECUTION_WORKFLOW: input.workflowName,
    FLYTE_INTERNAL_EXECUTION_LAUNCHPLAN: input.launchPlanName,
    FLYTE_INTERNAL_EXECUTION_ID: e.name,
    FLYTE_INTERNAL_EXECUTION_PROJECT: e.project,
    FLYTE_INTERNAL_EXECUTION_DOMAIN: e.domain,
    FLYTE_ATTEMPT_NUMBER: String(input.attempt),
  });
  if (input.taskId) {
    Object.assign(env, {
      FLYTE_INTERNAL_TASK_PROJECT: input.taskId.project,
      FLYTE_INTERNAL_TASK_DOMAIN: input.taskId.domain,
      FLYTE_INTERNAL_TASK_NAME: input.taskId.name,
      FLYTE_INTERNAL_TASK_VERSION: input.taskId.version,
    });
  }
  if (input.arrayIndex !== undefined) {
    env.BATCH_JOB_ARRAY_INDEX_VAR_NAME = "FLYTE_K8S_ARRAY_INDEX";
    env.FLYTE_K8S_ARRAY_INDEX = String(input.arrayIndex);
  }
  return env;
}
