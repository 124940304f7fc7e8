/**
 * Node execution queries (executions.md §4.1–4.5): get, list (top level or
 * the children of a node or of a task attempt), data, and the dynamic
 * workflow a node compiled.
 */
import { create, fromBinary } from "@bufbuild/protobuf";
import type { DataStore } from "../blob/data-store.js";
import { AdminError } from "../errors/admin-error.js";
import {
  type DynamicNodeWorkflowResponse,
  DynamicNodeWorkflowResponseSchema,
  DynamicWorkflowNodeMetadataSchema,
  type GetDynamicNodeWorkflowRequest,
  type NodeExecution,
  NodeExecutionClosureSchema,
  type NodeExecutionForTaskListRequest,
  type NodeExecutionGetDataRequest,
  type NodeExecutionGetDataResponse,
  NodeExecutionGetDataResponseSchema,
  type NodeExecutionGetRequest,
  type NodeExecutionList,
  type NodeExecutionListRequest,
  NodeExecutionListSchema,
  NodeExecutionMetaDataSchema,
} from "../proto/gen/flyteidl/admin/node_execution_pb.js";
import { type CompiledWorkflowClosure, CompiledWorkflowClosureSchema } from "../proto/gen/flyteidl/core/compiler_pb.js";
import {
  type NodeExecutionIdentifier,
  NodeExecutionIdentifierSchema,
} from "../proto/gen/flyteidl/core/identifier_pb.js";
import { parseFilters } from "../store/list/filters.js";
import { nextToken, parseSort, parseToken, requireLimit } from "../store/list/paging.js";
import type { ExecutionKey } from "../store/repositories/execution-event-repository.js";
import {
  decodeInternalData,
  type NodeExecutionRow,
  nodeExecutionFromRow,
} from "../store/repositories/node-execution-mapper.js";
import type { NodeExecutionRepository, NodeListQuery } from "../store/repositories/node-execution-repository.js";
import { taskAttemptKey } from "../store/repositories/task-execution-mapper.js";
import type { TaskExecutionRepository } from "../store/repositories/task-execution-repository.js";
import { nodeFlyteUrls } from "./data/flyte-urls.js";
import { type DataSettings, inputsData, outputsData } from "./data/literal-data.js";
import { executionKeyOf, missingEntity, nodeKeyOf } from "./events/entity-keys.js";
import { nodeIdText, taskNotFoundText } from "./events/event-errors.js";
import {
  defaultTaskResourceType,
  requireNodeExecutionId,
  requireTaskExecutionId,
  requireWorkflowExecutionId,
} from "./validation/execution-ids.js";

export interface NodeExecutionDeps {
  readonly nodes: NodeExecutionRepository;
  readonly tasks: TaskExecutionRepository;
  readonly blobs: DataStore;
  readonly data: DataSettings;
}

/**
 * Reads node executions.
 *
 * @example
 * const list = await nodeExecutions.list({ workflowExecutionId: id, limit: 100 });
 */
export class NodeExecutionManager {
  readonly #d: NodeExecutionDeps;

  constructor(deps: NodeExecutionDeps) {
    this.#d = deps;
  }

  async get(req: NodeExecutionGetRequest): Promise<NodeExecution> {
    const row = await this.#load(req.id);
    // Propellers before event version 1 did not send the parent flags: derive them from the children.
    const hasChildren =
      decodeInternalData(row.internal_data) === 0 &&
      (await this.#d.nodes.withChildren(executionOf(row), [row.id])).has(row.id);
    return nodeExecutionFromRow(row, { hasChildren });
  }

  /** Top-level nodes of an execution, or the children of the node `unique_parent_id` names. */
  async list(req: NodeExecutionListRequest): Promise<NodeExecutionList> {
    let execution: ExecutionKey;
    try {
      execution = executionKeyOf(requireWorkflowExecutionId(req.workflowExecutionId));
    } catch {
      throw AdminError.missing("execution_id");
    }
    requireLimit(req.limit);
    let scope: NodeListQuery["scope"] = { kind: "top" };
    if (req.uniqueParentId !== "") {
      const parentKey = { ...execution, nodeId: req.uniqueParentId };
      const parent = await this.#d.nodes.idOf(parentKey);
      if (parent === undefined) throw AdminError.notFound(missingEntity("node execution", nodeIdTextOf(parentKey)));
      scope = { kind: "parent", id: parent };
    }
    return this.#page(execution, scope, req);
  }

  /** The node executions a task attempt launched (dynamic and map tasks). */
  async listForTask(req: NodeExecutionForTaskListRequest): Promise<NodeExecutionList> {
    defaultTaskResourceType(req.taskExecutionId);
    const taskId = requireTaskExecutionId(req.taskExecutionId);
    requireLimit(req.limit);
    const key = taskAttemptKey(taskId);
    const attempt = await this.#d.tasks.idOf(key);
    if (attempt === undefined) throw AdminError.notFound(missingEntity("task execution", taskNotFoundText(taskId)));
    const { project, domain, name } = key.node;
    return this.#page({ project, domain, name }, { kind: "task", id: attempt }, req);
  }

  async #page(
    execution: ExecutionKey,
    scope: NodeListQuery["scope"],
    req: { filters: string; sortBy?: NodeExecutionListRequest["sortBy"]; token: string; limit: number },
  ): Promise<NodeExecutionList> {
    const filters = parseFilters(req.filters, "ne");
    const sort = parseSort(req.sortBy, "ne");
    const offset = parseToken(req.token, "ListNodeExecutions");
    const rows = await this.#d.nodes.list({ execution, scope, filters, sort, limit: req.limit, offset });
    const withChildren = await this.#d.nodes.withChildren(
      execution,
      rows.filter((r) => !parentFlagsSet(r)).map((r) => r.id),
    );
    return create(NodeExecutionListSchema, {
      nodeExecutions: rows.map((r) =>
        nodeExecutionFromRow(r, { trimErrorMessage: true, hasChildren: withChildren.has(r.id) }),
      ),
      token: nextToken(offset, rows.length, req.limit),
    });
  }

  /** Inputs, outputs, flyte URLs and, for a dynamic node, the workflow it compiled. */
  async getData(req: NodeExecutionGetDataRequest): Promise<NodeExecutionGetDataResponse> {
    const row = await this.#load(req.id);
    const closure = fromBinary(NodeExecutionClosureSchema, row.closure);
    const out = closure.outputResult;
    const [inputs, outputs] = await Promise.all([
      inputsData(this.#d.blobs, this.#d.data, row.input_uri),
      outputsData(this.#d.blobs, this.#d.data, {
        uri: out.case === "outputUri" ? out.value : "",
        data: out.case === "outputData" ? out.value : undefined,
      }),
    ]);
    const response = create(NodeExecutionGetDataResponseSchema, {
      inputs: inputs.blob,
      outputs: outputs.blob,
      fullInputs: inputs.full,
      fullOutputs: outputs.full,
      flyteUrls: nodeFlyteUrls(req.id as NodeExecutionIdentifier, closure.deckUri !== ""),
    });
    const ref = row.dynamic_workflow_remote_closure_reference;
    if (ref !== "") {
      const compiled = await this.#dynamicClosure(ref);
      response.dynamicWorkflow = create(DynamicWorkflowNodeMetadataSchema, {
        id: compiled.primary?.template?.id,
        compiledWorkflow: compiled,
        dynamicJobSpecUri: closure.dynamicJobSpecUri,
      });
    }
    return response;
  }

  async getDynamicWorkflow(req: GetDynamicNodeWorkflowRequest): Promise<DynamicNodeWorkflowResponse> {
    const row = await this.#load(req.id);
    const ref = row.dynamic_workflow_remote_closure_reference;
    if (ref === "") throw AdminError.notFound("node does not contain dynamic workflow");
    return create(DynamicNodeWorkflowResponseSchema, { compiledWorkflow: await this.#dynamicClosure(ref) });
  }

  async #load(id: NodeExecutionIdentifier | undefined): Promise<NodeExecutionRow> {
    const valid = requireNodeExecutionId(id);
    const row = await this.#d.nodes.get(nodeKeyOf(valid));
    if (row === undefined) throw AdminError.notFound(missingEntity("node execution", nodeIdText(valid)));
    return row;
  }

  async #dynamicClosure(ref: string): Promise<CompiledWorkflowClosure> {
    let closure: CompiledWorkflowClosure;
    try {
      closure = fromBinary(CompiledWorkflowClosureSchema, await this.#d.blobs.read(ref));
    } catch (err) {
      throw AdminError.internal(`Unable to read WorkflowClosure from location ${ref} : ${(err as Error).message}`);
    }
    if (closure.primary === undefined) {
      throw AdminError.internal("Empty primary workflow definition in loaded dynamic workflow model.");
    }
    if (closure.primary.template === undefined) {
      throw AdminError.internal("Empty primary workflow template in loaded dynamic workflow model.");
    }
    return closure;
  }
}

function executionOf(row: NodeExecutionRow): ExecutionKey {
  return { project: row.execution_project, domain: row.execution_domain, name: row.execution_name };
}

function parentFlagsSet(row: NodeExecutionRow): boolean {
  const m = fromBinary(NodeExecutionMetaDataSchema, row.node_execution_metadata);
  return m.isParentNode || m.isDynamic;
}

function nodeIdTextOf(key: ExecutionKey & { nodeId: string }): string {
  const { project, domain, name, nodeId } = key;
  return nodeIdText(create(NodeExecutionIdentifierSchema, { nodeId, executionId: { project, domain, name } }));
}
