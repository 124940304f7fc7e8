/**
 * CreateTaskEvent (executions.md §3.3): one row per task attempt (task id,
 * node execution, retry attempt), created by its first event and updated by
 * later phases and phase versions.
 */

import { create } from "@bufbuild/protobuf";
import type { DataStore } from "../../blob/data-store.js";
import { offloadLiteralMap } from "../../blob/literal-offload.js";
import { AdminError } from "../../errors/admin-error.js";
import type { TaskExecutionEventRequest } from "../../proto/gen/flyteidl/admin/event_pb.js";
import {
  type TaskExecutionIdentifier,
  TaskExecutionIdentifierSchema,
} from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { TaskExecutionEvent } from "../../proto/gen/flyteidl/event/event_pb.js";
import type { Database } from "../../store/database.js";
import { type TaskAttemptKey, taskAttemptKey } from "../../store/repositories/task-execution-mapper.js";
import type { TaskEventSnapshot, TaskExecutionRepository } from "../../store/repositories/task-execution-repository.js";
import { requireTaskExecutionId } from "../validation/execution-ids.js";
import { missingEntity } from "./entity-keys.js";
import { nodeIdText, taskEventError, workflowIdText } from "./event-errors.js";
import type { EventListeners } from "./event-listener.js";
import type { EventSettings } from "./event-settings.js";
import { lockedEventTransaction, lockKeyOf } from "./event-transaction.js";
import { checkOutputSize, type OutputPlan, type OutputResult, planOutput } from "./output-result.js";
import { isTaskTerminal, taskEventDecision } from "./phase-rules.js";
import { createTaskRecord, type TaskEventInputs, updateTaskRecord } from "./task-event-model.js";

export interface TaskEventDeps {
  readonly db: Database;
  readonly tasks: TaskExecutionRepository;
  readonly blobs: DataStore;
  readonly settings: EventSettings;
  readonly listeners: EventListeners;
}

const NONE: OutputResult = { case: undefined };

/**
 * Task events.
 *
 * @example
 * await taskEvents.create(request); // throws AdminError on a refused event
 */
export class TaskEventManager {
  readonly #d: TaskEventDeps;

  constructor(deps: TaskEventDeps) {
    this.#d = deps;
  }

  async create(request: TaskExecutionEventRequest): Promise<void> {
    const event = request.event;
    if (event === undefined) throw AdminError.missing("event");
    if (event.occurredAt === undefined) throw AdminError.missing("occurred_at");
    checkOutputSize(event.outputResult, this.#d.settings.maxSizeInBytes);
    const id = requireTaskExecutionId(
      create(TaskExecutionIdentifierSchema, {
        taskId: event.taskId,
        nodeExecutionId: event.parentNodeExecutionId,
        retryAttempt: event.retryAttempt,
      }),
    );
    const key = taskAttemptKey(id);
    const plan: OutputPlan = isTaskTerminal(event.phase)
      ? planOutput(event.outputResult, this.#d.settings.inlineEventDataPolicy)
      : { kind: "keep" };
    const inputs =
      plan.kind === "offload" || event.inputValue.case === "inputData"
        ? await this.#writeBlobs(key, id, event, plan)
        : {
            output: plan.kind === "store" ? plan.result : NONE,
            inputUri: event.inputValue.case === "inputUri" ? event.inputValue.value : "",
          };
    const { node, task } = key;
    const lockKey = lockKeyOf(
      node.project,
      node.domain,
      node.name,
      "n",
      node.nodeId,
      "t",
      task.project,
      task.domain,
      task.name,
      task.version,
      key.retryAttempt,
    );
    const created = await lockedEventTransaction(
      this.#d.db,
      lockKey,
      this.#d.tasks.eventLocks,
      key,
      async (trx, snap) => {
        this.#check(snap, id, event);
        if (snap.task === undefined) {
          await this.#d.tasks.insert(trx, createTaskRecord(key, event, inputs));
          return true;
        }
        await this.#d.tasks.update(trx, snap.task.id as number, updateTaskRecord(snap.task, event, inputs));
        return false;
      },
    );
    await this.#d.listeners.taskEventAccepted(request, created);
  }

  /** The rules in FlyteAdmin's order: execution, cluster, node (for a new attempt), duplicate, terminal. */
  #check(snap: TaskEventSnapshot, id: TaskExecutionIdentifier, event: TaskExecutionEvent): void {
    // The id was validated: both are set.
    const nodeId = id.nodeExecutionId!;
    if (snap.execution === undefined) {
      throw AdminError.notFound(missingEntity("execution", workflowIdText(nodeId.executionId!)));
    }
    const stored = snap.task === undefined ? undefined : { phase: snap.task.phase, version: snap.task.phaseVersion };
    const decision = taskEventDecision(
      stored,
      { phase: event.phase, version: event.phaseVersion },
      snap.execution.cluster,
      event.producerId,
    );
    if (decision.kind === "accept" && stored === undefined && !snap.nodeExists) {
      throw AdminError.notFound(
        `Failed to get existing node execution id: [${nodeIdText(nodeId)}] with err: entry not found`,
      );
    }
    if (decision.kind === "accept") return;
    throw taskEventError(decision, id, {
      stored: stored?.phase ?? event.phase,
      event: event.phase,
      eventVersion: event.phaseVersion,
      cluster: snap.execution.cluster,
      producerId: event.producerId,
    });
  }

  /** Offloaded inputs and outputs are written before the transaction, once the rules (checked unlocked) accept the event. */
  async #writeBlobs(
    key: TaskAttemptKey,
    id: TaskExecutionIdentifier,
    event: TaskExecutionEvent,
    plan: OutputPlan,
  ): Promise<TaskEventInputs> {
    const snap = await this.#d.tasks.snapshot(key);
    this.#check(snap, id, event);
    const { node, task, retryAttempt } = key;
    const prefix = [
      node.project,
      node.domain,
      node.name,
      node.nodeId,
      task.project,
      task.domain,
      task.name,
      task.version,
      String(retryAttempt),
    ];
    const storedInputs = snap.task?.inputUri ?? "";
    const [inputUri, output] = await Promise.all([
      event.inputValue.case === "inputData" && storedInputs === ""
        ? offloadLiteralMap(this.#d.blobs, event.inputValue.value, ...prefix, "offloaded_inputs")
        : Promise.resolve(event.inputValue.case === "inputUri" ? event.inputValue.value : ""),
      plan.kind === "offload"
        ? offloadLiteralMap(this.#d.blobs, plan.data, ...prefix, "offloaded_outputs").then(
            (uri): OutputResult => ({ case: "outputUri", value: uri }),
          )
        : Promise.resolve(plan.kind === "store" ? plan.result : NONE),
    ]);
    return { inputUri, output };
  }
}
