/**
 * Launch plans (entities.md §3.3): registration against the workflow's
 * interface, reads and lists, and activation — one active version per name,
 * with the schedules the native scheduler reads switched in the same
 * transaction.
 */
import { clone, create, fromBinary } from "@bufbuild/protobuf";
import { nowMicros } from "../common/time.js";
import { identifierText } from "../compiler/index.js";
import { AdminError } from "../errors/admin-error.js";
import type {
  NamedEntityIdentifierList,
  NamedEntityIdentifierListRequest,
  ObjectGetRequest,
  ResourceListRequest,
} from "../proto/gen/flyteidl/admin/common_pb.js";
import {
  type ActiveLaunchPlanListRequest,
  type ActiveLaunchPlanRequest,
  type LaunchPlan,
  type LaunchPlanCreateRequest,
  type LaunchPlanList,
  LaunchPlanListSchema,
  LaunchPlanSchema,
  type LaunchPlanSpec,
  LaunchPlanSpecSchema,
  LaunchPlanState,
  type LaunchPlanUpdateRequest,
} from "../proto/gen/flyteidl/admin/launch_plan_pb.js";
import { type Identifier, ResourceType } from "../proto/gen/flyteidl/core/identifier_pb.js";
import {
  ParameterMapSchema,
  type TypedInterface,
  TypedInterfaceSchema,
} from "../proto/gen/flyteidl/core/interface_pb.js";
import type { Database } from "../store/database.js";
import { referencedEntities } from "../store/list/filter-sql.js";
import { parseFilters } from "../store/list/filters.js";
import { nextToken, parseSort, parseToken } from "../store/list/paging.js";
import {
  type LaunchPlanRow,
  launchPlanColumns,
  launchPlanFromRow,
  launchPlanSpecOf,
} from "../store/repositories/launch-plan-mapper.js";
import type { LaunchPlanRepository } from "../store/repositories/launch-plan-repository.js";
import { scopeFilters, versionKeyText } from "../store/repositories/versioned-entities.js";
import type { WorkflowRow } from "../store/repositories/workflow-mapper.js";
import type { WorkflowRepository } from "../store/repositories/workflow-repository.js";
import type { ProjectManager } from "./project-manager.js";
import { activationPlan, scheduleOff } from "./registration/launch-plan-schedules.js";
import { namedEntityIdentifierList, namesPage } from "./registration/list-names.js";
import { differentStructureMessage, sameDigest, structureDigest, structureJson } from "./registration/structure.js";
import { RowAnswers, VersionedAnswers } from "./row-answers.js";
import { entityKey, missingEntityError, requireNonEmpty, validateIdentifier } from "./validation/identifier.js";
import { validateLabels } from "./validation/labels.js";
import { expectedInputs, validateLiteralMap, validateParameterMap } from "./validation/launch-plan-inputs.js";
import { validateLaunchPlanMetadata, validateSchedule } from "./validation/launch-plan-metadata.js";
import { validateProjectDomainLimit, validateResourceListRequest } from "./validation/list-requests.js";

export interface LaunchPlanManagerOptions {
  readonly database: Database;
  readonly launchPlans: LaunchPlanRepository;
  readonly workflows: WorkflowRepository;
  readonly projects: ProjectManager;
  /** `flyteadmin.featureGates.enableArtifacts`: whether default inputs may carry artifact queries. */
  readonly enableArtifacts: boolean;
  /** Memory for decoded GetLaunchPlan answers, kept while their row stays the same (0: none kept). */
  readonly answerCacheBytes?: number;
}

/**
 * The rules of launch plans.
 *
 * @example
 * const launchPlans = new LaunchPlanManager({ database, launchPlans: repo, workflows, projects, enableArtifacts: false });
 * await launchPlans.create(request);
 * await launchPlans.update({ id, state: LaunchPlanState.ACTIVE });
 */
export class LaunchPlanManager {
  readonly #o: LaunchPlanManagerOptions;
  readonly #answers: RowAnswers<LaunchPlanRow, LaunchPlan>;
  readonly #byVersion: VersionedAnswers<LaunchPlanRow, LaunchPlan>;

  constructor(options: LaunchPlanManagerOptions) {
    this.#o = options;
    // Answers are kept per row content on SQLite, per row version on PostgreSQL: one of the two fills.
    this.#answers = new RowAnswers(options.answerCacheBytes ?? 0);
    this.#byVersion = new VersionedAnswers(options.answerCacheBytes ?? 0);
  }

  async create(req: LaunchPlanCreateRequest): Promise<void> {
    validateIdentifier(req.spec?.workflowId, ResourceType.WORKFLOW);
    const wfKey = entityKey(req.spec.workflowId);
    const workflow = await this.#o.workflows.get(wfKey);
    if (!workflow) throw missingEntityError(ResourceType.WORKFLOW, wfKey);
    const wfInterface = interfaceOf(workflow);
    validateIdentifier(req.id, ResourceType.LAUNCH_PLAN);
    const id = req.id;
    const lp = await this.#validated(id, req.spec, wfInterface);
    const key = entityKey(id);
    const digest = structureDigest(LaunchPlanSchema, lp);
    const existing = await this.#o.launchPlans.get(key);
    if (existing) return conflict(id.name, existing, digest, lp);
    const row = launchPlanColumns(
      lp,
      workflow.id,
      digest,
      LaunchPlanState.INACTIVE,
      this.#o.database.codec,
      nowMicros(),
    );
    if (await this.#o.launchPlans.create(row)) return;
    const winner = await this.#o.launchPlans.get(key);
    if (!winner) throw missingEntityError(ResourceType.LAUNCH_PLAN, key);
    return conflict(id.name, winner, digest, lp);
  }

  async get(req: ObjectGetRequest): Promise<LaunchPlan> {
    validateIdentifier(req.id, ResourceType.LAUNCH_PLAN);
    const key = entityKey(req.id);
    const build = (r: LaunchPlanRow) => launchPlanFromRow(r, this.#o.database.codec);
    const { launchPlans } = this.#o;
    if (launchPlans.versions.enabled) {
      // PostgreSQL: the row's version first; the whole row (spec, closure) only when the kept answer is older.
      const answer = await this.#byVersion.read(versionKeyText(key), launchPlans.versions, { ...key }, build);
      if (answer === undefined) throw missingEntityError(ResourceType.LAUNCH_PLAN, key);
      return answer;
    }
    const row = await launchPlans.get(key);
    if (!row) throw missingEntityError(ResourceType.LAUNCH_PLAN, key);
    return this.#answers.answer(versionKeyText(key), row, build);
  }

  async getActive(req: ActiveLaunchPlanRequest): Promise<LaunchPlan> {
    const project = req.id?.project ?? "";
    const domain = req.id?.domain ?? "";
    const name = req.id?.name ?? "";
    requireNonEmpty(project, "project");
    requireNonEmpty(domain, "domain");
    requireNonEmpty(name, "name");
    const row = await this.#o.launchPlans.findActive({ project, domain, name });
    if (!row) throw AdminError.notFound(`No active launch plan could be found: ${project}:${domain}:${name}`);
    return launchPlanFromRow(row, this.#o.database.codec);
  }

  /** ListLaunchPlans; filters may name `workflow.*` columns, in which case workflows are joined. */
  async list(req: ResourceListRequest): Promise<LaunchPlanList> {
    validateResourceListRequest(req.id, req.limit);
    const filters = [
      ...scopeFilters("l", req.id.project, req.id.domain, req.id.name),
      ...parseFilters(req.filters, "l"),
    ];
    const sort = parseSort(req.sortBy, "l");
    const offset = parseToken(req.token, "ListLaunchPlans");
    const page = { filters, sort, limit: req.limit, offset };
    const rows = referencedEntities(filters, "l").has("w")
      ? await this.#o.launchPlans.listWithWorkflows(page)
      : await this.#o.launchPlans.list(page);
    return this.#page(rows, offset, req.limit);
  }

  async listActive(req: ActiveLaunchPlanListRequest): Promise<LaunchPlanList> {
    validateProjectDomainLimit(req.project, req.domain, req.limit);
    const sort = parseSort(req.sortBy, "l");
    const offset = parseToken(req.token, "ListActiveLaunchPlans");
    const rows = await this.#o.launchPlans.listActive(req.project, req.domain, { sort, limit: req.limit, offset });
    return this.#page(rows, offset, req.limit);
  }

  /**
   * ListLaunchPlanIds has no request validation in FlyteAdmin: only the
   * repository's (a limit, and a project or a domain to scope by).
   */
  async listIds(req: NamedEntityIdentifierListRequest): Promise<NamedEntityIdentifierList> {
    const page = namesPage(req, "l", "");
    if (req.limit === 0) throw AdminError.invalidArgument("missing and/or invalid parameters: limit");
    if (req.project === "" && req.domain === "")
      throw AdminError.invalidArgument("missing and/or invalid parameters: filters");
    return namedEntityIdentifierList(await this.#o.launchPlans.listNames(req.project, req.domain, page), page);
  }

  /** UpdateLaunchPlan: ACTIVE makes this the one active version of its name; INACTIVE deactivates it. */
  async update(req: LaunchPlanUpdateRequest): Promise<void> {
    if (req.state !== LaunchPlanState.ACTIVE && req.state !== LaunchPlanState.INACTIVE) {
      throw AdminError.invalidArgument(
        `Unrecognized launch plan state ${LaunchPlanState[req.state] ?? req.state} for update for launch plan [${identifierText(req.id)}]`,
      );
    }
    validateIdentifier(req.id, ResourceType.LAUNCH_PLAN);
    const key = entityKey(req.id);
    const found =
      req.state === LaunchPlanState.ACTIVE
        ? await this.#o.launchPlans.activate(key, activationPlan)
        : await this.#o.launchPlans.deactivate(key, scheduleOff);
    if (!found) throw missingEntityError(ResourceType.LAUNCH_PLAN, key);
  }

  /**
   * ValidateLaunchPlan after the identifier, in FlyteAdmin's order; returns the launch plan to
   * store, whose default inputs are replaced by the computed expected inputs.
   */
  async #validated(id: Identifier, requestSpec: LaunchPlanSpec, wfInterface: TypedInterface): Promise<LaunchPlan> {
    await this.#o.projects.requireActiveProjectAndDomain(id.project, id.domain);
    const spec = clone(LaunchPlanSpecSchema, requestSpec);
    validateLabels(spec.labels?.values);
    validateLiteralMap(spec.fixedInputs, "fixed_inputs");
    validateParameterMap(spec.defaultInputs, "default_inputs", this.#o.enableArtifacts);
    const expected = expectedInputs(wfInterface.inputs, spec.fixedInputs, spec.defaultInputs);
    validateSchedule(spec.entityMetadata?.schedule, expected);
    spec.defaultInputs = expected;
    validateLaunchPlanMetadata(spec.entityMetadata);
    return create(LaunchPlanSchema, {
      id,
      spec,
      closure: { expectedInputs: clone(ParameterMapSchema, expected), expectedOutputs: wfInterface.outputs },
    });
  }

  #page(rows: LaunchPlanRow[], offset: number, limit: number): LaunchPlanList {
    return create(LaunchPlanListSchema, {
      launchPlans: rows.map((r) => launchPlanFromRow(r, this.#o.database.codec)),
      token: nextToken(offset, rows.length, limit),
    });
  }
}

/** The workflow's interface as registered; INTERNAL when the row's bytes do not decode. */
function interfaceOf(workflow: WorkflowRow): TypedInterface {
  try {
    return fromBinary(TypedInterfaceSchema, workflow.typed_interface);
  } catch {
    throw AdminError.internal("failed to unmarshal workflow inputs");
  }
}

/** The key is taken: ALREADY_EXISTS for the same structure, INVALID_ARGUMENT listing the spec differences otherwise. */
function conflict(name: string, existing: LaunchPlanRow, digest: Uint8Array, lp: LaunchPlan): never {
  const different = sameDigest(existing.digest, digest)
    ? undefined
    : differentStructureMessage(
        name,
        "launch plan",
        structureJson(LaunchPlanSpecSchema, launchPlanSpecOf(existing)),
        structureJson(LaunchPlanSpecSchema, lp.spec ?? create(LaunchPlanSpecSchema)),
      );
  if (different === undefined) throw AdminError.alreadyExists("launch plan with identical structure already exists");
  throw AdminError.invalidArgument(different);
}
