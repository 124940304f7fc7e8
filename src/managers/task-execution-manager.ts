/**
 * Task execution queries (executions.md §4.6–4.8): one attempt, a node's
 * attempts, and an attempt's data.
 */
import { create } from "@bufbuild/protobuf";
import type { DataStore } from "../blob/data-store.js";
import { AdminError } from "../errors/admin-error.js";
import {
  type TaskExecution,
  type TaskExecutionGetDataRequest,
  type TaskExecutionGetDataResponse,
  TaskExecutionGetDataResponseSchema,
  type TaskExecutionGetRequest,
  type TaskExecutionList,
  type TaskExecutionListRequest,
  TaskExecutionListSchema,
} from "../proto/gen/flyteidl/admin/task_execution_pb.js";
import type { TaskExecutionIdentifier } from "../proto/gen/flyteidl/core/identifier_pb.js";
import { parseFilters } from "../store/list/filters.js";
import { nextToken, parseSort, parseToken, requireLimit } from "../store/list/paging.js";
import { taskAttemptKey, taskExecutionFromRow } from "../store/repositories/task-execution-mapper.js";
import type { TaskExecutionRepository } from "../store/repositories/task-execution-repository.js";
import { taskFlyteUrls } from "./data/flyte-urls.js";
import { type DataSettings, inputsData, outputsData } from "./data/literal-data.js";
import { missingEntity, nodeKeyOf } from "./events/entity-keys.js";
import { taskNotFoundText } from "./events/event-errors.js";
import { defaultTaskResourceType, requireNodeExecutionId, requireTaskExecutionId } from "./validation/execution-ids.js";

export interface TaskExecutionDeps {
  readonly tasks: TaskExecutionRepository;
  readonly blobs: DataStore;
  readonly data: DataSettings;
}

/**
 * Reads task attempts.
 *
 * @example
 * const attempts = await taskExecutions.list({ nodeExecutionId, limit: 10 });
 */
export class TaskExecutionManager {
  readonly #d: TaskExecutionDeps;

  constructor(deps: TaskExecutionDeps) {
    this.#d = deps;
  }

  get(req: TaskExecutionGetRequest): Promise<TaskExecution> {
    return this.#attempt(req.id);
  }

  /** The attempt an id names; an unspecified task resource type means TASK (the RPC layer's default). */
  async #attempt(id: TaskExecutionIdentifier | undefined): Promise<TaskExecution> {
    defaultTaskResourceType(id);
    const valid = requireTaskExecutionId(id);
    const row = await this.#d.tasks.get(taskAttemptKey(valid));
    if (row === undefined) throw AdminError.notFound(missingEntity("task execution", taskNotFoundText(valid)));
    return taskExecutionFromRow(row, Boolean(row.is_parent));
  }

  /** A node's attempts; error messages are not cut (the console shows whole stack traces). */
  async list(req: TaskExecutionListRequest): Promise<TaskExecutionList> {
    const node = nodeKeyOf(requireNodeExecutionId(req.nodeExecutionId));
    requireLimit(req.limit);
    const filters = parseFilters(req.filters, "te");
    const sort = parseSort(req.sortBy, "te");
    const offset = parseToken(req.token, "ListTaskExecutions");
    const rows = await this.#d.tasks.list({ node, filters, sort, limit: req.limit, offset });
    return create(TaskExecutionListSchema, {
      taskExecutions: rows.map((r) => taskExecutionFromRow(r, Boolean(r.is_parent))),
      token: nextToken(offset, rows.length, req.limit),
    });
  }

  async getData(req: TaskExecutionGetDataRequest): Promise<TaskExecutionGetDataResponse> {
    const attempt = await this.#attempt(req.id);
    const out = attempt.closure?.outputResult;
    const [inputs, outputs] = await Promise.all([
      inputsData(this.#d.blobs, this.#d.data, attempt.inputUri),
      outputsData(this.#d.blobs, this.#d.data, {
        uri: out?.case === "outputUri" ? out.value : "",
        data: out?.case === "outputData" ? out.value : undefined,
      }),
    ]);
    return create(TaskExecutionGetDataResponseSchema, {
      inputs: inputs.blob,
      outputs: outputs.blob,
      fullInputs: inputs.full,
      fullOutputs: outputs.full,
      flyteUrls: taskFlyteUrls(attempt.id as TaskExecutionIdentifier),
    });
  }
}
