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
import { TaskRepository } from "../store/repositories/task-repository.js";
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
}

export function createManagers(deps: ManagerDeps): Managers {
  const projects = new ProjectManager(new ProjectRepository(deps.database), deps.config.domains);
  const descriptions = new DescriptionEntityRepository(deps.database);
  const tasks = new TaskManager({
    database: deps.database,
    tasks: new TaskRepository(deps.database, descriptions),
    projects,
    configLimits: deps.config.task_resources.limits,
    whitelist: deps.config.task_type_whitelist,
    // TASK_RESOURCE matchable attributes: wired to AttributesManager.resolve once it lands.
    taskResources: async () => undefined,
    logger: deps.logger,
  });
  const dataProxy = new DataProxyManager(deps.blobs, deps.config.server.dataProxy);
  return { projects, tasks, dataProxy };
}
