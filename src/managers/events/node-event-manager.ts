/**
 * CreateNodeEvent (executions.md §3.2): creates a node execution on its first
 * event, applies later ones under the phase rules, keeps the event log.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import type { DataStore } from "../../blob/data-store.js";
import { offloadLiteralMap } from "../../blob/literal-offload.js";
import { timestampToMicros } from "../../common/time.js";
import { identifierText } from "../../compiler/index.js";
import { AdminError } from "../../errors/admin-error.js";
import type { NodeExecutionEventRequest } from "../../proto/gen/flyteidl/admin/event_pb.js";
import { CompiledWorkflowClosureSchema } from "../../proto/gen/flyteidl/core/compiler_pb.js";
import {
  type NodeExecutionIdentifier,
  NodeExecutionIdentifierSchema,
  type WorkflowExecutionIdentifier,
} from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { NodeExecutionEvent } from "../../proto/gen/flyteidl/event/event_pb.js";
import type { Database, Executor } from "../../store/database.js";
import type { ExecutionEventRepository } from "../../store/repositories/execution-event-repository.js";
import type { NodeKey } from "../../store/repositories/node-execution-mapper.js";
import type { NodeEventSnapshot, NodeExecutionRepository } from "../../store/repositories/node-execution-repository.js";
import { taskAttemptKey } from "../../store/repositories/task-execution-mapper.js";
import type { TaskExecutionRepository } from "../../store/repositories/task-execution-repository.js";
import {
  requireNodeExecutionId,
  requireTaskExecutionId,
  requireWorkflowExecutionId,
} from "../validation/execution-ids.js";
import { missingEntity, nodeKeyOf } from "./entity-keys.js";
import { nodeEventError, nodeIdText, taskNotFoundText, workflowIdText } from "./event-errors.js";
import type { EventListeners } from "./event-listener.js";
import type { EventSettings } from "./event-settings.js";
import { lockedEventTransaction, lockKeyOf } from "./event-transaction.js";
import { createNodeRecord, type NodeEventInputs, updateNodeRecord } from "./node-event-model.js";
import { type OutputPlan, type OutputResult, planOutput } from "./output-result.js";
import { isNodeTerminal, nodeEventDecision } from "./phase-rules.js";

export interface NodeEventDeps {
  readonly db: Database;
  readonly executions: ExecutionEventRepository;
  readonly nodes: NodeExecutionRepository;
  readonly tasks: TaskExecutionRepository;
  readonly blobs: DataStore;
  readonly settings: EventSettings;
  readonly listeners: EventListeners;
}

const NONE: OutputResult = { case: undefined };

/**
 * Node events.
 *
 * @example
 * await nodeEvents.create(request); // throws AdminError on a refused event
 */
export class NodeEventManager {
  readonly #d: NodeEventDeps;

  constructor(deps: NodeEventDeps) {
    this.#d = deps;
  }

  async create(request: NodeExecutionEventRequest): Promise<void> {
    const event = request.event;
    if (event === undefined) throw AdminError.missing("event");
    const id = requireNodeExecutionId(event.id);
    if (event.occurredAt === undefined) throw AdminError.missing("occurred_at");
    const key = nodeKeyOf(id);
    const plan: OutputPlan = isNodeTerminal(event.phase)
      ? planOutput(event.outputResult, this.#d.settings.inlineEventDataPolicy)
      : { kind: "keep" };
    const inputs = needsBlobs(event, plan)
      ? await this.#writeBlobs(key, id, event, plan)
      : {
          output: plan.kind === "store" ? plan.result : NONE,
          inputUri: event.inputValue.case === "inputUri" ? event.inputValue.value : "",
          dynamicClosureRef: "",
        };
    const logged = { requestId: request.requestId, occurredAt: timestampToMicros(event.occurredAt) };
    const lockKey = lockKeyOf(key.project, key.domain, key.name, "n", key.nodeId);
    await lockedEventTransaction(this.#d.db, lockKey, this.#d.nodes.eventLocks, key, async (trx, snap) => {
      this.#check(snap, id, event);
      if (snap.node === undefined) {
        const parents = await this.#parents(trx, id.executionId, event);
        await this.#d.nodes.save(trx, createNodeRecord(key, event, parents, inputs), logged);
      } else {
        const child = await this.#childExecution(trx, event);
        await this.#d.nodes.save(trx, updateNodeRecord(snap.node, event, inputs, child), logged);
      }
    });
    await this.#d.listeners.nodeEventAccepted(request);
  }

  /** The phase rules; throws the refusal. */
  #check(
    snap: NodeEventSnapshot,
    id: NodeExecutionIdentifier & { executionId: WorkflowExecutionIdentifier },
    event: NodeExecutionEvent,
  ): void {
    if (snap.execution === undefined) {
      const text = workflowIdText(id.executionId);
      throw AdminError.notFound(
        `Failed to get existing execution id: [${text}] with err: ${missingEntity("execution", text)}`,
      );
    }
    const stored = snap.node?.phase;
    const decision = nodeEventDecision(stored, event.phase, snap.execution.cluster, event.producerId);
    if (decision.kind === "accept") return;
    throw nodeEventError(decision, id, snap.node?.id ?? 0, {
      stored: stored ?? event.phase,
      event: event.phase,
      cluster: snap.execution.cluster,
      producerId: event.producerId,
    });
  }

  /**
   * Blobs are written before the transaction, so that no row lock is held
   * during storage I/O; the rules are checked first (without locks) so that a
   * refused event writes nothing.
   */
  async #writeBlobs(
    key: NodeKey,
    id: NodeExecutionIdentifier & { executionId: WorkflowExecutionIdentifier },
    event: NodeExecutionEvent,
    plan: OutputPlan,
  ): Promise<NodeEventInputs> {
    const snap = await this.#d.nodes.snapshot(key);
    this.#check(snap, id, event);
    const { project, domain, name, nodeId } = key;
    const blobs = this.#d.blobs;
    const storedInputs = snap.node?.inputUri ?? "";
    const [inputUri, output, dynamicClosureRef] = await Promise.all([
      event.inputValue.case === "inputData" && storedInputs === ""
        ? offloadLiteralMap(blobs, event.inputValue.value, project, domain, name, nodeId, "offloaded_inputs")
        : Promise.resolve(event.inputValue.case === "inputUri" ? event.inputValue.value : ""),
      plan.kind === "offload"
        ? offloadLiteralMap(blobs, plan.data, project, domain, name, nodeId, "offloaded_outputs").then(
            (uri): OutputResult => ({ case: "outputUri", value: uri }),
          )
        : Promise.resolve(plan.kind === "store" ? plan.result : NONE),
      this.#writeDynamicClosure(key, id, event),
    ]);
    return { inputUri, output, dynamicClosureRef };
  }

  /** A dynamic node's compiled workflow goes to `<metadata prefix>/<p>/<d>/<exec>/<node>/<p>_<d>_<name>_<version>`. */
  async #writeDynamicClosure(key: NodeKey, id: NodeExecutionIdentifier, event: NodeExecutionEvent): Promise<string> {
    if (event.targetMetadata.case !== "taskNodeMetadata") return "";
    const dynamic = event.targetMetadata.value.dynamicWorkflow;
    if (dynamic === undefined) return "";
    const wf = dynamic.id;
    const wfKey = `${wf?.project ?? ""}_${wf?.domain ?? ""}_${wf?.name ?? ""}_${wf?.version ?? ""}`;
    const ref = this.#d.blobs.ref(
      ...this.#d.settings.metadataStoragePrefix,
      key.project,
      key.domain,
      key.name,
      key.nodeId,
      wfKey,
    );
    const closure = dynamic.compiledWorkflow ?? create(CompiledWorkflowClosureSchema);
    try {
      await this.#d.blobs.write(ref, toBinary(CompiledWorkflowClosureSchema, closure));
    } catch (err) {
      throw AdminError.internal(
        `Failed to upload dynamic workflow closure for node id [${nodeIdText(id)}] and workflow id [${identifierText(wf)}] with err: ${(err as Error).message}`,
      );
    }
    return ref;
  }

  /** The rows a new node hangs under: the task attempt that launched it and/or its parent node. */
  async #parents(
    trx: Executor,
    executionId: WorkflowExecutionIdentifier,
    event: NodeExecutionEvent,
  ): Promise<{ parentId: number | null; parentTaskExecutionId: number | null }> {
    let parentTaskExecutionId: number | null = null;
    if (event.parentTaskMetadata !== undefined) {
      const taskId = requireTaskExecutionId(event.parentTaskMetadata.id);
      const found = await this.#d.tasks.idOf(taskAttemptKey(taskId), trx);
      if (found === undefined) throw AdminError.notFound(missingEntity("task execution", taskNotFoundText(taskId)));
      parentTaskExecutionId = found;
    }
    let parentId: number | null = null;
    if (event.parentNodeMetadata !== undefined) {
      if (event.parentNodeMetadata.nodeId === "") throw AdminError.missing("parent_node_metadata.node_id");
      const parent = create(NodeExecutionIdentifierSchema, { executionId, nodeId: event.parentNodeMetadata.nodeId });
      const found = await this.#d.nodes.idOf(nodeKeyOf(parent), trx);
      if (found === undefined) throw AdminError.notFound(missingEntity("node execution", nodeIdText(parent)));
      parentId = found;
    }
    return { parentId, parentTaskExecutionId };
  }

  /** The execution a launch-plan or sub-workflow node started, which must exist. */
  async #childExecution(trx: Executor, event: NodeExecutionEvent): Promise<WorkflowExecutionIdentifier | undefined> {
    if (event.targetMetadata.case !== "workflowNodeMetadata") return undefined;
    const child = requireWorkflowExecutionId(
      event.targetMetadata.value.executionId,
      "workflow_node_metadata.execution_id",
    );
    if ((await this.#d.executions.ref(trx, child)) === undefined) {
      throw AdminError.notFound(missingEntity("execution", workflowIdText(child)));
    }
    return child;
  }
}

function needsBlobs(event: NodeExecutionEvent, plan: OutputPlan): boolean {
  return (
    plan.kind === "offload" ||
    event.inputValue.case === "inputData" ||
    (event.targetMetadata.case === "taskNodeMetadata" && event.targetMetadata.value.dynamicWorkflow !== undefined)
  );
}
