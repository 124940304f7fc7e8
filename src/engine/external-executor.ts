/**
 * `executor.type: external`: FlyteAdmin records the execution and something
 * else (FlytePropeller watching this admin, or any engine speaking the event
 * RPCs) runs it and reports its progress. Launching and aborting are
 * bookkeeping only.
 */
import type { AbortData, ExecutionData, ExecutionInfo, WorkflowExecutor } from "./workflow-executor.js";

/**
 * The engine that leaves running to someone else.
 *
 * @example
 * const executor = new ExternalExecutor();
 * const { cluster } = await executor.execute(data); // cluster ""
 */
export class ExternalExecutor implements WorkflowExecutor {
  readonly type: string = "external";

  async execute(_data: ExecutionData): Promise<ExecutionInfo> {
    // The engine reports its cluster with its first QUEUED event (producer_id), which reassigns it.
    return { cluster: "" };
  }

  async abort(_data: AbortData): Promise<void> {
    // The engine learns of the abort from the execution's ABORTING phase.
  }
}
