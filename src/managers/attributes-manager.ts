/**
 * Matchable attributes (entities.md §3.6): settings stored per project,
 * project-domain, workflow (and launch plan) level, read back with a
 * most-specific lookup. The same lookup serves the API and the code that
 * applies the settings (task registration, execution creation): `resolve`.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import type { Config } from "../config/schema.js";
import { AdminError } from "../errors/admin-error.js";
import {
  type ListMatchableAttributesRequest,
  type ListMatchableAttributesResponse,
  ListMatchableAttributesResponseSchema,
  MatchableAttributesConfigurationSchema,
  MatchableResource,
  type MatchingAttributes,
  MatchingAttributesSchema,
  type PluginOverride,
  type TaskResourceAttributes,
} from "../proto/gen/flyteidl/admin/matchable_resource_pb.js";
import type {
  ProjectAttributesDeleteRequest,
  ProjectAttributesGetRequest,
  ProjectAttributesGetResponse,
  ProjectAttributesUpdateRequest,
} from "../proto/gen/flyteidl/admin/project_attributes_pb.js";
import { ProjectAttributesGetResponseSchema } from "../proto/gen/flyteidl/admin/project_attributes_pb.js";
import {
  type ProjectDomainAttributesDeleteRequest,
  type ProjectDomainAttributesGetRequest,
  type ProjectDomainAttributesGetResponse,
  ProjectDomainAttributesGetResponseSchema,
  type ProjectDomainAttributesUpdateRequest,
} from "../proto/gen/flyteidl/admin/project_domain_attributes_pb.js";
import {
  type WorkflowAttributesDeleteRequest,
  type WorkflowAttributesGetRequest,
  type WorkflowAttributesGetResponse,
  WorkflowAttributesGetResponseSchema,
  type WorkflowAttributesUpdateRequest,
} from "../proto/gen/flyteidl/admin/workflow_attributes_pb.js";
import type { Database } from "../store/database.js";
import { attributesFromRow, type ResourceKey, resourceKeyText } from "../store/repositories/resource-mapper.js";
import { mostSpecificOf, type ResourceRepository } from "../store/repositories/resource-repository.js";
import { configExecDefaults, mergeIntoExecConfig } from "./exec-config.js";
import type { ProjectManager } from "./project-manager.js";

/** Row priorities: the more specific the level, the higher. */
export const PRIORITY = { project: 5, projectDomain: 10, workflow: 100, launchPlan: 1000 } as const;

/** What to look up: empty (or absent) workflow / launch plan mean "not at that level". */
export interface AttributeScope {
  readonly project: string;
  readonly domain: string;
  readonly workflow?: string | undefined;
  readonly launchPlan?: string | undefined;
  readonly resourceType: MatchableResource;
}

export interface AttributesManagerOptions {
  readonly database: Database;
  readonly resources: ResourceRepository;
  readonly projects: ProjectManager;
  /** The `flyteadmin` section: defaults GetProjectAttributes merges into WORKFLOW_EXECUTION_CONFIG. */
  readonly app: Config["flyteadmin"];
}

/**
 * The rules of matchable attributes, and the resolver other managers use.
 *
 * @example
 * const attributes = new AttributesManager({ database, resources: new ResourceRepository(database), projects, app });
 * const m = await attributes.resolve({ project: "p", domain: "d", workflow: "wf", resourceType: MatchableResource.EXECUTION_QUEUE });
 */
export class AttributesManager {
  readonly #o: AttributesManagerOptions;

  constructor(options: AttributesManagerOptions) {
    this.#o = options;
  }

  // ---- the resolver -------------------------------------------------------------------------------------------

  /**
   * The most specific attributes for a scope: launch plan level, then
   * workflow, project-domain, project; undefined when none is stored.
   */
  async resolve(scope: AttributeScope): Promise<MatchingAttributes | undefined> {
    const key = keyOf(scope);
    if (!validLookup(key)) {
      throw AdminError.internal(
        `unexpected error type for: missing and/or invalid parameters: {${key.project} ${key.domain} ${key.workflow} ${key.launchPlan} ${key.resourceType}}`,
      );
    }
    const row = await this.#o.resources.mostSpecific(key);
    return row ? attributesFromRow(row) : undefined;
  }

  /**
   * Several lookups in one project with one read: what `resolve` answers for
   * each scope, in order (CreateExecution needs six).
   */
  async resolveMany(scopes: readonly AttributeScope[]): Promise<(MatchingAttributes | undefined)[]> {
    const keys = scopes.map(keyOf);
    const project = keys[0]?.project ?? "";
    for (const key of keys) {
      if (!validLookup(key) || key.project !== project) return Promise.all(scopes.map((s) => this.resolve(s)));
    }
    const rows = await this.#o.resources.candidates(project, [...new Set(keys.map((k) => k.resourceType))]);
    return keys.map((key) => {
      const row = mostSpecificOf(rows, key);
      return row ? attributesFromRow(row) : undefined;
    });
  }

  /** Only the project-level attributes (domain, workflow and launch plan empty); undefined when none. */
  async resolveProjectLevel(project: string, resourceType: MatchableResource): Promise<MatchingAttributes | undefined> {
    const row = await this.#o.resources.exact(keyOf({ project, domain: "", resourceType }));
    return row ? attributesFromRow(row) : undefined;
  }

  /** The TASK_RESOURCE attributes that apply to a task (or a workflow's tasks), most specific first. */
  async taskResourceAttributes(
    project: string,
    domain: string,
    workflow = "",
  ): Promise<TaskResourceAttributes | undefined> {
    const m = await this.resolve({ project, domain, workflow, resourceType: MatchableResource.TASK_RESOURCE });
    return m?.target.case === "taskResourceAttributes" ? m.target.value : undefined;
  }

  // ---- project-domain level -----------------------------------------------------------------------------------

  async updateProjectDomain(req: ProjectDomainAttributesUpdateRequest): Promise<void> {
    const a = req.attributes;
    if (!a) throw AdminError.missing("attributes");
    await this.#o.projects.requireActiveProjectAndDomain(a.project, a.domain);
    const type = resourceTypeOf(a.matchingAttributes, `${a.project}-${a.domain}`);
    await this.#write(
      { project: a.project, domain: a.domain, resourceType: type },
      PRIORITY.projectDomain,
      a.matchingAttributes,
    );
  }

  async getProjectDomain(req: ProjectDomainAttributesGetRequest): Promise<ProjectDomainAttributesGetResponse> {
    await this.#o.projects.requireActiveProjectAndDomain(req.project, req.domain);
    const row = await this.#mostSpecificOrNotFound(keyOf(req));
    return create(ProjectDomainAttributesGetResponseSchema, {
      attributes: { project: row.project, domain: row.domain, matchingAttributes: attributesFromRow(row) },
    });
  }

  /** Deletes the project-domain row and every workflow / launch plan row under it. */
  async deleteProjectDomain(req: ProjectDomainAttributesDeleteRequest): Promise<void> {
    await this.#o.projects.requireActiveProjectAndDomain(req.project, req.domain);
    await this.#o.resources.delete(keyOf(req));
  }

  // ---- workflow level -----------------------------------------------------------------------------------------

  async updateWorkflow(req: WorkflowAttributesUpdateRequest): Promise<void> {
    const a = req.attributes;
    if (!a) throw AdminError.missing("attributes");
    await this.#o.projects.requireActiveProjectAndDomain(a.project, a.domain);
    if (a.workflow === "") throw AdminError.missing("name");
    const type = resourceTypeOf(a.matchingAttributes, `${a.project}-${a.domain}-${a.workflow}`);
    const scope = { project: a.project, domain: a.domain, workflow: a.workflow, resourceType: type };
    await this.#write(scope, PRIORITY.workflow, a.matchingAttributes);
  }

  async getWorkflow(req: WorkflowAttributesGetRequest): Promise<WorkflowAttributesGetResponse> {
    await this.#o.projects.requireActiveProjectAndDomain(req.project, req.domain);
    if (req.workflow === "") throw AdminError.missing("name");
    const row = await this.#mostSpecificOrNotFound(keyOf(req));
    return create(WorkflowAttributesGetResponseSchema, {
      attributes: {
        project: row.project,
        domain: row.domain,
        workflow: row.workflow,
        matchingAttributes: attributesFromRow(row),
      },
    });
  }

  async deleteWorkflow(req: WorkflowAttributesDeleteRequest): Promise<void> {
    await this.#o.projects.requireActiveProjectAndDomain(req.project, req.domain);
    if (req.workflow === "") throw AdminError.missing("name");
    await this.#o.resources.delete(keyOf(req));
  }

  // ---- project level ------------------------------------------------------------------------------------------

  async updateProject(req: ProjectAttributesUpdateRequest): Promise<void> {
    const a = req.attributes;
    if (!a) throw AdminError.missing("attributes");
    await this.#o.projects.requireActiveProject(a.project);
    const type = resourceTypeOf(a.matchingAttributes, a.project);
    await this.#write({ project: a.project, domain: "", resourceType: type }, PRIORITY.project, a.matchingAttributes);
  }

  /**
   * The project-level row exactly. WORKFLOW_EXECUTION_CONFIG is completed
   * with the config defaults, which are also the answer when no row exists.
   */
  async getProject(req: ProjectAttributesGetRequest): Promise<ProjectAttributesGetResponse> {
    await this.#o.projects.requireProject(req.project);
    const key = keyOf({ project: req.project, domain: "", resourceType: req.resourceType });
    const row = await this.#o.resources.exact(key);
    const wecDefaults = () => configExecDefaults(this.#o.app);
    let matching: MatchingAttributes;
    if (!row) {
      if (req.resourceType !== MatchableResource.WORKFLOW_EXECUTION_CONFIG) throw notFound(key);
      matching = create(MatchingAttributesSchema, {
        target: { case: "workflowExecutionConfig", value: wecDefaults() },
      });
    } else {
      matching = attributesFromRow(row);
      if (matching.target.case === "workflowExecutionConfig") mergeIntoExecConfig(matching.target.value, wecDefaults());
    }
    return create(ProjectAttributesGetResponseSchema, {
      attributes: { project: req.project, matchingAttributes: matching },
    });
  }

  /** Deletes every row of the type for the project, at every level. */
  async deleteProject(req: ProjectAttributesDeleteRequest): Promise<void> {
    await this.#o.projects.requireActiveProject(req.project);
    await this.#o.resources.delete(keyOf({ project: req.project, domain: "", resourceType: req.resourceType }));
  }

  // ---- all ----------------------------------------------------------------------------------------------------

  async listAll(req: ListMatchableAttributesRequest): Promise<ListMatchableAttributesResponse> {
    if (MatchableResource[req.resourceType] === undefined) throw AdminError.invalidValue("resource_type");
    const rows = await this.#o.resources.listAll(typeName(req.resourceType));
    return create(ListMatchableAttributesResponseSchema, {
      configurations: rows.map((row) =>
        create(MatchableAttributesConfigurationSchema, {
          attributes: attributesFromRow(row),
          project: row.project,
          domain: row.domain,
          workflow: row.workflow,
          launchPlan: row.launch_plan,
        }),
      ),
    });
  }

  // ---- shared -------------------------------------------------------------------------------------------------

  /**
   * Upserts a row, overwriting its attributes; PLUGIN_OVERRIDE instead merges
   * into the stored overrides by task type (the new entry wins per type).
   */
  async #write(scope: AttributeScope, priority: number, attributes: MatchingAttributes | undefined): Promise<void> {
    const key = keyOf(scope);
    const matching = attributes as MatchingAttributes;
    const { database, resources } = this.#o;
    if (matching.target.case !== "pluginOverrides") {
      await resources.upsert(database.kysely, key, priority, toBinary(MatchingAttributesSchema, matching));
      return;
    }
    const incoming = matching.target.value.overrides;
    await database.transaction(async (trx) => {
      const existing = await resources.exact(key, trx, true);
      const stored = existing ? attributesFromRow(existing) : undefined;
      const current = stored?.target.case === "pluginOverrides" ? stored.target.value.overrides : [];
      const merged = create(MatchingAttributesSchema, {
        target: { case: "pluginOverrides", value: { overrides: mergeByTaskType(current, incoming) } },
      });
      await resources.upsert(trx, key, priority, toBinary(MatchingAttributesSchema, merged));
    });
  }

  async #mostSpecificOrNotFound(key: ResourceKey) {
    const row = await this.#o.resources.mostSpecific(key);
    if (!row) throw notFound(key);
    return row;
  }
}

/** The resource type a write targets, from the oneof that is set (quality_of_service is not one FlyteAdmin accepts). */
function resourceTypeOf(m: MatchingAttributes | undefined, ident: string): MatchableResource {
  if (!m) throw AdminError.missing("matching_attributes");
  switch (m.target.case) {
    case "taskResourceAttributes":
      return MatchableResource.TASK_RESOURCE;
    case "clusterResourceAttributes":
      return MatchableResource.CLUSTER_RESOURCE;
    case "executionQueueAttributes":
      return MatchableResource.EXECUTION_QUEUE;
    case "executionClusterLabel":
      return MatchableResource.EXECUTION_CLUSTER_LABEL;
    case "pluginOverrides":
      return MatchableResource.PLUGIN_OVERRIDE;
    case "workflowExecutionConfig":
      return MatchableResource.WORKFLOW_EXECUTION_CONFIG;
    case "clusterAssignment":
      return MatchableResource.CLUSTER_ASSIGNMENT;
    default:
      throw AdminError.invalidArgument(`Unrecognized matching attributes type for request ${ident}`);
  }
}

/** Stored overrides with the incoming ones: same task type replaced in place, new types appended. */
function mergeByTaskType(current: readonly PluginOverride[], incoming: readonly PluginOverride[]): PluginOverride[] {
  const byType = new Map<string, PluginOverride>();
  for (const o of current) byType.set(o.taskType, o);
  for (const o of incoming) byType.set(o.taskType, o);
  return [...byType.values()];
}

/** The enum name FlyteAdmin stores (`TASK_RESOURCE`); an unknown number prints as itself, as Go's String() does. */
function typeName(t: MatchableResource): string {
  return MatchableResource[t] ?? String(t);
}

function keyOf(s: {
  project: string;
  domain: string;
  workflow?: string | undefined;
  launchPlan?: string | undefined;
  resourceType: MatchableResource;
}): ResourceKey {
  return {
    project: s.project,
    domain: s.domain,
    workflow: s.workflow ?? "",
    launchPlan: s.launchPlan ?? "",
    resourceType: typeName(s.resourceType),
  };
}

/** FlyteAdmin's lookup rule: some project or domain; a workflow needs a project; a launch plan needs a workflow. */
function validLookup(k: ResourceKey): boolean {
  if (k.project === "" && k.domain === "") return false;
  if (k.project === "" && (k.workflow !== "" || k.launchPlan !== "")) return false;
  return !(k.workflow === "" && k.launchPlan !== "");
}

function notFound(key: ResourceKey): AdminError {
  return AdminError.notFound(`Resource [${resourceKeyText(key)}] not found`);
}
