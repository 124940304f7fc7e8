/**
 * Builds every manager from the store, the blob store and the config. The
 * server calls this once; handlers receive the result.
 */
import type { Logger } from "pino";
import type { DataStore } from "../blob/data-store.js";
import { cacheBudget } from "../config/cache-budget.js";
import type { Config } from "../config/schema.js";
import type { ExecutorRegistry } from "../engine/executor-registry.js";
import type { Database } from "../store/database.js";
import { NodeExecutionRepository } from "../store/repositories/node-execution-repository.js";
import { ProjectRepository } from "../store/repositories/project-repository.js";
import { ResourceRepository } from "../store/repositories/resource-repository.js";
import { SignalRepository } from "../store/repositories/signal-repository.js";
import { TaskExecutionRepository } from "../store/repositories/task-execution-repository.js";
import { AttributesManager } from "./attributes-manager.js";
import { ArtifactDataManager } from "./data/artifact-data-manager.js";
import { dataSettings } from "./data/literal-data.js";
import { DataProxyManager } from "./dataproxy-manager.js";
import { createEventManagers, type EventManagers } from "./events/index.js";
import type { ExecutionManager } from "./executions/execution-manager.js";
import { ExecutionMetricsManager } from "./executions/execution-metrics.js";
import { registeredEntities } from "./executions/registered-entities.js";
import { createExecutionManager, nodeExecutionLookup } from "./executions/wiring.js";
import { NodeExecutionManager } from "./node-execution-manager.js";
import { ProjectManager } from "./project-manager.js";
import {
  createRegistrationManagers,
  createRegistrationRepositories,
  type RegistrationManagers,
  type RegistrationRepositories,
} from "./registration/create.js";
import { SignalManager } from "./signal-manager.js";
import { TaskExecutionManager } from "./task-execution-manager.js";

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
  readonly executionMetrics: ExecutionMetricsManager;
  readonly events: EventManagers;
  readonly nodeExecutions: NodeExecutionManager;
  readonly taskExecutions: TaskExecutionManager;
  readonly signals: SignalManager;
  readonly artifacts: ArtifactDataManager;
}

export function createManagers(deps: ManagerDeps): Managers {
  const projects = new ProjectManager(
    new ProjectRepository(deps.database),
    deps.config.domains,
    cacheBudget(deps.config).projects,
  );
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
  const { database: db, blobs, config } = deps;
  const nodes = new NodeExecutionRepository(db);
  const executions = createExecutionManager(deps, projects, {
    entities: registeredEntities({
      codec: deps.database.codec,
      repos: registrationRepos,
      workflows: registration.workflows,
      launchPlans: registration.launchPlans,
      namedEntities: registration.namedEntities,
    }),
    attributes,
    nodes: nodeExecutionLookup(nodes),
  });

  const taskAttempts = new TaskExecutionRepository(db);
  const log = (err: unknown, what: string) => deps.logger.warn({ err }, what);
  const events = createEventManagers({ config, db, blobs, nodes, tasks: taskAttempts, log });
  const data = dataSettings(config);
  const nodeExecutions = new NodeExecutionManager({ nodes, tasks: taskAttempts, blobs, data });
  const taskExecutions = new TaskExecutionManager({ tasks: taskAttempts, blobs, data });
  const signals = new SignalManager(new SignalRepository(db));
  const executionMetrics = new ExecutionMetricsManager({
    getExecution: (id) => executions.get(id),
    getWorkflow: (req) => registration.workflows.get(req),
    listNodeExecutions: (req) => nodeExecutions.list(req),
    getNodeExecutionData: (req) => nodeExecutions.getData(req),
    listTaskExecutions: (req) => taskExecutions.list(req),
  });
  const artifacts = new ArtifactDataManager({
    nodes: nodeExecutions,
    tasks: taskExecutions,
    blobs,
    config: config.server.dataProxy,
  });
  return {
    projects,
    registrationRepos,
    ...registration,
    dataProxy,
    attributes,
    executions,
    executionMetrics,
    events,
    nodeExecutions,
    taskExecutions,
    signals,
    artifacts,
  };
}
