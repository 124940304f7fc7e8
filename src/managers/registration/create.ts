/**
 * Builds the registration managers (tasks, workflows, launch plans, named
 * entities, description entities) and the repositories they share.
 */
import { cacheBudget } from "../../config/cache-budget.js";
import type { Config } from "../../config/schema.js";
import { DescriptionEntityRepository } from "../../store/repositories/description-entity-repository.js";
import { LaunchPlanRepository } from "../../store/repositories/launch-plan-repository.js";
import { NamedEntityRepository } from "../../store/repositories/named-entity-repository.js";
import { SchedulableEntityRepository } from "../../store/repositories/schedulable-entity-repository.js";
import { TaskRepository } from "../../store/repositories/task-repository.js";
import { WorkflowRepository } from "../../store/repositories/workflow-repository.js";
import { DescriptionEntityManager } from "../description-entity-manager.js";
import type { ManagerDeps } from "../index.js";
import { LaunchPlanManager } from "../launch-plan-manager.js";
import { NamedEntityManager } from "../named-entity-manager.js";
import type { ProjectManager } from "../project-manager.js";
import { TaskManager, type TaskResourceLookup } from "../task-manager.js";
import { WorkflowManager } from "../workflow-manager.js";

export interface RegistrationManagers {
  readonly tasks: TaskManager;
  readonly workflows: WorkflowManager;
  readonly launchPlans: LaunchPlanManager;
  readonly namedEntities: NamedEntityManager;
  readonly descriptionEntities: DescriptionEntityManager;
}

/** The repositories of the registration entities, for managers that read them (executions). */
export interface RegistrationRepositories {
  readonly tasks: TaskRepository;
  readonly workflows: WorkflowRepository;
  readonly launchPlans: LaunchPlanRepository;
  readonly descriptions: DescriptionEntityRepository;
}

export function createRegistrationRepositories(deps: ManagerDeps): RegistrationRepositories {
  const db = deps.database;
  const descriptions = new DescriptionEntityRepository(db);
  const { rows } = cacheBudget(deps.config);
  return {
    tasks: new TaskRepository(db, descriptions, rows),
    workflows: new WorkflowRepository(db, descriptions, rows),
    launchPlans: new LaunchPlanRepository(db, new SchedulableEntityRepository(db.codec)),
    descriptions,
  };
}

export function createRegistrationManagers(
  deps: ManagerDeps,
  projects: ProjectManager,
  repos: RegistrationRepositories,
  taskResources: TaskResourceLookup,
): RegistrationManagers {
  const config: Config = deps.config;
  const { responses } = cacheBudget(config);
  const tasks = new TaskManager({
    responseCacheBytes: responses,
    database: deps.database,
    tasks: repos.tasks,
    projects,
    configLimits: config.task_resources.limits,
    whitelist: config.task_type_whitelist,
    taskResources,
    logger: deps.logger,
  });
  const workflows = new WorkflowManager({
    responseCacheBytes: responses,
    database: deps.database,
    workflows: repos.workflows,
    tasks: repos.tasks,
    launchPlans: repos.launchPlans,
    projects,
    blobs: deps.blobs,
    storagePrefix: config.flyteadmin.metadataStoragePrefix,
    maxWorkflowNodes: config.registration.maxWorkflowNodes,
    workflowSizeLimit: config.registration.workflowSizeLimit,
  });
  const launchPlans = new LaunchPlanManager({
    answerCacheBytes: responses,
    database: deps.database,
    launchPlans: repos.launchPlans,
    workflows: repos.workflows,
    projects,
    enableArtifacts: config.flyteadmin.featureGates.enableArtifacts,
  });
  const namedEntities = new NamedEntityManager(new NamedEntityRepository(deps.database));
  const descriptionEntities = new DescriptionEntityManager(repos.descriptions);
  return { tasks, workflows, launchPlans, namedEntities, descriptionEntities };
}
