/**
 * The resolution half of CreateExecution (executions.md §1.1 steps 1-17,
 * §1.7): from a request to a fully resolved launch, reading registered
 * entities, attributes and the workflow closure, but writing nothing except
 * a single-task execution's skeleton workflow and launch plan.
 */

import { create, fromBinary } from "@bufbuild/protobuf";
import type { DataStore } from "../../blob/data-store.js";
import { readImmutable } from "../../blob/immutable-reads.js";
import { identifierText } from "../../compiler/index.js";
import type { Config } from "../../config/schema.js";
import type { ExecutionParameters, TaskResources } from "../../engine/workflow-executor.js";
import { AdminError } from "../../errors/admin-error.js";
import type { Notification } from "../../proto/gen/flyteidl/admin/common_pb.js";
import {
  type ExecutionCreateRequest,
  ExecutionMetadata_ExecutionMode,
  ExecutionMetadataSchema,
  type ExecutionSpec,
} from "../../proto/gen/flyteidl/admin/execution_pb.js";
import {
  MatchableResource,
  type MatchingAttributes,
  TaskResourceSpecSchema,
} from "../../proto/gen/flyteidl/admin/matchable_resource_pb.js";
import { WorkflowClosureSchema } from "../../proto/gen/flyteidl/admin/workflow_pb.js";
import {
  type CompiledWorkflowClosure,
  CompiledWorkflowClosureSchema,
} from "../../proto/gen/flyteidl/core/compiler_pb.js";
import { type Identifier, IdentifierSchema, ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { type LiteralMap, LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { type ExecutionKey, specOf } from "../../store/repositories/execution-mapper.js";
import type { ExecutionRepository } from "../../store/repositories/execution-repository.js";
import type { ProjectManager } from "../project-manager.js";
import { resolveExecutionConfig } from "./exec-config.js";
import { checkAndFetchInputs } from "./inputs.js";
import {
  type CallerIdentity,
  configuredPool,
  namespaceFor,
  notificationsFor,
  preferredMap,
  resolveClusterAssignment,
  withIdentityAnnotations,
  withProjectLabels,
} from "./launch-settings.js";
import { generateExecutionName } from "./names.js";
import { validateRequestKey, validateRequestSpec } from "./request-validation.js";
import { ensureSkeleton } from "./single-task.js";
import type {
  LaunchPlanRecord,
  MatchableAttributes,
  NodeExecutionLookup,
  RegisteredEntities,
  TaskRecord,
  WorkflowRecord,
} from "./sources.js";
import { applyExecutionQueue, applyTaskResourceDefaults, pickExecutionQueue } from "./task-defaults.js";

/** A launch resolved and ready to be recorded and handed to the executor. */
export interface ResolvedLaunch {
  readonly key: ExecutionKey;
  /** The request spec completed with principal, lineage and (launch plan path) max parallelism. */
  readonly spec: ExecutionSpec;
  readonly userInputs: LiteralMap;
  readonly launchPlan: LaunchPlanRecord;
  readonly workflow: WorkflowRecord;
  /** Set for single-task executions. */
  readonly task?: TaskRecord | undefined;
  readonly closure: CompiledWorkflowClosure;
  readonly namespace: string;
  readonly notifications: Notification[];
  readonly parentNodeExecutionId?: number | undefined;
  readonly sourceExecutionId?: number | undefined;
  readonly parameters: ExecutionParameters;
}

export interface ResolverDeps {
  readonly config: Config;
  readonly blobs: DataStore;
  readonly projects: ProjectManager;
  readonly executions: ExecutionRepository;
  readonly entities: RegisteredEntities;
  readonly attributes: MatchableAttributes;
  readonly nodes: NodeExecutionLookup;
}

/**
 * Resolves CreateExecution requests, in FlyteAdmin's order (which decides
 * which error a bad request gets).
 *
 * @example
 * const resolved = await new LaunchResolver(deps).resolve(request, caller, nowMicros());
 */
export class LaunchResolver {
  readonly #d: ResolverDeps;

  constructor(deps: ResolverDeps) {
    this.#d = deps;
  }

  async resolve(request: ExecutionCreateRequest, caller: CallerIdentity, receivedAt: number): Promise<ResolvedLaunch> {
    // Clients before flyteidl 0.15 send the inputs inside the spec.
    const userInputs =
      request.inputs && Object.keys(request.inputs.literals).length > 0
        ? request.inputs
        : (request.spec?.inputs ?? create(LiteralMapSchema));
    validateRequestKey(request);
    const projectLabels = await this.#d.projects.requireActiveProjectAndDomain(request.project, request.domain);
    validateRequestSpec(request);
    const spec = request.spec as ExecutionSpec;
    const target = spec.launchPlan as Identifier;
    let launchPlan: LaunchPlanRecord;
    let workflow: WorkflowRecord | undefined;
    let task: TaskRecord | undefined;
    if (target.resourceType === ResourceType.TASK) {
      task = await this.#d.entities.task(target);
      ({ workflow, launchPlan } = await ensureSkeleton(this.#d.entities, target, task, spec));
    } else {
      launchPlan = await this.#d.entities.launchPlan(target);
    }
    const lpSpec = launchPlan.launchPlan.spec;
    const inputs = checkAndFetchInputs(userInputs, lpSpec?.fixedInputs, launchPlan.launchPlan.closure?.expectedInputs);
    const wf = workflow ?? (await this.#d.entities.workflow(lpSpec?.workflowId as Identifier));
    const key = { project: request.project, domain: request.domain, name: request.name || generateExecutionName() };
    const closure = await this.#readClosure(wf.closureRef);

    spec.metadata ??= create(ExecutionMetadataSchema);
    spec.metadata.principal = caller.subject;
    const lineage = await this.#lineage(spec);

    const workflowName = task ? "" : (lpSpec?.workflowId?.name ?? "");
    // Every matchable attribute the launch needs, in one read.
    const [taskResources, executionQueue, matchedConfig, projectConfig, clusterAttr, overrides] =
      await this.#d.attributes.resolveMany([
        scope(MatchableResource.TASK_RESOURCE, wf.id.project, wf.id.domain, wf.id.name),
        scope(MatchableResource.EXECUTION_QUEUE, wf.id.project, wf.id.domain, wf.id.name),
        scope(MatchableResource.WORKFLOW_EXECUTION_CONFIG, key.project, key.domain, workflowName),
        scope(MatchableResource.WORKFLOW_EXECUTION_CONFIG, key.project, "", ""),
        scope(MatchableResource.CLUSTER_ASSIGNMENT, key.project, key.domain),
        scope(
          MatchableResource.PLUGIN_OVERRIDE,
          key.project,
          key.domain,
          task ? wf.id.name : workflowName,
          task ? "" : launchPlan.launchPlan.id?.name,
        ),
      ]);
    const platform = this.#taskResources(taskResources);
    applyTaskResourceDefaults(closure, platform);
    const queueTags = executionQueue?.target;
    const queue = pickExecutionQueue(
      this.#d.config.queues,
      queueTags?.case === "executionQueueAttributes" ? queueTags.value.tags : undefined,
      wf.id.domain,
    );
    applyExecutionQueue(closure, queue);

    const execConfig = resolveExecutionConfig({
      requestSpec: spec,
      launchPlanSpec: task ? undefined : lpSpec,
      matched: wec(matchedConfig),
      projectLevel: wec(projectConfig),
      app: this.#d.config.flyteadmin,
      executionIdentity: caller.subject,
    });
    const namespace = namespaceFor(this.#d.config.namespace_mapping.template, key.project, key.domain);
    const reg = this.#d.config.registration;
    // Single-task executions take labels and annotations from the resolved config only, without limits.
    let labels = preferredMap(
      nonEmpty(execConfig.labels?.values),
      task ? undefined : lpSpec?.labels?.values,
      "labels",
      task ? 0 : reg.maxLabelEntries,
    );
    labels = withProjectLabels(labels, projectLabels);
    let annotations = preferredMap(
      nonEmpty(execConfig.annotations?.values),
      task ? undefined : lpSpec?.annotations?.values,
      "annotations",
      task ? 0 : reg.maxAnnotationEntries,
    );
    annotations = withIdentityAnnotations(annotations, caller, this.#d.config.flyteadmin);
    const clusterAssignment = this.#clusterAssignment(key, spec, clusterAttr);
    const meta = spec.metadata;
    const recovery =
      meta.mode === ExecutionMetadata_ExecutionMode.RECOVERED && meta.referenceExecution
        ? meta.referenceExecution
        : undefined;
    if (!task) spec.maxParallelism = execConfig.maxParallelism;
    return {
      key,
      spec,
      userInputs,
      launchPlan,
      workflow: wf,
      task,
      closure,
      namespace,
      notifications: notificationsFor(spec, task ? launchPlan.launchPlan.spec : lpSpec),
      ...lineage,
      parameters: {
        inputs,
        acceptedAt: receivedAt,
        labels,
        annotations,
        executionConfig: execConfig,
        taskResources: platform,
        eventVersion: this.#d.config.flyteadmin.eventVersion,
        roleNameKey: this.#d.config.flyteadmin.roleNameKey,
        rawOutputDataConfig: execConfig.rawOutputDataConfig,
        clusterAssignment,
        taskPluginOverrides: overrides?.target.case === "pluginOverrides" ? overrides.target.value.overrides : [],
        recoveryExecution: recovery,
        executionClusterLabel: spec.executionClusterLabel,
      },
    };
  }

  async #readClosure(ref: string): Promise<CompiledWorkflowClosure> {
    try {
      const wc = fromBinary(WorkflowClosureSchema, await readImmutable(this.#d.blobs, ref));
      return wc.compiledWorkflow ?? create(CompiledWorkflowClosureSchema);
    } catch (err) {
      throw AdminError.internal(`Unable to read WorkflowClosure from location ${ref} : ${(err as Error).message}`);
    }
  }

  /**
   * An execution launched by a node of another (a launch plan node): the
   * node and its execution must exist; principal, nesting and cluster label
   * are inherited.
   */
  async #lineage(spec: ExecutionSpec): Promise<{ parentNodeExecutionId?: number; sourceExecutionId?: number }> {
    const parent = spec.metadata?.parentNodeExecution;
    if (!parent || !spec.metadata) return {};
    const parentNodeExecutionId = await this.#d.nodes.rowId(parent);
    const sourceKey = {
      project: parent.executionId?.project ?? "",
      domain: parent.executionId?.domain ?? "",
      name: parent.executionId?.name ?? "",
    };
    const source = await this.#d.executions.get(sourceKey);
    if (!source) throw executionNotFound(sourceKey);
    spec.metadata.principal = source.user;
    const sourceSpec = specOf(source);
    spec.metadata.nesting = sourceSpec.metadata ? sourceSpec.metadata.nesting + 1 : 1;
    if (sourceSpec.executionClusterLabel) spec.executionClusterLabel = sourceSpec.executionClusterLabel;
    return { parentNodeExecutionId, sourceExecutionId: source.id };
  }

  /** TASK_RESOURCE for the workflow, else the `task_resources` config. */
  #taskResources(attr: MatchingAttributes | undefined): TaskResources {
    if (attr?.target.case === "taskResourceAttributes") {
      const t = attr.target.value;
      return {
        defaults: t.defaults ?? create(TaskResourceSpecSchema),
        limits: t.limits ?? create(TaskResourceSpecSchema),
      };
    }
    const cfg = this.#d.config.task_resources;
    return {
      defaults: create(TaskResourceSpecSchema, cfg.defaults),
      limits: create(TaskResourceSpecSchema, cfg.limits),
    };
  }

  #clusterAssignment(key: ExecutionKey, spec: ExecutionSpec, attr: MatchingAttributes | undefined) {
    const stored =
      attr?.target.case === "clusterAssignment"
        ? attr.target.value
        : configuredPool(this.#d.config.clusterPools.clusterPoolAssignments, key.domain);
    return resolveClusterAssignment(key.project, key.domain, spec.clusterAssignment, stored);
  }
}

function wec(attr: MatchingAttributes | undefined) {
  return attr?.target.case === "workflowExecutionConfig" ? attr.target.value : undefined;
}

const nonEmpty = (m: Record<string, string> | undefined) => (m && Object.keys(m).length > 0 ? m : undefined);

/** `missing entity of type execution with identifier project:"p" domain:"d" name:"n"`. */
export function executionNotFound(key: ExecutionKey): AdminError {
  const id = create(IdentifierSchema, { project: key.project, domain: key.domain, name: key.name });
  return AdminError.notFound(`missing entity of type execution with identifier ${identifierText(id)}`);
}

function scope(resourceType: MatchableResource, project: string, domain: string, workflow = "", launchPlan = "") {
  return { project, domain, workflow, launchPlan, resourceType };
}
