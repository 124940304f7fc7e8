/**
 * `executor.type: kubernetes` (executions.md §5): each execution becomes a
 * `FlyteWorkflow` resource that FlytePropeller runs, reporting events back
 * through the event RPCs; terminating deletes the resource. One in-cluster
 * target, whose id is "" as in FlyteAdmin's in-cluster mode.
 */
import type { Logger } from "pino";
import { protoText } from "../../compiler/index.js";
import type { Config } from "../../config/schema.js";
import { AdminError } from "../../errors/admin-error.js";
import { WorkflowExecutionIdentifierSchema } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { AbortData, ExecutionData, ExecutionInfo, WorkflowExecutor } from "../workflow-executor.js";
import { type FlyteWorkflowSettings, flyteWorkflowFor } from "./flyteworkflow-builder.js";
import { type FlyteWorkflowApi, KubeApiError, KubeFlyteWorkflowApi } from "./kube-client.js";

/** The cluster id of the in-cluster target; `"id"` is its other accepted spelling. */
const IN_CLUSTER = "";
const IN_CLUSTER_ALIAS = "id";

/**
 * Launches executions as FlyteWorkflow resources.
 *
 * @example
 * const executor = KubernetesExecutor.fromConfig(config, logger);
 * const { cluster } = await executor.execute(data); // cluster "" (in-cluster)
 * await executor.abort({ executionId, cluster, namespace });
 */
export class KubernetesExecutor implements WorkflowExecutor {
  readonly type: string = "kubernetes";
  readonly #api: FlyteWorkflowApi;
  readonly #settings: FlyteWorkflowSettings;
  readonly #logger: Logger;

  constructor(api: FlyteWorkflowApi, settings: FlyteWorkflowSettings, logger: Logger) {
    this.#api = api;
    this.#settings = Object.freeze({ ...settings });
    this.#logger = logger;
  }

  /** The executor FlyteAdmin's keys describe (`server.kube-config`, `server.master`, `flyteadmin.*` switches). */
  static fromConfig(config: Config, logger: Logger): KubernetesExecutor {
    const f = config.flyteadmin;
    return new KubernetesExecutor(
      KubeFlyteWorkflowApi.fromConfig(config),
      {
        useOffloadedWorkflowClosure: f.useOffloadedWorkflowClosure,
        useOffloadedInputs: f.useOffloadedInputs,
        consoleUrl: f.consoleUrl,
      },
      logger,
    );
  }

  /**
   * Builds and creates the resource. A workflow the transform refuses throws its compile errors (recorded as
   * "Unknown"); a resource that already exists is left as it is (a retried launch); any other API failure is
   * INTERNAL "failed to create workflow in propeller <err>".
   */
  async execute(data: ExecutionData): Promise<ExecutionInfo> {
    const resource = flyteWorkflowFor(data, this.#settings);
    const label = data.executionParameters.executionClusterLabel?.value ?? "";
    if (label !== "") {
      throw AdminError.internal(
        `failed to create workflow in propeller execution cluster label ${label} is not supported`,
      );
    }
    try {
      await this.#api.create(data.namespace, resource);
    } catch (err) {
      if (err instanceof KubeApiError && err.alreadyExists) {
        this.#logger.info({ execution: data.executionId.name }, "FlyteWorkflow already exists; left as it is");
      } else {
        throw AdminError.internal(`failed to create workflow in propeller ${(err as Error).message}`);
      }
    }
    return { cluster: IN_CLUSTER };
  }

  /** Deletes the resource (background propagation); one that is already gone is fine. */
  async abort(data: AbortData): Promise<void> {
    if (data.cluster !== IN_CLUSTER && data.cluster !== IN_CLUSTER_ALIAS) {
      throw AdminError.internal(`remote target ${data.cluster} is not supported`);
    }
    try {
      await this.#api.delete(data.namespace, data.executionId.name);
    } catch (err) {
      if (err instanceof KubeApiError && err.notFound) return;
      const id = protoText(WorkflowExecutionIdentifierSchema, data.executionId);
      throw AdminError.internal(`failed to terminate execution: ${id} with err ${(err as Error).message}`);
    }
  }
}
