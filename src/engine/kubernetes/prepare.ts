/**
 * FlyteAdmin's `PrepareFlyteWorkflow` (executions.md §5.1): what the admin
 * adds to the resource FlytePropeller's transform built — the execution id,
 * the accept time, the finalizer, the security context (with the IAM role
 * annotation and the service account), execution labels and annotations over
 * the system ones, the event version and the execution config.
 */
import { RawOutputDataConfigSchema } from "../../proto/gen/flyteidl/admin/common_pb.js";
import type { TaskResourceSpec as AdminTaskResourceSpec } from "../../proto/gen/flyteidl/admin/matchable_resource_pb.js";
import { WorkflowExecutionIdentifierSchema } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { SecurityContextSchema } from "../../proto/gen/flyteidl/core/security_pb.js";
import type { ExecutionData, ExecutionParameters } from "../workflow-executor.js";
import type { BuiltWorkflow } from "./flyteworkflow-builder.js";
import {
  type ExecutionConfig,
  FLYTE_FINALIZER,
  FLYTE_GROUP,
  FLYTE_KIND,
  FLYTE_VERSION,
  type FlyteWorkflow,
  type TaskResourceSpec,
} from "./flyteworkflow-types.js";
import { goStructJson } from "./go-json.js";
import { jsonpb, omitUndefined, quantityJson, sortedRecord } from "./json-parts.js";

/** The executor switches that change the resource (`flyteadmin.*` config). */
export interface FlyteWorkflowSettings {
  /** Reference the stored closure instead of embedding spec, tasks and sub-workflows. */
  readonly useOffloadedWorkflowClosure: boolean;
  /** Reference the stored inputs instead of embedding them. */
  readonly useOffloadedInputs: boolean;
  /** Written to `consoleUrl` when non-empty. */
  readonly consoleUrl: string;
}

/**
 * The built workflow with FlyteAdmin's additions and the executor's offloading switches applied, keys in Go's
 * struct order.
 */
export function prepareFlyteWorkflow(
  data: ExecutionData,
  built: BuiltWorkflow,
  settings: FlyteWorkflowSettings,
): FlyteWorkflow {
  const offloadClosure = settings.useOffloadedWorkflowClosure;
  const offloadInputs = settings.useOffloadedInputs;
  const params = data.executionParameters;
  const labels = new Map(built.labels);
  const annotations = new Map<string, string>();
  let serviceAccountName: string | undefined;
  const security = params.executionConfig.securityContext;
  const runAs = security?.runAs;
  if (runAs !== undefined) {
    // As FlyteAdmin: the role annotation is written even when roleNameKey is empty (the key is then "").
    if (runAs.iamRole !== "") annotations.set(params.roleNameKey, runAs.iamRole);
    if (runAs.k8sServiceAccount !== "") serviceAccountName = runAs.k8sServiceAccount;
  }
  for (const [k, v] of Object.entries(params.labels)) labels.set(k, v);
  for (const [k, v] of Object.entries(params.annotations)) annotations.set(k, v);
  return omitUndefined<FlyteWorkflow>({
    kind: FLYTE_KIND,
    apiVersion: `${FLYTE_GROUP}/${FLYTE_VERSION}`,
    metadata: omitUndefined({
      name: built.name || undefined,
      namespace: built.namespace,
      creationTimestamp: null,
      labels: sortedRecord(labels),
      annotations: annotations.size > 0 ? sortedRecord(annotations) : undefined,
      finalizers: [FLYTE_FINALIZER],
    }),
    spec: offloadClosure ? null : built.spec,
    workflowMeta: params.eventVersion !== 0 ? { eventVersion: params.eventVersion } : {},
    inputs: built.inputs && !offloadInputs ? jsonpb(LiteralMapSchema, built.inputs) : undefined,
    executionId: goStructJson(WorkflowExecutionIdentifierSchema, data.executionId),
    tasks: offloadClosure ? null : built.tasks,
    subWorkflows: !offloadClosure && Object.keys(built.subWorkflows).length > 0 ? built.subWorkflows : undefined,
    "node-defaults": built.interruptible ? { interruptible: true } : {},
    acceptedAt: goTimeText(params.acceptedAt),
    serviceAccountName,
    securityContext: runAs !== undefined ? goStructJson(SecurityContextSchema, security) : {},
    status: { phase: 0 },
    rawOutputDataConfig: goStructJson(RawOutputDataConfigSchema, params.rawOutputDataConfig),
    executionConfig: executionConfigOf(data),
    workflowClosureReference: (offloadClosure && data.workflowClosureReference) || undefined,
    consoleUrl: settings.consoleUrl || undefined,
    offloadedInputs: (offloadInputs && data.offloadedInputsReference) || undefined,
  });
}

/** metav1.Time: RFC 3339 in UTC, whole seconds (the fraction is cut, not rounded). */
export function goTimeText(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The `executionConfig` block: Go field names, every field written, as the struct has no JSON tags. */
function executionConfigOf(data: ExecutionData): ExecutionConfig {
  const p: ExecutionParameters = data.executionParameters;
  const wec = p.executionConfig;
  const plugins = new Map<string, { PluginIDs: string[] | null; MissingPluginBehavior: number }>();
  for (const o of p.taskPluginOverrides) {
    plugins.set(o.taskType, {
      PluginIDs: o.pluginId.length > 0 ? [...o.pluginId] : null,
      MissingPluginBehavior: o.missingPluginBehavior,
    });
  }
  return {
    TaskPluginImpls: sortedRecord(plugins),
    MaxParallelism: wec.maxParallelism >>> 0,
    RecoveryExecution: goStructJson(WorkflowExecutionIdentifierSchema, p.recoveryExecution),
    TaskResources: {
      Requests: resourceSpec(p.taskResources.defaults),
      Limits: resourceSpec(p.taskResources.limits),
    },
    Interruptible: wec.interruptible ?? null,
    OverwriteCache: wec.overwriteCache,
    // FlyteAdmin writes the map only when the config has an envs block at all (then possibly empty).
    EnvironmentVariables: wec.envs ? sortedRecord(wec.envs.values.map((kv) => [kv.key, kv.value] as const)) : null,
  };
}

/** Platform requests or limits; `Storage` is never set by FlyteAdmin v1.16. */
function resourceSpec(spec: AdminTaskResourceSpec | undefined): TaskResourceSpec {
  return {
    CPU: quantityJson(spec?.cpu ?? ""),
    Memory: quantityJson(spec?.memory ?? ""),
    EphemeralStorage: quantityJson(spec?.ephemeralStorage ?? ""),
    Storage: "0",
    GPU: quantityJson(spec?.gpu ?? ""),
  };
}
