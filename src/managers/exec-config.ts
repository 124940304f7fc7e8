/**
 * WorkflowExecutionConfig layering (entities.md §3.6, executions.md): a
 * higher-priority source keeps what it sets and a lower one only fills what
 * is unset. Used by GetProjectAttributes (stored row over config defaults) and
 * by execution creation (request > launch plan > matchables > config).
 */
import { create } from "@bufbuild/protobuf";
import type { Config } from "../config/schema.js";
import {
  type WorkflowExecutionConfig,
  WorkflowExecutionConfigSchema,
} from "../proto/gen/flyteidl/admin/matchable_resource_pb.js";

/** The fields the layering reads; WorkflowExecutionConfig, ExecutionSpec and LaunchPlanSpec all have them. */
export type ExecConfigSource = Pick<
  WorkflowExecutionConfig,
  | "maxParallelism"
  | "securityContext"
  | "rawOutputDataConfig"
  | "labels"
  | "annotations"
  | "interruptible"
  | "overwriteCache"
  | "envs"
>;

/**
 * FlyteAdmin's MergeIntoExecConfig: fills the unset fields of `target` (in
 * place, returned) from `source`. "Unset" is: parallelism 0; no security
 * context (and only a source whose run_as names an account, role or
 * identity fills it); an empty output prefix; empty labels, annotations or
 * envs; no interruptible; overwrite_cache false.
 */
export function mergeIntoExecConfig(
  target: WorkflowExecutionConfig,
  source: ExecConfigSource,
): WorkflowExecutionConfig {
  if (target.maxParallelism === 0 && source.maxParallelism > 0) target.maxParallelism = source.maxParallelism;
  const runAs = source.securityContext?.runAs;
  if (!target.securityContext && runAs && (runAs.k8sServiceAccount || runAs.iamRole || runAs.executionIdentity)) {
    target.securityContext = source.securityContext;
  }
  if (!target.rawOutputDataConfig?.outputLocationPrefix && source.rawOutputDataConfig?.outputLocationPrefix) {
    target.rawOutputDataConfig = source.rawOutputDataConfig;
  }
  if (isEmptyMap(target.labels?.values) && !isEmptyMap(source.labels?.values)) target.labels = source.labels;
  if (isEmptyMap(target.annotations?.values) && !isEmptyMap(source.annotations?.values)) {
    target.annotations = source.annotations;
  }
  if (target.interruptible === undefined && source.interruptible !== undefined) {
    target.interruptible = source.interruptible;
  }
  if (!target.overwriteCache && source.overwriteCache) target.overwriteCache = true;
  if ((target.envs?.values.length ?? 0) === 0 && (source.envs?.values.length ?? 0) > 0) target.envs = source.envs;
  return target;
}

/**
 * The `flyteadmin` section as a WorkflowExecutionConfig (FlyteAdmin's
 * GetAsWorkflowExecutionConfig): parallelism and overwrite_cache always;
 * interruptible only when true; security context, output prefix, labels and
 * annotations only when configured. Envs are not part of it.
 */
export function configExecDefaults(app: Config["flyteadmin"]): WorkflowExecutionConfig {
  const hasIdentity = app.k8sServiceAccount !== "" || app.assumableIamRole !== "";
  return create(WorkflowExecutionConfigSchema, {
    maxParallelism: app.maxParallelism,
    overwriteCache: app.overwriteCache,
    interruptible: app.interruptible ? true : undefined,
    securityContext: hasIdentity
      ? { runAs: { k8sServiceAccount: app.k8sServiceAccount, iamRole: app.assumableIamRole } }
      : undefined,
    rawOutputDataConfig: app.outputLocationPrefix ? { outputLocationPrefix: app.outputLocationPrefix } : undefined,
    labels: isEmptyMap(app.labels) ? undefined : { values: { ...app.labels } },
    annotations: isEmptyMap(app.annotations) ? undefined : { values: { ...app.annotations } },
  });
}

function isEmptyMap(m: Readonly<Record<string, string>> | undefined): boolean {
  return !m || Object.keys(m).length === 0;
}
