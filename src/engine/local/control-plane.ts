/**
 * What the local engine needs from the admin, as FlytePropeller needs it
 * from FlyteAdmin: the three event RPCs, CreateExecution / GetExecution /
 * GetExecutionData / TerminateExecution for launch plan nodes, GetLaunchPlan
 * for dynamic workflows that call launch plans, and SignalService's
 * GetOrCreateSignal for gate nodes. The server implements it by calling the
 * same managers the RPC handlers call, in-process; the engine never touches
 * the store's rows itself.
 */
import type {
  NodeExecutionEventRequest,
  TaskExecutionEventRequest,
  WorkflowExecutionEventRequest,
} from "../../proto/gen/flyteidl/admin/event_pb.js";
import type { Execution, ExecutionCreateRequest } from "../../proto/gen/flyteidl/admin/execution_pb.js";
import type { LaunchPlan } from "../../proto/gen/flyteidl/admin/launch_plan_pb.js";
import type { Signal, SignalGetOrCreateRequest } from "../../proto/gen/flyteidl/admin/signal_pb.js";
import type { ExecutionError, NodeExecution_Phase } from "../../proto/gen/flyteidl/core/execution_pb.js";
import type { Identifier, WorkflowExecutionIdentifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { LiteralMap } from "../../proto/gen/flyteidl/core/literals_pb.js";

/** An execution this engine was running when the server stopped. */
export interface UnfinishedExecution {
  readonly id: WorkflowExecutionIdentifier;
  /** The stored phase name (`RUNNING`, `ABORTING`, ...). */
  readonly phase: string;
  /** The recorded cluster: the engine's, or "" when the server stopped before recording it. */
  readonly cluster?: string | undefined;
}

/** A node or task execution left in a non-terminal phase. */
export interface UnfinishedNode {
  readonly nodeId: string;
  readonly phase: string;
  /** Task attempts of the node left non-terminal. */
  readonly tasks: ReadonlyArray<{ readonly taskId: Identifier; readonly retryAttempt: number; readonly phase: string }>;
}

/** A node execution as recorded, for resuming an execution after a restart. */
export interface RecordedNode {
  /** The id its events carry (unique below the top level). */
  readonly nodeId: string;
  readonly phase: NodeExecution_Phase;
  /** Where its outputs are ("" when it has none or has not ended). */
  readonly outputUri: string;
  readonly error?: ExecutionError | undefined;
  /** When it started running (or was created), ms. */
  readonly startedAtMs: number;
  /** Its task attempts that FAILED with a system error (they count against the system retry budget). */
  readonly systemFailedAttempts: readonly number[];
}

/** A node a recovery execution can take over instead of running it. */
export interface RecoverableNode {
  /** Undefined when the outputs could not be read (a task without outputs writes none). */
  readonly outputs: LiteralMap | undefined;
}

/**
 * The admin as the engine sees it. Methods throw AdminError as the
 * corresponding RPC would answer.
 */
export interface EngineControlPlane {
  createWorkflowEvent(request: WorkflowExecutionEventRequest): Promise<void>;
  createNodeEvent(request: NodeExecutionEventRequest): Promise<void>;
  createTaskEvent(request: TaskExecutionEventRequest): Promise<void>;
  /** CreateExecution, as a launch plan node calls it (the caller is the engine, not a user). */
  createExecution(request: ExecutionCreateRequest): Promise<void>;
  getExecution(id: WorkflowExecutionIdentifier): Promise<Execution>;
  /** The outputs of a succeeded execution (GetExecutionData's `full_outputs`, read from the blob when offloaded). */
  getExecutionOutputs(id: WorkflowExecutionIdentifier): Promise<LiteralMap>;
  terminateExecution(id: WorkflowExecutionIdentifier, cause: string): Promise<void>;
  getLaunchPlan(id: Identifier): Promise<LaunchPlan>;
  getOrCreateSignal(request: SignalGetOrCreateRequest): Promise<Signal>;
  /** Executions recorded on `cluster` (or on none yet) whose phase is not terminal (for resuming after a restart). */
  listUnfinishedExecutions(cluster: string): Promise<UnfinishedExecution[]>;
  /** The node executions of `id` (any depth) whose phase is not terminal, with their open task attempts. */
  listUnfinishedNodes(id: WorkflowExecutionIdentifier): Promise<UnfinishedNode[]>;
  /** Every node execution of `id` (any depth), as recorded: the engine resumes the execution from them. */
  listRecordedNodes(id: WorkflowExecutionIdentifier): Promise<RecordedNode[]>;
  /**
   * For RecoverExecution: node `nodeId` of execution `id` when it SUCCEEDED (or was itself RECOVERED), with its
   * outputs when they can be read; undefined when that node did not succeed there.
   */
  recoverableNode(id: WorkflowExecutionIdentifier, nodeId: string): Promise<RecoverableNode | undefined>;
}
