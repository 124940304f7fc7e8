/**
 * Array nodes (map tasks), as FlytePropeller's array node handler runs them
 * with its default event version: one sub-node per element of the list
 * inputs, at most `parallelism` at once, each with its own retries and
 * cache lookup, reading the array node's inputs file with its index in
 * `FLYTE_K8S_ARRAY_INDEX` (flytekit's map task picks its element itself) and
 * writing below `<node>/0/<index>/<attempt>`. The sub-nodes are not node
 * executions of their own: they appear as the external resources of the
 * array node's one task execution (type `container_array`). Once the
 * required successes are out of reach the rest is aborted; the outputs are
 * lists with one element per sub-node (none for a sub-node that failed).
 */
import { setMaxListeners } from "node:events";
import { clone, create } from "@bufbuild/protobuf";
import { durationToNanos } from "../../../common/time.js";
import { CatalogCacheStatus } from "../../../proto/gen/flyteidl/core/catalog_pb.js";
import {
  ExecutionError_ErrorKind,
  ExecutionErrorSchema,
  NodeExecution_Phase,
  TaskExecution_Phase as Phase,
  type TaskLog,
  TaskLogSchema,
} from "../../../proto/gen/flyteidl/core/execution_pb.js";
import {
  type Literal,
  type LiteralMap,
  LiteralMapSchema,
  LiteralSchema,
} from "../../../proto/gen/flyteidl/core/literals_pb.js";
import { type TaskTemplate, TaskTemplateSchema } from "../../../proto/gen/flyteidl/core/tasks_pb.js";
import type { ArrayNode, Node } from "../../../proto/gen/flyteidl/core/workflow_pb.js";
import { type ExternalResourceInfo, ExternalResourceInfoSchema } from "../../../proto/gen/flyteidl/event/event_pb.js";
import {
  ArrayPlanError,
  arrayParallelism,
  arraySize,
  arrayVerdict,
  minSuccesses,
  subNodeInputs,
} from "../array-plan.js";
import { cacheKey } from "../cache-key.js";
import { type NodeContext, type NodeHandler, taskOf, writeOutputs } from "../node-run.js";
import { maxAttempts } from "../retry-policy.js";
import { type NodeResult, taskIdentifier } from "../run-context.js";
import { type AttemptSink, runTask } from "../task-retries.js";
import { generatedName } from "./task-events.js";

const NONE_LITERAL = create(LiteralSchema, {
  value: { case: "scalar", value: { value: { case: "noneType", value: {} } } },
});
const FLUSH_MS = 100;

type SubOutcome = { index: number; outputs?: LiteralMap; error?: string };

function fail(code: string, message: string, kind = ExecutionError_ErrorKind.USER): NodeResult {
  return { phase: "failed", error: create(ExecutionErrorSchema, { code, message, kind }) };
}

/** The array node's one task execution, updated as its sub-nodes move. */
class ArrayTaskEvents {
  readonly #ctx: NodeContext;
  readonly #task: TaskTemplate;
  readonly #resources = new Map<number, ExternalResourceInfo>();
  readonly #dirty = new Set<number>();
  #version = 0;
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<unknown> = Promise.resolve();

  constructor(ctx: NodeContext, task: TaskTemplate) {
    this.#ctx = ctx;
    this.#task = task;
  }

  externalId(index: number, retry: number): string {
    return `${generatedName(this.#ctx.scope.id.name, this.#ctx.uniqueId, 0)}-n${index}-${retry}`;
  }

  update(index: number, retry: number, phase: Phase, logs: TaskLog[] = [], cache = CatalogCacheStatus.CACHE_DISABLED) {
    this.#resources.set(
      index,
      create(ExternalResourceInfoSchema, {
        externalId: this.externalId(index, retry),
        index,
        retryAttempt: retry,
        phase,
        cacheStatus: cache,
        logs: logs.map((l) => create(TaskLogSchema, { ...l, name: `${l.name}-${index}` })),
      }),
    );
    this.#dirty.add(index);
    this.#timer ??= setTimeout(() => void this.flush(Phase.RUNNING), FLUSH_MS);
  }

  async send(phase: Phase, extra: { outputUri?: string; error?: string } = {}): Promise<void> {
    const all = phase !== Phase.RUNNING;
    const indexes = all ? [...this.#resources.keys()] : [...this.#dirty];
    this.#dirty.clear();
    if (!all && indexes.length === 0) return;
    const ctx = this.#ctx;
    const outputResult = extra.outputUri
      ? ({ case: "outputUri", value: extra.outputUri } as const)
      : extra.error !== undefined
        ? ({ case: "error", value: create(ExecutionErrorSchema, { message: extra.error }) } as const)
        : ({ case: undefined } as const);
    const version = phase === Phase.RUNNING ? ++this.#version : 0;
    await ctx.scope.services.events.task({
      taskId: taskIdentifier(this.#task),
      parentNodeExecutionId: { executionId: ctx.scope.id, nodeId: ctx.uniqueId },
      retryAttempt: 0,
      phase,
      phaseVersion: version,
      taskType: "container_array",
      inputValue: phase === Phase.QUEUED ? { case: "inputUri", value: ctx.inputUri } : { case: undefined },
      metadata: {
        pluginIdentifier: "k8s-array",
        externalResources: indexes.sort((a, b) => a - b).map((i) => this.#resources.get(i)!),
      },
      outputResult,
    });
  }

  flush(phase: Phase): Promise<unknown> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#sending = this.#sending.then(() => this.send(phase)).catch(() => undefined);
    return this.#sending;
  }

  async finish(phase: Phase, extra: { outputUri?: string; error?: string }): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#sending;
    await this.send(phase, extra);
  }
}

function subTask(frame: NodeContext["frame"], sub: Node | undefined): TaskTemplate | undefined {
  return sub ? taskOf(frame, sub) : undefined;
}

export const arrayNodeHandler: NodeHandler = {
  usesParallelism: true,
  flags: { isArray: true },
  async run(ctx) {
    const array: ArrayNode | undefined = ctx.node.target.case === "arrayNode" ? ctx.node.target.value : undefined;
    const sub = array?.node;
    const task = subTask(ctx.frame, sub);
    if (!array || !sub || !task) {
      return fail(
        "BadSpecificationError",
        "array node sub-node must be a task node of the closure",
        ExecutionError_ErrorKind.SYSTEM,
      );
    }
    let size: number;
    try {
      size = arraySize(ctx.inputs, array.boundInputs);
    } catch (err) {
      if (err instanceof ArrayPlanError) return fail(err.code, err.message);
      throw err;
    }
    const events = new ArrayTaskEvents(ctx, task);
    for (let i = 0; i < size; i++) events.update(i, 0, Phase.UNDEFINED);
    // A resumed array node's task execution is past QUEUED already.
    if (!ctx.recorded) await events.finish(Phase.QUEUED, {});
    await ctx.event({ phase: NodeExecution_Phase.RUNNING });
    const required = minSuccesses(array, size);
    const limit = arrayParallelism(array, size, ctx.scope.parameters.executionConfig.maxParallelism);
    const outcomes = await runSubNodes(ctx, sub, task, array, size, required, limit, events);
    if (outcomes === undefined) {
      await events.finish(Phase.ABORTED, {});
      return { phase: "aborted", reason: "aborted" };
    }
    const failures = outcomes.filter((o) => o.error !== undefined);
    const succeeded = outcomes.filter((o) => o.outputs !== undefined).length;
    if (succeeded < required) {
      const message = failures.map((f) => `[${f.index}]: ${f.error}`).join("\n") || "Unknown reason";
      await events.finish(Phase.FAILED, { error: message });
      return fail(
        failures.length > 0 ? "ArrayNodeFailing" : "ArrayNodeFailing",
        message,
        ExecutionError_ErrorKind.USER,
      );
    }
    const outputs = gatherOutputs(task, outcomes, size);
    const outputUri = await writeOutputs(ctx, outputs);
    await events.finish(Phase.SUCCEEDED, { outputUri });
    return { phase: "succeeded", outputs, outputUri };
  },
};

async function runSubNodes(
  ctx: NodeContext,
  sub: Node,
  task: TaskTemplate,
  array: ArrayNode,
  size: number,
  required: number,
  limit: number,
  events: ArrayTaskEvents,
): Promise<SubOutcome[] | undefined> {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const onAbort = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  const outcomes: SubOutcome[] = new Array(size);
  let next = 0;
  let succeeded = 0;
  let failed = 0;
  const worker = async () => {
    while (next < size && !controller.signal.aborted) {
      const index = next++;
      const outcome = await runSubNode(ctx, sub, task, array, index, controller.signal, events);
      outcomes[index] = outcome;
      if (outcome.outputs) succeeded++;
      else failed++;
      if (arrayVerdict({ size, succeeded, failed }, required) === "failing") controller.abort("ArrayNodeFailing");
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, size) }, worker));
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
  }
  if (ctx.signal.aborted) return undefined;
  for (let i = 0; i < size; i++) outcomes[i] ??= { index: i, error: "not run: the array node could no longer succeed" };
  return outcomes;
}

async function runSubNode(
  ctx: NodeContext,
  sub: Node,
  task: TaskTemplate,
  array: ArrayNode,
  index: number,
  signal: AbortSignal,
  events: ArrayTaskEvents,
): Promise<SubOutcome> {
  const inputs = subNodeInputs(ctx.inputs, index, array.boundInputs);
  const services = ctx.scope.services;
  const md = task.metadata;
  const key =
    md?.discoverable && task.id && md.discoveryVersion.trim() !== ""
      ? cacheKey(task.id, md.discoveryVersion, task.interface, inputs, md.cacheIgnoreInputVars)
      : undefined;
  if (key && !ctx.scope.overwriteCache) {
    const hit = await services.cache.get(key).catch(() => undefined);
    if (hit) {
      events.update(index, 0, Phase.SUCCEEDED, [], CatalogCacheStatus.CACHE_HIT);
      return { index, outputs: hit.outputs };
    }
  }
  const sink: AttemptSink = {
    queued: async (attempt) => events.update(index, attempt, Phase.QUEUED),
    running: async (attempt, logs) => events.update(index, attempt, Phase.RUNNING, logs),
    succeeded: async (attempt, _uri, logs) => events.update(index, attempt, Phase.SUCCEEDED, logs),
    failed: async (attempt, _error, logs) => events.update(index, attempt, Phase.FAILED, logs),
    aborted: async (attempt, _reason, logs) => events.update(index, attempt, Phase.ABORTED, logs),
  };
  const result = await runTask({
    scope: ctx.scope,
    task: singularOutputs(task),
    uniqueNodeId: ctx.uniqueId,
    outputDir: `${ctx.nodeDir}/0/${index}`,
    rawOutputDir: `${ctx.scope.rawOutputPrefix}/${ctx.uniqueId}/${index}`,
    inputs,
    inputUri: ctx.inputUri,
    index,
    signal,
    timeoutNanos: sub.metadata?.timeout ? durationToNanos(sub.metadata.timeout) : 0,
    maxAttempts: maxAttempts(sub.metadata?.retries?.retries, md?.retries?.retries),
    sink,
    resume: ctx.scope.resume ? { systemFailedAttempts: new Set<number>() } : undefined,
  });
  switch (result.kind) {
    case "succeeded":
      if (key) await services.cache.put(key, result.outputs, undefined).catch(() => undefined);
      return { index, outputs: result.outputs };
    case "failed":
      return { index, error: result.error.message };
    case "dynamic":
      return { index, error: "a map task's sub-task returned a dynamic workflow, which array nodes do not run" };
    case "aborted":
      return { index, error: `aborted: ${result.reason}` };
  }
}

/** The task as a sub-task sees it: list outputs become their element type (FlytePropeller's `arrayTaskReader`). */
function singularOutputs(task: TaskTemplate): TaskTemplate {
  const outputs = task.interface?.outputs;
  if (!outputs) return task;
  const copy = clone(TaskTemplateSchema, task);
  for (const variable of Object.values(copy.interface?.outputs?.variables ?? {})) {
    const type = variable.type?.type;
    if (type?.case === "collectionType") variable.type = type.value;
  }
  return copy;
}

/** One list per output variable, in sub-node order; none where a sub-node produced nothing. */
function gatherOutputs(task: TaskTemplate, outcomes: readonly SubOutcome[], size: number): LiteralMap {
  const literals: Record<string, Literal> = {};
  for (const name of Object.keys(task.interface?.outputs?.variables ?? {})) {
    const items: Literal[] = [];
    for (let i = 0; i < size; i++) items.push(outcomes[i]?.outputs?.literals[name] ?? NONE_LITERAL);
    literals[name] = create(LiteralSchema, { value: { case: "collection", value: { literals: items } } });
  }
  return create(LiteralMapSchema, { literals });
}
