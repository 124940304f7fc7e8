/** Builds the execution manager and what it depends on (called by createManagers). */

import { protoText } from "../../compiler/index.js";
import { cacheBudget } from "../../config/cache-budget.js";
import { ExecutorRegistry } from "../../engine/executor-registry.js";
import { AdminError } from "../../errors/admin-error.js";
import { NodeExecutionIdentifierSchema } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { ExecutionRepository } from "../../store/repositories/execution-repository.js";
import type { NodeExecutionRepository } from "../../store/repositories/node-execution-repository.js";
import { dataSettings } from "../data/literal-data.js";
import type { ManagerDeps } from "../index.js";
import type { ProjectManager } from "../project-manager.js";
import { ExecutionDataReader } from "./execution-data.js";
import { ExecutionManager } from "./execution-manager.js";
import { LaunchResolver } from "./launch-resolver.js";
import { ExecutionLauncher } from "./launcher.js";
import type { MatchableAttributes, NodeExecutionLookup, RegisteredEntities } from "./sources.js";

export interface ExecutionSources {
  readonly entities: RegisteredEntities;
  readonly attributes: MatchableAttributes;
  readonly nodes: NodeExecutionLookup;
}

/**
 * The execution manager over its repository, the configured executor and
 * the sources other managers provide.
 *
 * @example
 * const executions = createExecutionManager(deps, projects, { entities, attributes, nodes });
 */
export function createExecutionManager(
  deps: ManagerDeps,
  projects: ProjectManager,
  sources: ExecutionSources,
): ExecutionManager {
  const { config, database: db, blobs, logger } = deps;
  const executions = new ExecutionRepository(db);
  const executor = (deps.executors ?? ExecutorRegistry.builtIn()).create(config.executor.type, {
    config,
    blobs,
    logger,
  });
  const resolver = new LaunchResolver({ config, blobs, projects, executions, ...sources });
  const launcher = new ExecutionLauncher({ db, executions, blobs, executor, logger });
  const data = new ExecutionDataReader(db, executions, blobs, dataSettings(config));
  return new ExecutionManager({
    config,
    db,
    executions,
    blobs,
    executor,
    resolver,
    launcher,
    data,
    answerCacheBytes: cacheBudget(config).responses,
  });
}

/**
 * Node executions by id, for lineage: the row id, NOT_FOUND in FlyteAdmin's
 * words otherwise.
 */
export function nodeExecutionLookup(nodes: NodeExecutionRepository): NodeExecutionLookup {
  return {
    async rowId(id) {
      const e = id.executionId;
      const key = { project: e?.project ?? "", domain: e?.domain ?? "", name: e?.name ?? "", nodeId: id.nodeId };
      const rowId = await nodes.idOf(key);
      if (rowId === undefined) {
        throw AdminError.notFound(
          `missing entity of type node execution with identifier ${protoText(NodeExecutionIdentifierSchema, id)}`,
        );
      }
      return rowId;
    },
  };
}
