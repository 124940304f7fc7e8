/**
 * Builds every manager from the store, the blob store and the config. The
 * server calls this once; handlers receive the result.
 */
import type { Logger } from "pino";
import type { DataStore } from "../blob/data-store.js";
import type { Config } from "../config/schema.js";
import type { Database } from "../store/database.js";
import { DescriptionEntityRepository } from "../store/repositories/description-entity-repository.js";
import { ProjectRepository } from "../store/repositories/project-repository.js";
import { ResourceRepository } from "../store/repositories/resource-repository.js";
import { TaskRepository } from "../store/repositories/task-repository.js";
import { AttributesManager } from "./attributes-manager.js";
import { DataProxyManager } from "./dataproxy-manager.js";
import { ProjectManager } from "./project-manager.js";
import { TaskManager } from "./task-manager.js";

export interface ManagerDeps {
  readonly config: Config;
  readonly database: Database;
  readonly blobs: DataStore;
  readonly logger: Logger;
}

/** Everything the service handlers call. */
export interface Managers {
  readonly projects: ProjectManager;
  readonly tasks: TaskManager;
  readonly dataProxy: DataProxyManager;
  /** Matchable attributes: the RPCs and `resolve`, the most-specific lookup other managers apply settings with. */
  readonly attributes: AttributesManager;
}

export function createManagers(deps: ManagerDeps): Managers {
  const projects = new ProjectManager(new ProjectRepository(deps.database), deps.config.domains);
  const attributes = new AttributesManager({
    database: deps.database,
    resources: new ResourceRepository(deps.database),
    projects,
    app: deps.config.flyteadmin,
  });
  const descriptions = new DescriptionEntityRepository(deps.database);
  const tasks = new TaskManager({
    database: deps.database,
    tasks: new TaskRepository(deps.database, descriptions),
    projects,
    configLimits: deps.config.task_resources.limits,
    whitelist: deps.config.task_type_whitelist,
    taskResources: (project, domain) => attributes.taskResourceAttributes(project, domain),
    logger: deps.logger,
  });
  const dataProxy = new DataProxyManager(deps.blobs, deps.config.server.dataProxy);
  return { projects, tasks, dataProxy, attributes };
}
