/**
 * The hook for what happens after an event is accepted (executions.md §7):
 * notifications on terminal workflow events, the external event publisher,
 * cloud events. The event managers call every registered listener once the
 * event's transaction has committed.
 */

import type {
  NodeExecutionEventRequest,
  TaskExecutionEventRequest,
  WorkflowExecutionEventRequest,
} from "../../proto/gen/flyteidl/admin/event_pb.js";
import type { ExecutionClosure, ExecutionSpec } from "../../proto/gen/flyteidl/admin/execution_pb.js";
import type { WorkflowExecutionIdentifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";

/** An accepted workflow event and the execution as it now is. */
export interface AcceptedWorkflowEvent {
  readonly request: WorkflowExecutionEventRequest;
  readonly executionId: WorkflowExecutionIdentifier;
  readonly closure: ExecutionClosure;
  /** The stored spec, decoded on demand. */
  spec(): ExecutionSpec;
}

/**
 * Reacts to accepted events. Every method is optional.
 *
 * @example
 * listeners.add({ workflowEventAccepted: (e) => notifier.onWorkflowEvent(e) });
 */
export interface EventListener {
  /**
   * After a workflow event. An AdminError thrown here reaches the caller (as
   * FlyteAdmin returns notification errors after the state was committed).
   */
  workflowEventAccepted?(event: AcceptedWorkflowEvent): Promise<void> | void;
  /** After a node event (also the one that created the node). Errors are logged, not returned. */
  nodeEventAccepted?(request: NodeExecutionEventRequest): Promise<void> | void;
  /**
   * After a task event; `created` for an attempt's first event, which
   * FlyteAdmin never publishes. Errors are logged, not returned.
   */
  taskEventAccepted?(request: TaskExecutionEventRequest, created: boolean): Promise<void> | void;
}

/** The listeners the event managers call, in registration order. */
export class EventListeners {
  readonly #listeners: EventListener[] = [];
  readonly #log: (err: unknown, what: string) => void;

  constructor(log: (err: unknown, what: string) => void) {
    this.#log = log;
  }

  add(listener: EventListener): void {
    this.#listeners.push(listener);
  }

  async workflowEventAccepted(event: AcceptedWorkflowEvent): Promise<void> {
    for (const l of this.#listeners) await l.workflowEventAccepted?.(event);
  }

  async nodeEventAccepted(request: NodeExecutionEventRequest): Promise<void> {
    for (const l of this.#listeners) {
      try {
        await l.nodeEventAccepted?.(request);
      } catch (err) {
        this.#log(err, "node event listener failed");
      }
    }
  }

  async taskEventAccepted(request: TaskExecutionEventRequest, created: boolean): Promise<void> {
    for (const l of this.#listeners) {
      try {
        await l.taskEventAccepted?.(request, created);
      } catch (err) {
        this.#log(err, "task event listener failed");
      }
    }
  }
}
