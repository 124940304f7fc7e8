/**
 * The phase rules of event ingestion (executions.md §3): given what is stored
 * and what an event reports, whether the event is applied, is a duplicate, or
 * is refused. Pure functions; the event managers turn a refusal into the
 * AdminError FlytePropeller expects (event-errors.ts).
 */
import {
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from "../../proto/gen/flyteidl/core/execution_pb.js";

/** What to do with an event. */
export type EventDecision =
  /** Apply it (create or update the row). */
  | { readonly kind: "accept" }
  /** The stored state already has this phase (and version): ALREADY_EXISTS. */
  | { readonly kind: "duplicate" }
  /** The stored phase is terminal: FAILED_PRECONDITION with AlreadyInTerminalState. */
  | { readonly kind: "terminal" }
  /** The event comes from another cluster than the one recorded: FAILED_PRECONDITION with IncompatibleCluster. */
  | { readonly kind: "cluster-mismatch" }
  /** Workflow only: RUNNING back to QUEUED. */
  | { readonly kind: "backwards" }
  /** Workflow only: an ABORTING execution accepts only terminal phases. */
  | { readonly kind: "aborting" };

const ACCEPT: EventDecision = Object.freeze({ kind: "accept" });
const decided = (kind: EventDecision["kind"]): EventDecision => (kind === "accept" ? ACCEPT : { kind });

/** The producer id old propellers hard-code; like an empty one, it is accepted from any cluster. */
export const DEFAULT_PRODUCER_ID = "propeller";

const WORKFLOW_TERMINAL: ReadonlySet<WorkflowExecution_Phase> = new Set([
  WorkflowExecution_Phase.SUCCEEDED,
  WorkflowExecution_Phase.FAILED,
  WorkflowExecution_Phase.TIMED_OUT,
  WorkflowExecution_Phase.ABORTED,
]);

const NODE_TERMINAL: ReadonlySet<NodeExecution_Phase> = new Set([
  NodeExecution_Phase.SUCCEEDED,
  NodeExecution_Phase.FAILED,
  NodeExecution_Phase.TIMED_OUT,
  NodeExecution_Phase.ABORTED,
  NodeExecution_Phase.SKIPPED,
  NodeExecution_Phase.RECOVERED,
]);

/** RETRYABLE_FAILED is deliberately not terminal: FlyteAdmin treats it as an ordinary phase. */
const TASK_TERMINAL: ReadonlySet<TaskExecution_Phase> = new Set([
  TaskExecution_Phase.SUCCEEDED,
  TaskExecution_Phase.FAILED,
  TaskExecution_Phase.ABORTED,
]);

export const isWorkflowTerminal = (p: WorkflowExecution_Phase): boolean => WORKFLOW_TERMINAL.has(p);
export const isNodeTerminal = (p: NodeExecution_Phase): boolean => NODE_TERMINAL.has(p);
export const isTaskTerminal = (p: TaskExecution_Phase): boolean => TASK_TERMINAL.has(p);

/**
 * Whether an event's producer may report on an execution recorded on `cluster`:
 * an empty producer or the default one always may.
 */
export function clusterAccepts(cluster: string, producerId: string): boolean {
  return producerId === "" || producerId === DEFAULT_PRODUCER_ID || producerId === cluster;
}

/** Whether an accepted workflow event moves the execution to the event's producer (cluster reassignment). */
export function reassignsCluster(event: WorkflowExecution_Phase, producerId: string): boolean {
  if (producerId === "" || producerId === DEFAULT_PRODUCER_ID) return false;
  return event === WorkflowExecution_Phase.UNDEFINED || event === WorkflowExecution_Phase.QUEUED;
}

/**
 * CreateWorkflowEvent's rules, in FlyteAdmin's order: a repeated phase (other
 * than QUEUED, which announces cluster reassignment) is a duplicate; then the
 * cluster; then a terminal execution refuses everything; RUNNING may not go
 * back to QUEUED; ABORTING accepts only terminal phases. Everything else,
 * including skipped phases and other backward moves, is applied.
 *
 * @example
 * workflowEventDecision(WorkflowExecution_Phase.RUNNING, WorkflowExecution_Phase.RUNNING, "", "") // duplicate
 */
export function workflowEventDecision(
  stored: WorkflowExecution_Phase,
  event: WorkflowExecution_Phase,
  cluster: string,
  producerId: string,
): EventDecision {
  if (event !== WorkflowExecution_Phase.QUEUED) {
    if (event === stored) return decided("duplicate");
    if (!clusterAccepts(cluster, producerId)) return decided("cluster-mismatch");
  }
  if (isWorkflowTerminal(stored)) return decided("terminal");
  if (stored === WorkflowExecution_Phase.RUNNING && event === WorkflowExecution_Phase.QUEUED) {
    return decided("backwards");
  }
  if (stored === WorkflowExecution_Phase.ABORTING && !isWorkflowTerminal(event)) return decided("aborting");
  return ACCEPT;
}

/**
 * CreateNodeEvent's rules: the cluster is checked for every event; a node seen
 * for the first time (`stored` undefined) is created; then a repeated phase is
 * a duplicate and a terminal node refuses everything. There is no other
 * ordering rule (RUNNING back to QUEUED is applied).
 */
export function nodeEventDecision(
  stored: NodeExecution_Phase | undefined,
  event: NodeExecution_Phase,
  cluster: string,
  producerId: string,
): EventDecision {
  if (!clusterAccepts(cluster, producerId)) return decided("cluster-mismatch");
  if (stored === undefined) return ACCEPT;
  if (stored === event) return decided("duplicate");
  if (isNodeTerminal(stored)) return decided("terminal");
  return ACCEPT;
}

/** A task attempt's stored phase and phase version. */
export interface TaskPhaseState {
  readonly phase: TaskExecution_Phase;
  readonly version: number;
}

/**
 * CreateTaskEvent's rules: the cluster first; a new attempt is created; the
 * same phase at a version not above the stored one is a duplicate (a higher
 * version is an update: log links, reasons); a terminal attempt refuses
 * everything else. No ordering rule otherwise.
 */
export function taskEventDecision(
  stored: TaskPhaseState | undefined,
  event: TaskPhaseState,
  cluster: string,
  producerId: string,
): EventDecision {
  if (!clusterAccepts(cluster, producerId)) return decided("cluster-mismatch");
  if (stored === undefined) return ACCEPT;
  if (stored.phase === event.phase && stored.version >= event.version) return decided("duplicate");
  if (isTaskTerminal(stored.phase)) return decided("terminal");
  return ACCEPT;
}
