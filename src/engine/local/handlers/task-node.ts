/**
 * Task nodes: in a recovery execution, the original's outputs when the node
 * succeeded there (reported RECOVERED); a cache lookup first when the task is `discoverable` (a hit is
 * reported SUCCEEDED with CACHE_HIT and the cached outputs, with no attempt
 * run; `overwrite_cache` skips the lookup), then attempts with retries; a
 * successful attempt is written to the cache (CACHE_POPULATED). An attempt
 * that leaves a `futures.pb` makes the node a dynamic node.
 */
import { create } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { durationToNanos } from "../../../common/time.js";
import { CatalogCacheStatus } from "../../../proto/gen/flyteidl/core/catalog_pb.js";
import type { DynamicJobSpec } from "../../../proto/gen/flyteidl/core/dynamic_job_pb.js";
import { ExecutionError_ErrorKind, ExecutionErrorSchema } from "../../../proto/gen/flyteidl/core/execution_pb.js";
import { TaskExecutionIdentifierSchema } from "../../../proto/gen/flyteidl/core/identifier_pb.js";
import { type LiteralMap, LiteralMapSchema } from "../../../proto/gen/flyteidl/core/literals_pb.js";
import type { TaskTemplate } from "../../../proto/gen/flyteidl/core/tasks_pb.js";
import { type CacheKey, cacheKey } from "../cache-key.js";
import { type NodeContext, type NodeHandler, taskOf, writeOutputs } from "../node-run.js";
import { maxAttempts } from "../retry-policy.js";
import { type NodeResult, type TaskNodeInfo, taskIdentifier } from "../run-context.js";
import { runTask } from "../task-retries.js";
import { taskEventSink } from "./task-events.js";

/** Runs the dynamic workflow a task returned (see dynamic-node.ts). */
export type DynamicRunner = (
  ctx: NodeContext,
  task: TaskTemplate,
  spec: DynamicJobSpec,
  futuresUri: string,
  attempt: number,
) => Promise<NodeResult>;

function missingTask(ctx: NodeContext): NodeResult {
  return {
    phase: "failed",
    error: create(ExecutionErrorSchema, {
      code: "BadSpecificationError",
      message: `task of node [${ctx.node.id}] is not in the workflow closure`,
      kind: ExecutionError_ErrorKind.SYSTEM,
    }),
  };
}

/** The cache key of a task node, or undefined when it is not cacheable. */
export function nodeCacheKey(ctx: NodeContext, task: TaskTemplate, logger: Logger): CacheKey | undefined {
  const md = task.metadata;
  if (!md?.discoverable || !task.id) return undefined;
  try {
    return cacheKey(task.id, md.discoveryVersion, task.interface, ctx.inputs, md.cacheIgnoreInputVars);
  } catch (err) {
    logger.warn({ err, node: ctx.node.id }, "local engine: task cannot be cached");
    return undefined;
  }
}

/**
 * RecoverExecution, as FlytePropeller recovers a task node: when the node
 * succeeded in the original execution, its outputs are copied to this node
 * and it is reported RECOVERED without running. A node whose declared outputs
 * cannot be read back runs again.
 */
async function recoverNode(ctx: NodeContext, task: TaskTemplate): Promise<NodeResult | undefined> {
  const from = ctx.scope.parameters.recoveryExecution;
  if (!from) return undefined;
  const found = await ctx.scope.services.controlPlane.recoverableNode(from, ctx.uniqueId).catch((err: unknown) => {
    ctx.scope.services.logger.warn({ err, node: ctx.uniqueId }, "local engine: cannot look up the node to recover");
    return undefined;
  });
  if (!found) return undefined;
  const declared = Object.keys(task.interface?.outputs?.variables ?? {});
  const outputs = found.outputs ?? create(LiteralMapSchema);
  if (declared.some((name) => outputs.literals[name] === undefined)) return undefined;
  const outputUri = declared.length > 0 ? await writeOutputs(ctx, outputs) : "";
  return { phase: "succeeded", outputs, outputUri, recovered: true };
}

/**
 * The handler of task nodes.
 *
 * @example
 * const handler = taskNodeHandler(runDynamic);
 */
export function taskNodeHandler(runDynamic: DynamicRunner): NodeHandler {
  return {
    usesParallelism: true,
    targetEntity: ({ frame, node }) => taskOf(frame, node)?.id,
    async beforeQueued(ctx) {
      const task = taskOf(ctx.frame, ctx.node);
      if (!task) return undefined;
      const recovered = await recoverNode(ctx, task);
      if (recovered) return recovered;
      if (ctx.scope.overwriteCache) return undefined;
      const key = nodeCacheKey(ctx, task, ctx.scope.services.logger);
      if (!key) return undefined;
      const hit = await ctx.scope.services.cache.get(key).catch(() => undefined);
      if (!hit) return undefined;
      const outputUri = await writeOutputs(ctx, hit.outputs);
      return {
        phase: "succeeded",
        outputs: hit.outputs,
        outputUri,
        taskNode: { cacheStatus: CatalogCacheStatus.CACHE_HIT, catalogKey: hit.metadata },
      };
    },
    async run(ctx) {
      const task = taskOf(ctx.frame, ctx.node);
      if (!task) return missingTask(ctx);
      const result = await runTask({
        scope: ctx.scope,
        task,
        uniqueNodeId: ctx.uniqueId,
        outputDir: ctx.nodeDir,
        rawOutputDir: `${ctx.scope.rawOutputPrefix}/${ctx.uniqueId}`,
        inputs: ctx.inputs,
        inputUri: ctx.inputUri,
        signal: ctx.signal,
        timeoutNanos: ctx.node.metadata?.timeout ? durationToNanos(ctx.node.metadata.timeout) : 0,
        maxAttempts: maxAttempts(ctx.node.metadata?.retries?.retries, task.metadata?.retries?.retries),
        sink: taskEventSink(ctx, task),
        resume: ctx.scope.resume
          ? { systemFailedAttempts: new Set(ctx.recorded?.systemFailedAttempts ?? []) }
          : undefined,
      });
      switch (result.kind) {
        case "aborted":
          return { phase: "aborted", reason: result.reason };
        case "failed":
          return { phase: "failed", error: result.error, taskNode: { checkpointUri: result.checkpointUri } };
        case "dynamic":
          return runDynamic(ctx, task, result.spec, result.futuresUri, result.attempt);
        case "succeeded": {
          const taskNode: TaskNodeInfo = await populateCache(ctx, task, result.outputs, result.attempt);
          return {
            phase: "succeeded",
            outputs: result.outputs,
            outputUri: result.outputUri,
            taskNode: { ...taskNode, checkpointUri: result.checkpointUri },
          };
        }
      }
    },
  };
}

async function populateCache(
  ctx: NodeContext,
  task: TaskTemplate,
  outputs: LiteralMap,
  attempt: number,
): Promise<TaskNodeInfo> {
  const services = ctx.scope.services;
  const key = nodeCacheKey(ctx, task, services.logger);
  // With overwrite_cache the lookup was skipped, but the new result is still written, as FlytePropeller does.
  if (!key) return { cacheStatus: CatalogCacheStatus.CACHE_DISABLED };
  const source = create(TaskExecutionIdentifierSchema, {
    taskId: taskIdentifier(task),
    nodeExecutionId: { executionId: ctx.scope.id, nodeId: ctx.uniqueId },
    retryAttempt: attempt,
  });
  try {
    const catalogKey = await services.cache.put(key, outputs, source);
    return { cacheStatus: CatalogCacheStatus.CACHE_POPULATED, catalogKey };
  } catch (err) {
    services.logger.warn({ err, node: ctx.node.id }, "local engine: writing the task cache failed");
    return { cacheStatus: CatalogCacheStatus.CACHE_PUT_FAILURE };
  }
}
