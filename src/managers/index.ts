/**
 * Builds every manager from the store, the blob store and the config. The
 * server calls this once; handlers receive the result.
 */
import type { Logger } from "pino";
import type { DataStore } from "../blob/data-store.js";
import type { Config } from "../config/schema.js";
import type { Database } from "../store/database.js";
import { ProjectRepository } from "../store/repositories/project-repository.js";
import { ProjectManager } from "./project-manager.js";

export interface ManagerDeps {
  readonly config: Config;
  readonly database: Database;
  readonly blobs: DataStore;
  readonly logger: Logger;
}

/** Everything the service handlers call. */
export interface Managers {
  readonly projects: ProjectManager;
}

export function createManagers(deps: ManagerDeps): Managers {
  const projects = new ProjectManager(new ProjectRepository(deps.database), deps.config.domains);
  return { projects };
}
