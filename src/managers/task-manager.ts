/**
 * Tasks (entities.md §2): registration with FlyteAdmin's validations, resource
 * checks, compilation and duplicate handling; reads and lists.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { LruCache } from "../common/lru-cache.js";
import { nowMicros } from "../common/time.js";
import { compileTask, formatCompileErrors } from "../compiler/index.js";
import { AdminError } from "../errors/admin-error.js";
import { markFinal } from "../proto/encoded-once.js";
import type {
  NamedEntityIdentifierList,
  NamedEntityIdentifierListRequest,
  ObjectGetRequest,
  ResourceListRequest,
} from "../proto/gen/flyteidl/admin/common_pb.js";
import type { TaskResourceAttributes } from "../proto/gen/flyteidl/admin/matchable_resource_pb.js";
import {
  type Task,
  type TaskCreateRequest,
  type TaskList,
  TaskListSchema,
} from "../proto/gen/flyteidl/admin/task_pb.js";
import { CompiledTaskSchema } from "../proto/gen/flyteidl/core/compiler_pb.js";
import { ResourceType } from "../proto/gen/flyteidl/core/identifier_pb.js";
import type { Database } from "../store/database.js";
import { parseFilters } from "../store/list/filters.js";
import { nextToken, parseSort, parseToken } from "../store/list/paging.js";
import { descriptionEntityColumns } from "../store/repositories/description-entity-mapper.js";
import { type TaskRow, taskClosureOf, taskColumns, taskFromRow } from "../store/repositories/task-mapper.js";
import type { TaskRepository } from "../store/repositories/task-repository.js";
import { scopeFilters, versionKeyText } from "../store/repositories/versioned-entities.js";
import type { ProjectManager } from "./project-manager.js";
import { namedEntityIdentifierList, namesPage } from "./registration/list-names.js";
import { differentStructureMessage, digestOf, sameDigest, structureJson } from "./registration/structure.js";
import { PageAnswers } from "./row-answers.js";
import { entityKey, missingEntityError, requireIdentifierFields, validateIdentifier } from "./validation/identifier.js";
import { validateProjectDomainLimit, validateResourceListRequest } from "./validation/list-requests.js";
import { platformLimits, type ResourceValues } from "./validation/task-resources.js";
import { type TaskTypeWhitelist, validateTaskTemplate } from "./validation/task-template.js";

/**
 * The TASK_RESOURCE attributes that apply to a project and domain, or
 * undefined when none are set (the matchable attributes lookup).
 */
export type TaskResourceLookup = (project: string, domain: string) => Promise<TaskResourceAttributes | undefined>;

export interface TaskManagerOptions {
  readonly database: Database;
  /** Memory for decoded GetTask answers (0: none kept). */
  readonly responseCacheBytes?: number;
  readonly tasks: TaskRepository;
  readonly projects: ProjectManager;
  /** `task_resources.limits` of the config: the platform limits when no TASK_RESOURCE attributes apply. */
  readonly configLimits: ResourceValues;
  readonly whitelist: TaskTypeWhitelist;
  readonly taskResources: TaskResourceLookup;
  readonly logger: Logger;
}

/**
 * The rules of tasks.
 *
 * @example
 * const tasks = new TaskManager({ database, tasks: repo, projects, configLimits, whitelist, taskResources, logger });
 * await tasks.create(request);
 */
export class TaskManager {
  readonly #o: TaskManagerOptions;
  /**
   * GetTask answers, decoded once: everything in a Task is fixed at
   * registration (see config/cache-budget.ts). Shared: never modified.
   */
  readonly #responses: LruCache<string, Task>;
  /** Whole ListTasks answers, reused for the same query over the same page of ids (PostgreSQL). */
  readonly #pages: PageAnswers<TaskList>;

  constructor(options: TaskManagerOptions) {
    this.#o = options;
    this.#responses = new LruCache({ maxWeight: options.responseCacheBytes ?? 0 });
    this.#pages = new PageAnswers(TaskListSchema, (options.responseCacheBytes ?? 0) / 4);
  }

  async create(req: TaskCreateRequest): Promise<void> {
    validateIdentifier(req.id, ResourceType.TASK);
    const id = req.id;
    await this.#o.projects.requireActiveProjectAndDomain(id.project, id.domain);
    if (!req.spec?.template) throw AdminError.missing("spec");
    const limits = await this.#platformLimits(id.project, id.domain);
    validateTaskTemplate(id, req.spec.template, limits, this.#o.whitelist);

    // A shallow copy with the request's id; the compiled task keeps it (the request is not read again).
    const compiled = compileTask({ ...req.spec.template, id }, { template: "owned" });
    if ("errors" in compiled) {
      throw AdminError.invalidArgument(`task failed compilation with ${formatCompileErrors(compiled.errors)}`);
    }
    const compiledTask = compiled.compiledTask;
    // Encoded once: the digest is the compiled task's, and the stored closure wraps those bytes.
    const bytes = toBinary(CompiledTaskSchema, compiledTask);
    const digest = digestOf(bytes);
    const key = entityKey(id);
    const now = nowMicros();
    const codec = this.#o.database.codec;
    const description = req.spec.description;
    const type = compiledTask.template?.type ?? "";
    const row = taskColumns(key, { type, bytes }, digest, description?.shortDescription ?? "", codec, now);
    const descriptionRow = description
      ? descriptionEntityColumns(id.resourceType, key, description, codec, now)
      : undefined;
    if (await this.#o.tasks.create(row, descriptionRow)) return;

    // The key is taken (perhaps by a concurrent registration): same structure or not?
    const existing = await this.#o.tasks.get(key);
    if (!existing) throw missingEntityError(ResourceType.TASK, key);
    const different = sameDigest(existing.digest, digest)
      ? undefined
      : differentStructureMessage(
          id.name,
          "task",
          structureJson(CompiledTaskSchema, taskClosureOf(existing).compiledTask ?? create(CompiledTaskSchema)),
          structureJson(CompiledTaskSchema, compiledTask),
        );
    if (different === undefined) throw AdminError.alreadyExists("task with identical structure already exists");
    throw AdminError.invalidArgument(different);
  }

  /**
   * GetTask. FlyteAdmin ignores the identifier check here and then matches
   * any version when one is missing; we require every key field.
   */
  async get(req: ObjectGetRequest): Promise<Task> {
    requireIdentifierFields(req.id);
    const key = entityKey(req.id);
    const cacheKey = versionKeyText(key);
    const hit = this.#responses.get(cacheKey);
    if (hit !== undefined) return hit;
    const row = await this.#o.tasks.get(key);
    if (!row) throw missingEntityError(ResourceType.TASK, key);
    return this.#taskOf(row);
  }

  /** The message of a row, decoded once per version (the cache of GetTask). */
  #taskOf(row: TaskRow): Task {
    const cacheKey = versionKeyText(row);
    const hit = this.#responses.get(cacheKey);
    if (hit !== undefined) return hit;
    const task = markFinal(taskFromRow(row, this.#o.database.codec));
    // Decoded, and encoded once per format on its first answer (markFinal).
    this.#responses.set(cacheKey, task, 3 * row.closure.byteLength + 512);
    return task;
  }

  async list(req: ResourceListRequest): Promise<TaskList> {
    validateResourceListRequest(req.id, req.limit);
    const filters = [
      ...scopeFilters("t", req.id.project, req.id.domain, req.id.name),
      ...parseFilters(req.filters, "t"),
    ];
    const sort = parseSort(req.sortBy, "t");
    const offset = parseToken(req.token, "ListTasks");
    const query = { filters, sort, limit: req.limit, offset };
    const answer = (rows: readonly TaskRow[]) =>
      create(TaskListSchema, {
        tasks: rows.map((r) => this.#taskOf(r)),
        token: nextToken(offset, rows.length, req.limit),
      });
    const ids = await this.#o.tasks.pageIds(query);
    if (ids === undefined) return answer(await this.#o.tasks.list(query));
    return this.#pages.answer(JSON.stringify(query), ids, async () => answer(await this.#o.tasks.rowsOf(ids)));
  }

  async listIds(req: NamedEntityIdentifierListRequest): Promise<NamedEntityIdentifierList> {
    validateProjectDomainLimit(req.project, req.domain, req.limit);
    const page = namesPage(req, "t", "ListUniqueTaskIdentifiers");
    return namedEntityIdentifierList(await this.#o.tasks.listNames(req.project, req.domain, page), page);
  }

  /**
   * The TASK_RESOURCE attributes' limits when they apply (used as they are,
   * an unset set meaning no limits), else the config's. Lookup failures are
   * logged and ignored, as FlyteAdmin does.
   */
  async #platformLimits(project: string, domain: string) {
    let attrs: TaskResourceAttributes | undefined;
    try {
      attrs = await this.#o.taskResources(project, domain);
    } catch (err) {
      this.#o.logger.info({ err, project, domain }, "task resource attributes lookup failed; using config limits");
    }
    return platformLimits(attrs ? (attrs.limits ?? {}) : this.#o.configLimits);
  }
}
