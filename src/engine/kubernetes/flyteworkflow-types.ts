/**
 * The `flyte.lyft.com/v1alpha1` FlyteWorkflow resource as FlytePropeller
 * reads it (flytepropeller `pkg/apis/flyteworkflow/v1alpha1`). Keys are the Go
 * JSON names, in Go's struct order; the embedded protobuf messages are jsonpb
 * (`JsonValue`) unless a comment says they are Go structs.
 */
import type { JsonValue } from "@bufbuild/protobuf";
import type { JsonObject } from "./go-json.js";

export const FLYTE_GROUP = "flyte.lyft.com";
export const FLYTE_VERSION = "v1alpha1";
export const FLYTE_PLURAL = "flyteworkflows";
/** The resource kind as Go FlyteAdmin writes it in the POST body (its typed client fills TypeMeta). */
export const FLYTE_KIND = "FlyteWorkflow";
/** The finalizer FlyteAdmin adds so that FlytePropeller can clean up before the resource goes. */
export const FLYTE_FINALIZER = "flyte.org/finalizer";

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace: string;
  /** Go's zero metav1.Time renders as null (`omitempty` does not apply to structs). */
  creationTimestamp: null;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

export interface IfBlockSpec {
  condition: JsonValue;
  then: string | null;
}

export interface BranchNodeSpec {
  if: IfBlockSpec;
  elseIf?: IfBlockSpec[];
  else?: string;
  /** core.Error as a Go struct: `{"failed_node_id", "message"}`. */
  elseFail?: JsonObject;
}

export interface WorkflowNodeSpec {
  /** The launch plan Identifier, jsonpb. */
  launchPlanRefId?: JsonValue;
  /** The sub-workflow's key in `subWorkflows` (Identifier text). */
  subWorkflowRef?: string;
}

export interface GateNodeSpec {
  kind: "approve" | "signal" | "sleep";
  approve?: JsonValue;
  signal?: JsonValue;
  sleep?: JsonValue;
}

/** ArrayNodeSpec has no JSON tags: Go field names, nulls kept. */
export interface ArrayNodeSpec {
  SubNodeSpec: NodeSpec;
  Parallelism: number | null;
  MinSuccesses: number | null;
  MinSuccessRatio: number | null;
  BoundInputs: string[] | null;
}

/** A Kubernetes ResourceRequirements (`limits`, `requests`: resource name -> quantity). */
export interface ResourceRequirements {
  limits?: Record<string, string>;
  requests?: Record<string, string>;
}

export type NodeKind = "task" | "branch" | "workflow" | "gate" | "array" | "start" | "end";

export interface NodeSpec {
  id: string;
  name?: string;
  resources: ResourceRequirements;
  kind: NodeKind | "";
  branch?: BranchNodeSpec;
  task?: string;
  workflow?: WorkflowNodeSpec;
  gate?: GateNodeSpec;
  array?: ArrayNodeSpec;
  inputBindings?: JsonValue[];
  retry?: { minAttempts: number };
  /** core.Alias as Go structs: `{"var", "alias"}`. */
  outputAlias?: JsonObject[];
  extendedResources?: JsonValue;
  /** Go duration text, e.g. `1m0s`. */
  executionDeadline?: string;
  activeDeadline?: string;
  interruptible?: boolean;
  containerImage?: string;
  /** core.K8sPod as a Go struct. */
  podTemplate?: JsonObject;
}

export interface WorkflowSpec {
  /** `<project>:<domain>:<name>`. */
  id: string;
  nodes: Record<string, NodeSpec>;
  /** Deprecated: the downstream edges only. */
  connections: Record<string, string[] | null>;
  edges: { downstream: Record<string, string[] | null>; upstream: Record<string, string[] | null> };
  onFailure?: NodeSpec;
  outputs?: JsonValue;
  outputBindings?: JsonValue[];
  onFailurePolicy?: number;
}

export interface TaskResourceSpec {
  CPU: string;
  Memory: string;
  EphemeralStorage: string;
  Storage: string;
  GPU: string;
}

export interface ExecutionConfig {
  TaskPluginImpls: Record<string, { PluginIDs: string[] | null; MissingPluginBehavior: number }>;
  MaxParallelism: number;
  /** A WorkflowExecutionIdentifier as a Go struct; `{}` when not recovering. */
  RecoveryExecution: JsonObject;
  TaskResources: { Requests: TaskResourceSpec; Limits: TaskResourceSpec };
  Interruptible: boolean | null;
  OverwriteCache: boolean;
  EnvironmentVariables: Record<string, string> | null;
}

export interface FlyteWorkflow {
  kind: typeof FLYTE_KIND;
  apiVersion: `${typeof FLYTE_GROUP}/${typeof FLYTE_VERSION}`;
  metadata: ObjectMeta;
  /** null when the closure is offloaded (`workflowClosureReference`). */
  spec: WorkflowSpec | null;
  workflowMeta?: { eventVersion?: number };
  /** The execution inputs (LiteralMap, jsonpb); absent when offloaded (`offloadedInputs`). */
  inputs?: JsonValue;
  /** A WorkflowExecutionIdentifier as a Go struct. */
  executionId: JsonObject;
  /** Task templates (jsonpb) keyed by Identifier text; null when the closure is offloaded. */
  tasks: Record<string, JsonValue> | null;
  subWorkflows?: Record<string, WorkflowSpec>;
  "node-defaults": { interruptible?: boolean };
  /** RFC 3339, whole seconds (metav1.Time). */
  acceptedAt?: string;
  serviceAccountName?: string;
  /** core.SecurityContext as a Go struct. */
  securityContext: JsonObject;
  status: { phase: number };
  /** admin.RawOutputDataConfig as a Go struct. */
  rawOutputDataConfig: JsonObject;
  executionConfig: ExecutionConfig;
  workflowClosureReference?: string;
  consoleUrl?: string;
  offloadedInputs?: string;
}
