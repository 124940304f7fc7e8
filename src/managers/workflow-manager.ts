/**
 * Workflows (entities.md §3.1-3.2, compiler.md §1): registration compiles the
 * template against the registered tasks and launch plans it references,
 * offloads the compiled closure to the blob store and records the row; reads
 * return the closure from the blob (flytekit needs `compiled_workflow`).
 */
import { clone, create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type Timestamp, TimestampSchema } from "@bufbuild/protobuf/wkt";
import type { DataStore } from "../blob/data-store.js";
import { readImmutable } from "../blob/immutable-reads.js";
import { LruCache } from "../common/lru-cache.js";
import { microsToTimestamp, nowMicros } from "../common/time.js";
import {
  compileWorkflow,
  formatCompileErrors,
  getRequirements,
  identifierText,
  type LaunchPlanInterfaceProvider,
  parseQuantity,
  type Quantity,
} from "../compiler/index.js";
import { AdminError, detail, passThrough } from "../errors/admin-error.js";
import { encodeMessageFields, markFinal } from "../proto/encoded-once.js";
import type {
  NamedEntityIdentifierList,
  NamedEntityIdentifierListRequest,
  ObjectGetRequest,
  ResourceListRequest,
} from "../proto/gen/flyteidl/admin/common_pb.js";
import {
  CreateWorkflowFailureReasonSchema,
  type Workflow,
  type WorkflowClosure,
  WorkflowClosureSchema,
  type WorkflowCreateRequest,
  type WorkflowList,
  WorkflowListSchema,
} from "../proto/gen/flyteidl/admin/workflow_pb.js";
import {
  type CompiledTask,
  type CompiledWorkflowClosure,
  CompiledWorkflowClosureSchema,
} from "../proto/gen/flyteidl/core/compiler_pb.js";
import { type Identifier, ResourceType } from "../proto/gen/flyteidl/core/identifier_pb.js";
import {
  ParameterMapSchema,
  TypedInterfaceSchema,
  VariableMapSchema,
} from "../proto/gen/flyteidl/core/interface_pb.js";
import type { WorkflowTemplate } from "../proto/gen/flyteidl/core/workflow_pb.js";
import type { Database } from "../store/database.js";
import { parseFilters } from "../store/list/filters.js";
import { nextToken, parseSort, parseToken } from "../store/list/paging.js";
import { descriptionEntityColumns } from "../store/repositories/description-entity-mapper.js";
import { launchPlanClosureOf } from "../store/repositories/launch-plan-mapper.js";
import type { LaunchPlanRepository } from "../store/repositories/launch-plan-repository.js";
import { taskClosureOf } from "../store/repositories/task-mapper.js";
import type { TaskRepository } from "../store/repositories/task-repository.js";
import { scopeFilters, versionKeyText } from "../store/repositories/versioned-entities.js";
import { type WorkflowRow, workflowColumns, workflowFromRow } from "../store/repositories/workflow-mapper.js";
import type { WorkflowRepository } from "../store/repositories/workflow-repository.js";
import type { ProjectManager } from "./project-manager.js";
import { namedEntityIdentifierList, namesPage } from "./registration/list-names.js";
import { differentStructureMessage, digestOf, sameDigest, structureJson } from "./registration/structure.js";
import { PageAnswers } from "./row-answers.js";
import { entityKey, missingEntityError, validateIdentifier } from "./validation/identifier.js";
import { validateProjectDomainLimit, validateResourceListRequest } from "./validation/list-requests.js";

/** Start and end nodes, added by the compiler, do not count against `maxWorkflowNodes`. */
const SYSTEM_NODES = 2;

export interface WorkflowManagerOptions {
  readonly database: Database;
  /** Memory for decoded GetWorkflow answers (0: none kept). */
  readonly responseCacheBytes?: number;
  readonly workflows: WorkflowRepository;
  readonly tasks: TaskRepository;
  readonly launchPlans: LaunchPlanRepository;
  readonly projects: ProjectManager;
  readonly blobs: DataStore;
  /** `flyteadmin.metadataStoragePrefix`: where under the container closures go. */
  readonly storagePrefix: readonly string[];
  /** `registration.maxWorkflowNodes`; 0 is no limit. */
  readonly maxWorkflowNodes: number;
  /** `registration.workflowSizeLimit`, a Kubernetes quantity of bytes; "" is no limit. */
  readonly workflowSizeLimit: string;
}

/**
 * The rules of workflows.
 *
 * @example
 * const workflows = new WorkflowManager({ database, workflows: repo, tasks, launchPlans, projects, blobs, ... });
 * await workflows.create(request);
 */
export class WorkflowManager {
  readonly #o: WorkflowManagerOptions;
  /**
   * GetWorkflow answers, decoded once: a workflow version's row and closure
   * are fixed at registration (see config/cache-budget.ts). Shared: never modified.
   */
  readonly #responses: LruCache<string, { workflow: Workflow }>;
  /** Whole ListWorkflows answers, reused for the same query over the same page of ids (PostgreSQL). */
  readonly #pages: PageAnswers<WorkflowList>;
  readonly #sizeLimit: Quantity | undefined;

  constructor(options: WorkflowManagerOptions) {
    this.#o = options;
    this.#responses = new LruCache({ maxWeight: options.responseCacheBytes ?? 0 });
    this.#pages = new PageAnswers(WorkflowListSchema, (options.responseCacheBytes ?? 0) / 4);
    const limit = options.workflowSizeLimit;
    this.#sizeLimit = limit === "" ? undefined : parseQuantity(limit);
    if (limit !== "" && !this.#sizeLimit) throw new Error(`registration.workflowSizeLimit: not a quantity: ${limit}`);
  }

  async create(req: WorkflowCreateRequest): Promise<void> {
    validateIdentifier(req.id, ResourceType.WORKFLOW);
    const id = req.id;
    await this.#o.projects.requireActiveProjectAndDomain(id.project, id.domain);
    if (!req.spec?.template) throw AdminError.missing("spec");
    // A shallow copy with the request's id. The compiler takes the request's templates over and fills them in
    // (copying a 50-node workflow cost a third of the compile), so the row's interface is kept as declared first.
    const template = { ...req.spec.template, id };
    const declaredInterface = template.interface && clone(TypedInterfaceSchema, template.interface);
    const now = nowMicros();
    const compiled = await this.#compile(id, template, req.spec.subWorkflows);
    // Encoded once: the digest is the compiled closure's, and the stored WorkflowClosure wraps those bytes.
    const compiledBytes = toBinary(CompiledWorkflowClosureSchema, compiled);
    const closureBytes = workflowClosureBytes(compiledBytes, microsToTimestamp(now));
    this.#checkLimits(id, compiled, closureBytes.byteLength);
    const digest = digestOf(compiledBytes);
    const key = entityKey(id);
    const existing = await this.#o.workflows.get(key);
    if (existing) return this.#conflict(id, existing, digest, compiled);

    const ref = this.#o.blobs.ref(...this.#o.storagePrefix, id.project, id.domain, id.name, id.version);
    const codec = this.#o.database.codec;
    const description = req.spec.description;
    const row = workflowColumns(key, declaredInterface, ref, digest, description?.shortDescription ?? "", codec, now);
    const descriptionRow = description
      ? descriptionEntityColumns(id.resourceType, key, description, codec, now)
      : undefined;
    if (await this.#o.workflows.create(row, descriptionRow, () => this.#writeClosure(id, ref, closureBytes))) return;
    // A concurrent registration of the same id won the insert.
    const winner = await this.#o.workflows.get(key);
    if (!winner) throw missingEntityError(ResourceType.WORKFLOW, key);
    return this.#conflict(id, winner, digest, compiled);
  }

  /** GetWorkflow: the full closure, read from the blob store. */
  async get(req: ObjectGetRequest): Promise<Workflow> {
    validateIdentifier(req.id, ResourceType.WORKFLOW);
    const key = entityKey(req.id);
    const cacheKey = versionKeyText(key);
    const hit = this.#responses.get(cacheKey);
    if (hit !== undefined) return hit.workflow;
    const row = await this.#o.workflows.get(key);
    if (!row) throw missingEntityError(ResourceType.WORKFLOW, key);
    const bytes = await this.#closureBytes(row);
    const workflow = markFinal(workflowFromRow(row, this.#o.database.codec, fromBinary(WorkflowClosureSchema, bytes)));
    // Decoded, and encoded once per format on its first answer (markFinal).
    this.#responses.set(cacheKey, { workflow }, 4 * bytes.byteLength + 512);
    return workflow;
  }

  /** ListWorkflows: items carry only the creation time and the interface. */
  async list(req: ResourceListRequest): Promise<WorkflowList> {
    validateResourceListRequest(req.id, req.limit);
    const filters = [
      ...scopeFilters("w", req.id.project, req.id.domain, req.id.name),
      ...parseFilters(req.filters, "w"),
    ];
    const sort = parseSort(req.sortBy, "w");
    const offset = parseToken(req.token, "ListWorkflows");
    const query = { filters, sort, limit: req.limit, offset };
    const answer = (rows: readonly WorkflowRow[]) =>
      create(WorkflowListSchema, {
        workflows: rows.map((r) => workflowFromRow(r, this.#o.database.codec)),
        token: nextToken(offset, rows.length, req.limit),
      });
    const ids = await this.#o.workflows.pageIds(query);
    if (ids === undefined) return answer(await this.#o.workflows.list(query));
    return this.#pages.answer(JSON.stringify(query), ids, async () => answer(await this.#o.workflows.rowsOf(ids)));
  }

  async listIds(req: NamedEntityIdentifierListRequest): Promise<NamedEntityIdentifierList> {
    validateProjectDomainLimit(req.project, req.domain, req.limit);
    const page = namesPage(req, "w", "ListWorkflowIdentifiers");
    return namedEntityIdentifierList(await this.#o.workflows.listNames(req.project, req.domain, page), page);
  }

  /** The stored closure of a workflow row (the execution manager reads it too). */
  async closureOf(row: WorkflowRow): Promise<WorkflowClosure> {
    return this.#readClosure(row);
  }

  /**
   * Fetches what the template references and compiles it. Every failure,
   * a missing task or launch plan included, is INVALID_ARGUMENT
   * `failed to compile workflow for [<id>] with err: <inner>`.
   */
  async #compile(
    id: Identifier,
    template: WorkflowTemplate,
    subWorkflows: WorkflowTemplate[],
  ): Promise<CompiledWorkflowClosure> {
    const wrap = (inner: string) =>
      AdminError.invalidArgument(`failed to compile workflow for [${identifierText(id)}] with err: ${inner}`);
    const reqs = getRequirements(template, subWorkflows);
    if (reqs.errors.length > 0) {
      throw wrap(`failed to get workflow requirements with err ${formatCompileErrors(reqs.errors)}`);
    }
    const taskRows = await Promise.all(reqs.taskIds.map((t) => this.#o.tasks.get(entityKey(t))));
    const tasks: CompiledTask[] = [];
    reqs.taskIds.forEach((taskId, i) => {
      const row = taskRows[i];
      const compiledTask = row && taskClosureOf(row).compiledTask;
      if (!compiledTask) throw wrap(missingEntityError(ResourceType.TASK, entityKey(taskId)).message);
      tasks.push(compiledTask);
    });
    const lpRows = await Promise.all(reqs.launchPlanIds.map((l) => this.#o.launchPlans.get(entityKey(l))));
    const launchPlans: LaunchPlanInterfaceProvider[] = reqs.launchPlanIds.map((lpId, i) => {
      const row = lpRows[i];
      if (!row) throw wrap(missingEntityError(ResourceType.LAUNCH_PLAN, entityKey(lpId)).message);
      const lpClosure = launchPlanClosureOf(row);
      return {
        id: lpId,
        expectedInputs: lpClosure.expectedInputs ?? create(ParameterMapSchema),
        expectedOutputs: lpClosure.expectedOutputs ?? create(VariableMapSchema),
      };
    });
    // The templates are the request's and the tasks were decoded for this call: nothing reads them afterwards.
    const result = compileWorkflow(template, subWorkflows, tasks, launchPlans, { inputs: "owned" });
    if ("errors" in result) throw wrap(formatCompileErrors(result.errors));
    return result.closure;
  }

  /** `registration.workflowSizeLimit` (serialized closure bytes) and `registration.maxWorkflowNodes`. */
  #checkLimits(id: Identifier, compiled: CompiledWorkflowClosure, closureSize: number): void {
    if (this.#sizeLimit) {
      const size = BigInt(closureSize) * 1_000_000_000n;
      if (this.#sizeLimit.nanos < size) {
        throw AdminError.invalidArgument(`Workflow closure size exceeds max limit [${this.#o.workflowSizeLimit}]`);
      }
    }
    const limit = this.#o.maxWorkflowNodes;
    const nodes = compiled.primary?.template?.nodes;
    if (limit === 0 || !nodes) return;
    const userNodes = nodes.length - SYSTEM_NODES;
    if (userNodes > limit) {
      throw AdminError.invalidArgument(
        `number of nodes in workflow [${identifierText(id)}] exceeds limit (${userNodes} > ${limit})`,
      );
    }
  }

  /**
   * The id is registered already: ALREADY_EXISTS when the structure is the
   * same, INVALID_ARGUMENT listing the differences otherwise; both carry a
   * CreateWorkflowFailureReason.
   */
  async #conflict(
    id: Identifier,
    existing: WorkflowRow,
    digest: Uint8Array,
    compiled: CompiledWorkflowClosure,
  ): Promise<never> {
    if (sameDigest(existing.digest, digest)) throw identicalStructure(id);
    const stored = (await this.#readClosure(existing)).compiledWorkflow ?? create(CompiledWorkflowClosureSchema);
    const different = differentStructureMessage(
      id.name,
      "workflow",
      structureJson(CompiledWorkflowClosureSchema, stored),
      structureJson(CompiledWorkflowClosureSchema, compiled),
    );
    if (different === undefined) throw identicalStructure(id);
    throw AdminError.invalidArgument(different, [
      detail(
        CreateWorkflowFailureReasonSchema,
        create(CreateWorkflowFailureReasonSchema, { reason: { case: "existsDifferentStructure", value: { id } } }),
      ),
    ]);
  }

  async #writeClosure(id: Identifier, ref: string, closure: Uint8Array): Promise<void> {
    try {
      await this.#o.blobs.write(ref, closure);
    } catch (err) {
      const passed = passThrough(err);
      if (passed) throw passed;
      throw AdminError.internal(
        `failed to write marshaled workflow [${identifierText(id)}] to storage ${ref} with err ${errorText(err)} and base container: ${this.#o.blobs.baseUri}`,
      );
    }
  }

  async #readClosure(row: WorkflowRow): Promise<WorkflowClosure> {
    return fromBinary(WorkflowClosureSchema, await this.#closureBytes(row));
  }

  async #closureBytes(row: WorkflowRow): Promise<Uint8Array> {
    try {
      return await readImmutable(this.#o.blobs, row.remote_closure_identifier);
    } catch (err) {
      throw AdminError.internal(
        `Unable to read WorkflowClosure from location ${row.remote_closure_identifier} : ${errorText(err)}`,
      );
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** ALREADY_EXISTS for a workflow registered again as it is, with its CreateWorkflowFailureReason. */
function identicalStructure(id: Identifier): AdminError {
  return AdminError.alreadyExists("workflow with identical structure already exists", [
    detail(
      CreateWorkflowFailureReasonSchema,
      create(CreateWorkflowFailureReasonSchema, { reason: { case: "existsIdenticalStructure", value: { id } } }),
    ),
  ]);
}

/** A WorkflowClosure's encoding around its compiled closure's (which it holds as field `compiled_workflow`). */
function workflowClosureBytes(compiled: Uint8Array, createdAt: Timestamp): Uint8Array {
  const { compiledWorkflow, createdAt: created } = WorkflowClosureSchema.field;
  return encodeMessageFields([
    [compiledWorkflow.number, compiled],
    [created.number, toBinary(TimestampSchema, createdAt)],
  ]);
}
