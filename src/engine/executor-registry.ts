/**
 * Which engine `executor.type` selects. Engines are built by factories keyed
 * by type, so a deployment (or a test) can register its own without touching
 * the execution manager.
 */
import type { Logger } from "pino";
import type { DataStore } from "../blob/data-store.js";
import type { Config } from "../config/schema.js";
import { ExternalExecutor } from "./external-executor.js";
import type { WorkflowExecutor } from "./workflow-executor.js";

export interface ExecutorDeps {
  readonly config: Config;
  readonly blobs: DataStore;
  readonly logger: Logger;
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

  /** The engines this build has: `external`, and `local` which records only until the local engine exists. */
  static builtIn(): ExecutorRegistry {
    return new ExecutorRegistry(
      new Map<string, ExecutorFactory>([
        ["external", () => new ExternalExecutor()],
        [
          "local",
          ({ logger }) => {
            logger.warn(
              "executor.type local: this build has no local engine yet; executions are recorded only, as with " +
                "executor.type external, and stay UNDEFINED until an engine reports events for them",
            );
            return new ExternalExecutor();
          },
        ],
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
