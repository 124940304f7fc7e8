/**
 * Which engine `executor.type` selects. Engines are built by factories keyed
 * by type, so a deployment (or a test) can register its own without touching
 * the execution manager.
 */
import type { Logger } from "pino";
import type { DataStore } from "../blob/data-store.js";
import type { Config } from "../config/schema.js";
import { ExternalExecutor } from "./external-executor.js";
import { LocalExecutor } from "./local/local-executor.js";
import type { AbortData, ExecutionData, ExecutionInfo, WorkflowExecutor } from "./workflow-executor.js";

export interface ExecutorDeps {
  readonly config: Config;
  readonly blobs: DataStore;
  readonly logger: Logger;
  /** The server's data directory (the local engine keeps working directories and task logs below it). */
  readonly dataDir?: string | undefined;
}

export type ExecutorFactory = (deps: ExecutorDeps) => WorkflowExecutor;

/**
 * Executor factories by type.
 *
 * @example
 * const executor = ExecutorRegistry.builtIn().create(config.executor.type, deps);
 * const custom = ExecutorRegistry.builtIn().with("external", () => new MyEngine());
 */
export class ExecutorRegistry {
  readonly #factories: ReadonlyMap<string, ExecutorFactory>;

  constructor(factories: ReadonlyMap<string, ExecutorFactory>) {
    this.#factories = factories;
  }

  /**
   * The engines this build has: `external`, `kubernetes` (FlyteWorkflow resources), and `local` (the local engine,
   * bound to the admin by the server).
   */
  static builtIn(): ExecutorRegistry {
    return new ExecutorRegistry(
      new Map<string, ExecutorFactory>([
        ["external", () => new ExternalExecutor()],
        [
          "kubernetes",
          ({ config, logger }) =>
            new DeferredExecutor(
              "kubernetes",
              import("./kubernetes/k8s-executor.js").then((m) => m.KubernetesExecutor.fromConfig(config, logger)),
              logger,
            ),
        ],
        ["local", (deps) => new LocalExecutor({ ...deps, dataDir: deps.dataDir ?? process.cwd() })],
      ]),
    );
  }

  /** A registry with `type` built by `factory` (replacing any built-in one). */
  with(type: string, factory: ExecutorFactory): ExecutorRegistry {
    return new ExecutorRegistry(new Map([...this.#factories, [type, factory]]));
  }

  create(type: string, deps: ExecutorDeps): WorkflowExecutor {
    const factory = this.#factories.get(type);
    if (!factory) throw new Error(`executor.type ${type} is not supported by this build yet`);
    return factory(deps);
  }
}

/**
 * An engine whose module is loaded only when its type is chosen: the Kubernetes client library alone costs
 * about half of the server's start-up when it is imported eagerly. The loading starts at once; a failure (no
 * kubeconfig, say) is logged then and answered to every call.
 */
class DeferredExecutor implements WorkflowExecutor {
  readonly type: string;
  readonly #executor: Promise<WorkflowExecutor>;

  constructor(type: string, executor: Promise<WorkflowExecutor>, logger: Logger) {
    this.type = type;
    this.#executor = executor;
    executor.catch((err: unknown) => logger.error({ err }, `executor ${type} cannot start`));
  }

  async execute(data: ExecutionData): Promise<ExecutionInfo> {
    return (await this.#executor).execute(data);
  }

  async abort(data: AbortData): Promise<void> {
    return (await this.#executor).abort(data);
  }
}
