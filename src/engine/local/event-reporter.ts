/**
 * Sends the engine's workflow, node and task events through the control
 * plane, shaped and handled as FlytePropeller's event recorders do: every
 * event carries the producer id and event version; a phase already recorded
 * (ALREADY_EXISTS) is fine; a refusal because the execution is already
 * terminal (FAILED_PRECONDITION, e.g. it was aborted meanwhile) tells the
 * caller to stop; other failures are retried a few times with backoff.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { Logger } from "pino";
import { AdminError, Code } from "../../errors/admin-error.js";
import {
  NodeExecutionEventRequestSchema,
  TaskExecutionEventRequestSchema,
  WorkflowExecutionEventRequestSchema,
} from "../../proto/gen/flyteidl/admin/event_pb.js";
import type { ExecutionError, WorkflowExecution_Phase } from "../../proto/gen/flyteidl/core/execution_pb.js";
import type { WorkflowExecutionIdentifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import {
  type NodeExecutionEvent,
  NodeExecutionEventSchema,
  type TaskExecutionEvent,
  TaskExecutionEventSchema,
  WorkflowExecutionEventSchema,
} from "../../proto/gen/flyteidl/event/event_pb.js";
import type { EngineControlPlane } from "./control-plane.js";

/** The cluster the local engine's executions are recorded on (restart recovery finds them by it). */
export const LOCAL_CLUSTER = "local";
/**
 * The producer id of its events: FlytePropeller's default cluster id, which the admin accepts whatever cluster is
 * recorded (the first event can arrive before CreateExecution has recorded the cluster).
 */
export const PRODUCER_ID = "propeller";

/** What happened to an event. */
export type EventOutcome = "recorded" | "duplicate" | "terminal" | "missing";

/** Event fields the reporter fills in itself. */
type Filled = "producerId" | "occurredAt" | "reportedAt" | "eventVersion";

export type NodeEventInit = Omit<MessageInitShape<typeof NodeExecutionEventSchema>, Filled | "$typeName"> &
  Pick<NodeExecutionEvent, "phase">;
export type TaskEventInit = Omit<MessageInitShape<typeof TaskExecutionEventSchema>, Filled | "$typeName"> &
  Pick<TaskExecutionEvent, "phase">;

const RETRY_DELAYS_MS = [50, 200, 1000, 3000];

/**
 * The event sink of one engine.
 *
 * @example
 * const events = new EventReporter(controlPlane, logger);
 * await events.workflow(executionId, WorkflowExecution_Phase.RUNNING);
 */
export class EventReporter {
  readonly #cp: EngineControlPlane;
  readonly #logger: Logger;
  #lastMs = 0;
  #closed = false;

  constructor(controlPlane: EngineControlPlane, logger: Logger) {
    this.#cp = controlPlane;
    this.#logger = logger;
  }

  /** Strictly increasing event times, so that phases recorded in one millisecond keep their order. */
  now() {
    const ms = Math.max(Date.now(), this.#lastMs + 1);
    this.#lastMs = ms;
    return timestampFromMs(ms);
  }

  async workflow(
    executionId: WorkflowExecutionIdentifier,
    phase: WorkflowExecution_Phase,
    result?: { outputUri?: string | undefined; error?: ExecutionError | undefined },
  ): Promise<EventOutcome> {
    const outputResult = result?.error
      ? ({ case: "error", value: result.error } as const)
      : result?.outputUri
        ? ({ case: "outputUri", value: result.outputUri } as const)
        : ({ case: undefined } as const);
    const event = create(WorkflowExecutionEventSchema, {
      executionId,
      producerId: PRODUCER_ID,
      phase,
      occurredAt: this.now(),
      outputResult,
    });
    return this.#send("workflow", () =>
      this.#cp.createWorkflowEvent(create(WorkflowExecutionEventRequestSchema, { requestId: "", event })),
    );
  }

  async node(init: NodeEventInit): Promise<EventOutcome> {
    const at = this.now();
    const event = create(NodeExecutionEventSchema, {
      ...init,
      producerId: PRODUCER_ID,
      occurredAt: at,
      reportedAt: at,
      eventVersion: 1,
    });
    return this.#send("node", () =>
      this.#cp.createNodeEvent(create(NodeExecutionEventRequestSchema, { requestId: "", event })),
    );
  }

  async task(init: TaskEventInit): Promise<EventOutcome> {
    const at = this.now();
    const event = create(TaskExecutionEventSchema, {
      ...init,
      producerId: PRODUCER_ID,
      occurredAt: at,
      reportedAt: at,
      eventVersion: 1,
    });
    return this.#send("task", () =>
      this.#cp.createTaskEvent(create(TaskExecutionEventRequestSchema, { requestId: "", event })),
    );
  }

  /**
   * Nothing more is reported (the server is stopping: what runs now is resumed, and reported, by the next server).
   * Events answer "terminal", so that whatever sends them stops.
   */
  close(): void {
    this.#closed = true;
  }

  async #send(kind: string, call: () => Promise<void>): Promise<EventOutcome> {
    for (let attempt = 0; ; attempt++) {
      if (this.#closed) return "terminal";
      try {
        await call();
        return "recorded";
      } catch (err) {
        if (err instanceof AdminError) {
          if (err.code === Code.ALREADY_EXISTS) return "duplicate";
          if (err.code === Code.FAILED_PRECONDITION) return "terminal";
          if (err.code === Code.NOT_FOUND) return "missing";
          if (err.code === Code.INVALID_ARGUMENT || err.code === Code.RESOURCE_EXHAUSTED) throw err;
        }
        const delay = RETRY_DELAYS_MS[attempt];
        if (delay === undefined) throw err;
        this.#logger.warn({ err, kind }, "recording an engine event failed; retrying");
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
