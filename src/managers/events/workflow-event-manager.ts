/**
 * CreateWorkflowEvent (executions.md §3.1): moves an existing execution
 * through its phases under the phase rules, records its result and start,
 * end and cluster, keeps the event log, then tells the listeners (which send
 * notifications for terminal phases).
 */
import { fromBinary } from "@bufbuild/protobuf";
import type { DataStore } from "../../blob/data-store.js";
import { offloadLiteralMap } from "../../blob/literal-offload.js";
import { timestampToMicros } from "../../common/time.js";
import { protoText } from "../../compiler/index.js";
import { AdminError } from "../../errors/admin-error.js";
import type { WorkflowExecutionEventRequest } from "../../proto/gen/flyteidl/admin/event_pb.js";
import { ExecutionSpecSchema } from "../../proto/gen/flyteidl/admin/execution_pb.js";
import type { WorkflowExecutionIdentifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { type WorkflowExecutionEvent, WorkflowExecutionEventSchema } from "../../proto/gen/flyteidl/event/event_pb.js";
import type { Database } from "../../store/database.js";
import type {
  ExecutionEventRecord,
  ExecutionEventRepository,
  ExecutionKey,
} from "../../store/repositories/execution-event-repository.js";
import { requireWorkflowExecutionId } from "../validation/execution-ids.js";
import { executionKeyOf, missingEntity } from "./entity-keys.js";
import { workflowEventError, workflowIdText, workflowPhaseName } from "./event-errors.js";
import type { EventListeners } from "./event-listener.js";
import type { EventSettings } from "./event-settings.js";
import { groupedEventTransaction, lockKeyOf } from "./event-transaction.js";
import { checkOutputSize, type OutputResult, planOutput } from "./output-result.js";
import { workflowEventDecision } from "./phase-rules.js";
import { applyWorkflowEvent } from "./workflow-event-model.js";

export interface WorkflowEventDeps {
  readonly db: Database;
  readonly executions: ExecutionEventRepository;
  readonly blobs: DataStore;
  readonly settings: EventSettings;
  readonly listeners: EventListeners;
}

/**
 * Workflow events.
 *
 * @example
 * await workflowEvents.create(request); // throws AdminError on a refused event
 */
export class WorkflowEventManager {
  readonly #d: WorkflowEventDeps;

  constructor(deps: WorkflowEventDeps) {
    this.#d = deps;
  }

  async create(request: WorkflowExecutionEventRequest): Promise<void> {
    const event = request.event;
    if (event === undefined) throw AdminError.invalidArgument("Workflow event handler was called without event");
    if (event.executionId === undefined) {
      throw AdminError.invalidArgument(
        `Workflow event handler request event doesn't have an execution id - ${protoText(WorkflowExecutionEventSchema, event)}`,
      );
    }
    const id = requireWorkflowExecutionId(event.executionId, "execution_id");
    checkOutputSize(event.outputResult, this.#d.settings.maxSizeInBytes);
    if (event.occurredAt === undefined) throw AdminError.missing("occurred_at");
    const key = executionKeyOf(id);
    const output = await this.#output(key, id, event);
    const occurredAt = timestampToMicros(event.occurredAt);
    const after = await groupedEventTransaction(
      this.#d.db,
      lockKeyOf(key.project, key.domain, key.name),
      async (trx) => {
        const before = await this.#d.executions.lockForEvent(trx, key);
        this.#check(before, id, event);
        const next = applyWorkflowEvent(before as ExecutionEventRecord, event, output);
        await this.#d.executions.saveEvent(trx, before as ExecutionEventRecord, next);
        await this.#d.executions.recordEvent(trx, key, request.requestId, occurredAt, workflowPhaseName(event.phase));
        return next;
      },
    );
    await this.#d.listeners.workflowEventAccepted({
      request,
      executionId: id,
      closure: after.closure,
      spec: () => fromBinary(ExecutionSpecSchema, after.spec),
    });
  }

  #check(
    stored: ExecutionEventRecord | undefined,
    id: WorkflowExecutionIdentifier,
    event: WorkflowExecutionEvent,
  ): asserts stored is ExecutionEventRecord {
    if (stored === undefined) throw AdminError.notFound(missingEntity("execution", workflowIdText(id)));
    const decision = workflowEventDecision(stored.phase, event.phase, stored.cluster, event.producerId);
    if (decision.kind === "accept") return;
    throw workflowEventError(decision, id, {
      stored: stored.phase,
      event: event.phase,
      cluster: stored.cluster,
      producerId: event.producerId,
    });
  }

  /**
   * The result as stored. Inline outputs to offload are written before the
   * transaction, once the rules (checked without a lock) accept the event.
   */
  async #output(
    key: ExecutionKey,
    id: WorkflowExecutionIdentifier,
    event: WorkflowExecutionEvent,
  ): Promise<OutputResult> {
    const plan = planOutput(event.outputResult, this.#d.settings.inlineEventDataPolicy);
    if (plan.kind === "keep") return { case: undefined };
    if (plan.kind === "store") return plan.result;
    this.#check(await this.#d.executions.read(key), id, event);
    const uri = await offloadLiteralMap(
      this.#d.blobs,
      plan.data,
      key.project,
      key.domain,
      key.name,
      "offloaded_outputs",
    );
    return { case: "outputUri", value: uri };
  }
}
