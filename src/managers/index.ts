/**
 * Builds every manager from the store, the blob store and the config. The
 * server calls this once; handlers receive the result.
 */
import type { Logger } from "pino";
import type { DataStore } from "../blob/data-store.js";
import type { Config } from "../config/schema.js";
import type { ExecutorRegistry } from "../engine/executor-registry.js";
import type { Database } from "../store/database.js";
import { ProjectRepository } from "../store/repositories/project-repository.js";
import { ResourceRepository } from "../store/repositories/resource-repository.js";
import { AttributesManager } from "./attributes-manager.js";
import { DataProxyManager } from "./dataproxy-manager.js";
import type { ExecutionManager } from "./executions/execution-manager.js";
import { createExecutionManager, launchPlansNotYetRegistered, nodeExecutionLookup } from "./executions/wiring.js";
import { ProjectManager } from "./project-manager.js";
import {
  createRegistrationManagers,
  createRegistrationRepositories,
  type RegistrationManagers,
  type RegistrationRepositories,
} from "./registration/create.js";

export interface ManagerDeps {
  readonly config: Config;
  readonly database: Database;
  readonly blobs: DataStore;
  readonly logger: Logger;
  /** The engines `executor.type` chooses from (default: the built-in ones). */
  readonly executors?: ExecutorRegistry | undefined;
}

/** Everything the service handlers call. */
export interface Managers extends RegistrationManagers {
  readonly projects: ProjectManager;
  readonly dataProxy: DataProxyManager;
  /** Matchable attributes: the RPCs and `resolve`, the most-specific lookup other managers apply settings with. */
  readonly attributes: AttributesManager;
  /** Repositories of tasks, workflows, launch plans and descriptions, for managers that read them. */
  readonly registrationRepos: RegistrationRepositories;
  readonly executions: ExecutionManager;
}

export function createManagers(deps: ManagerDeps): Managers {
  const projects = new ProjectManager(new ProjectRepository(deps.database), deps.config.domains);
  const attributes = new AttributesManager({
    database: deps.database,
    resources: new ResourceRepository(deps.database),
    projects,
    app: deps.config.flyteadmin,
  });
  const registrationRepos = createRegistrationRepositories(deps);
  const registration = createRegistrationManagers(deps, projects, registrationRepos, (project, domain) =>
    attributes.taskResourceAttributes(project, domain),
  );
  const dataProxy = new DataProxyManager(deps.blobs, deps.config.server.dataProxy);
  const executions = createExecutionManager(deps, projects, {
    entities: launchPlansNotYetRegistered(),
    attributes,
    nodes: nodeExecutionLookup(deps.database),
    breakdown: async () => undefined,
  });
  return { projects, registrationRepos, ...registration, dataProxy, attributes, executions };
}
