/**
 * What runs executions, behind one interface (executions.md §1.6, §5): the
 * execution manager hands an engine everything it needs to start a run and
 * later asks it to abort one. Engines report progress back through the event
 * RPCs, like FlytePropeller; they never write the store directly.
 */
import type { ClusterAssignment } from "../proto/gen/flyteidl/admin/cluster_assignment_pb.js";
import type { RawOutputDataConfig } from "../proto/gen/flyteidl/admin/common_pb.js";
import type {
  ExecutionClusterLabel,
  PluginOverride,
  TaskResourceSpec,
  WorkflowExecutionConfig,
} from "../proto/gen/flyteidl/admin/matchable_resource_pb.js";
import type { CompiledWorkflowClosure } from "../proto/gen/flyteidl/core/compiler_pb.js";
import type { WorkflowExecutionIdentifier } from "../proto/gen/flyteidl/core/identifier_pb.js";
import type { LiteralMap } from "../proto/gen/flyteidl/core/literals_pb.js";

/** Platform task resource defaults and limits (TASK_RESOURCE attribute or `task_resources` config). */
export interface TaskResources {
  readonly defaults: TaskResourceSpec;
  readonly limits: TaskResourceSpec;
}

/** ExecutionParameters: the resolved settings of one launch. */
export interface ExecutionParameters {
  /** The merged inputs (user inputs, launch plan defaults, fixed inputs). */
  readonly inputs: LiteralMap;
  /** When the CreateExecution call was received, microseconds. */
  readonly acceptedAt: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly executionConfig: WorkflowExecutionConfig;
  readonly taskResources: TaskResources;
  readonly eventVersion: number;
  readonly roleNameKey: string;
  readonly rawOutputDataConfig?: RawOutputDataConfig | undefined;
  readonly clusterAssignment?: ClusterAssignment | undefined;
  readonly taskPluginOverrides: readonly PluginOverride[];
  /** Set for RECOVERED executions: the run whose succeeded nodes are reused. */
  readonly recoveryExecution?: WorkflowExecutionIdentifier | undefined;
  readonly executionClusterLabel?: ExecutionClusterLabel | undefined;
}

/** ExecutionData: everything Execute receives. */
export interface ExecutionData {
  readonly namespace: string;
  readonly executionId: WorkflowExecutionIdentifier;
  readonly referenceWorkflowName: string;
  readonly referenceLaunchPlanName: string;
  /** The compiled workflow, with task resource defaults and queues already applied. */
  readonly workflowClosure: CompiledWorkflowClosure;
  /** Where the workflow's compiled closure is stored (for engines that read it offloaded). */
  readonly workflowClosureReference: string;
  readonly executionParameters: ExecutionParameters;
  /** The execution's stored inputs (`.../inputs`). */
  readonly offloadedInputsReference: string;
}

/** What Execute reports: the cluster the run was placed on ("" in single-cluster setups). */
export interface ExecutionInfo {
  readonly cluster: string;
}

export interface AbortData {
  readonly executionId: WorkflowExecutionIdentifier;
  /** The cluster recorded at launch. */
  readonly cluster: string;
  readonly namespace: string;
}

/**
 * An engine. `execute` may refuse by throwing (an AdminError keeps its code,
 * anything else is recorded as "Unknown"); `abort` of a run the engine no
 * longer knows succeeds.
 *
 * @example
 * const { cluster } = await executor.execute(data);
 * await executor.abort({ executionId, cluster, namespace });
 */
export interface WorkflowExecutor {
  /** The `executor.type` this engine implements. */
  readonly type: string;
  execute(data: ExecutionData): Promise<ExecutionInfo>;
  abort(data: AbortData): Promise<void>;
}
