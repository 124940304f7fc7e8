/**
 * The life of one node, whatever its kind, as FlytePropeller's node executor
 * runs it: resolve its inputs from its bindings and store them; take a slot
 * of the execution's `max_parallelism` (task, array and launch plan nodes);
 * report QUEUED; let the kind's handler run it (reporting RUNNING and its
 * own task events); enforce the node's active deadline (twice its timeout);
 * report how it ended (SUCCEEDED with its outputs, FAILED, TIMED_OUT,
 * ABORTED). Node ids below the top level are the unique ids FlytePropeller
 * derives, with the parent node and retry group recorded.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { formatGoDuration } from "../../common/duration.js";
import { durationToNanos } from "../../common/time.js";
import {
  ExecutionError_ErrorKind,
  ExecutionErrorSchema,
  NodeExecution_Phase,
} from "../../proto/gen/flyteidl/core/execution_pb.js";
import type { Identifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { type LiteralMap, LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import type { Node } from "../../proto/gen/flyteidl/core/workflow_pb.js";
import { TaskNodeMetadataSchema } from "../../proto/gen/flyteidl/event/event_pb.js";
import { BINDING_RESOLUTION_FAILURE, BindingError, resolveBindings } from "./binding-resolver.js";
import type { RecordedNode } from "./control-plane.js";
import type { EventOutcome, NodeEventInit } from "./event-reporter.js";
import { pastRunning, recordedResult } from "./resume-state.js";
import {
  abortReason,
  type ExecutionScope,
  type Frame,
  idKey,
  type NodeResult,
  type TaskNodeInfo,
} from "./run-context.js";
import { uniqueNodeId } from "./unique-id.js";

/** What a handler works with. */
export interface NodeContext {
  readonly scope: ExecutionScope;
  readonly frame: Frame;
  readonly node: Node;
  /** The id events carry (unique below the top level). */
  readonly uniqueId: string;
  /** Storage prefix of the node's data (`inputs.pb`, `<attempt>/outputs.pb`). */
  readonly nodeDir: string;
  readonly inputs: LiteralMap;
  readonly inputUri: string;
  /** Aborted when the node must stop (its execution aborted or failing, its deadline passed). */
  readonly signal: AbortSignal;
  /** Sends a node event with this node's common fields. */
  event(init: Omit<NodeEventInit, "id">): Promise<EventOutcome>;
  /** What a previous server recorded of this node (it was running when that server stopped). */
  readonly recorded?: RecordedNode | undefined;
}

/** How one kind of node is run. */
export interface NodeHandler {
  /** Task, array and launch plan nodes count against the execution's `max_parallelism`. */
  readonly usesParallelism: boolean;
  /** Marks the node's events (sub-workflow: is_parent; array: is_array). */
  readonly flags?: { readonly isParent?: boolean; readonly isArray?: boolean };
  /** The entity events name (the task, the launch plan). */
  targetEntity?(ctx: Pick<NodeContext, "node" | "frame">): Identifier | undefined;
  /** A result that makes the run unnecessary (a cache hit): reported as SUCCEEDED without QUEUED. */
  beforeQueued?(ctx: NodeContext): Promise<NodeResult | undefined>;
  run(ctx: NodeContext): Promise<NodeResult>;
}

/** Picks the handler of a node. */
export type HandlerLookup = (node: Node) => NodeHandler;

class DeadlineExceeded extends Error {}

/** The common fields of every event of `node`. */
export function nodeEventBase(
  frame: Frame,
  node: Node,
  uniqueId: string,
  scopeId: ExecutionScope["id"],
  handler: NodeHandler | undefined,
): Omit<NodeEventInit, "phase"> {
  return {
    id: { executionId: scopeId, nodeId: uniqueId },
    specNodeId: node.id,
    nodeName: node.metadata?.name ?? "",
    parentNodeMetadata: frame.parent ? { nodeId: frame.parent.uniqueId } : undefined,
    retryGroup: frame.parent ? String(frame.parent.attempt) : "",
    isInDynamicChain: frame.parent?.inDynamicChain ?? false,
    isParent: handler?.flags?.isParent ?? false,
    isArray: handler?.flags?.isArray ?? false,
    targetEntity: handler?.targetEntity?.({ node, frame }),
  };
}

/** The task-node metadata of an event, when there is any to report. */
export function taskNodeMetadata(info: TaskNodeInfo | undefined): NodeEventInit["targetMetadata"] {
  if (!info) return { case: undefined };
  return {
    case: "taskNodeMetadata",
    value: create(TaskNodeMetadataSchema, {
      cacheStatus: info.cacheStatus ?? 0,
      catalogKey: info.catalogKey,
      checkpointUri: info.checkpointUri ?? "",
      dynamicWorkflow: info.dynamicWorkflow,
    }),
  };
}

export interface RunNodeOptions {
  /** Changes the resolved inputs before they are stored (the failure node's `err`). */
  readonly adjustInputs?: (inputs: LiteralMap) => LiteralMap;
}

/** Runs `node` of `frame` to its end and reports it. */
export async function runNode(
  scope: ExecutionScope,
  frame: Frame,
  node: Node,
  handlers: HandlerLookup,
  options: RunNodeOptions = {},
): Promise<NodeResult> {
  const handler = handlers(node);
  const uniqueId = uniqueNodeId(frame.parent, node.id);
  const recorded = scope.resume?.node(uniqueId);
  if (recorded) {
    // Ended under a previous server: its result stands, nothing runs or is reported again.
    const ended = await recordedResult(scope.services, recorded);
    if (ended) return ended;
  }
  const nodeDir = `${frame.dataDir}/${node.id}`;
  const base = nodeEventBase(frame, node, uniqueId, scope.id, handler);
  const events = scope.services.events;
  let inputs: LiteralMap;
  try {
    inputs = resolveBindings(node.id, node.inputs, (id) => frame.outputs.get(id));
    if (options.adjustInputs) inputs = options.adjustInputs(inputs);
  } catch (err) {
    if (!(err instanceof BindingError)) throw err;
    const error = create(ExecutionErrorSchema, {
      code: BINDING_RESOLUTION_FAILURE,
      message: err.message,
      kind: ExecutionError_ErrorKind.SYSTEM,
    });
    await events.node({ ...base, phase: NodeExecution_Phase.FAILED, outputResult: { case: "error", value: error } });
    return { phase: "failed", error };
  }
  const inputUri = `${nodeDir}/inputs.pb`;
  await scope.services.files.write(inputUri, toBinary(LiteralMapSchema, inputs));
  const withInput = { ...base, inputValue: { case: "inputUri" as const, value: inputUri } };

  const controller = new AbortController();
  const onParentAbort = () => controller.abort(frame.signal.reason);
  if (frame.signal.aborted) controller.abort(frame.signal.reason);
  else frame.signal.addEventListener("abort", onParentAbort, { once: true });
  const ctx: NodeContext = {
    scope,
    frame,
    node,
    uniqueId,
    nodeDir,
    inputs,
    inputUri,
    signal: controller.signal,
    recorded,
    event: (init) => {
      // A resumed node already reported as running is not reported queued or running again.
      const again =
        recorded &&
        (init.phase === recorded.phase ||
          (pastRunning(recorded.phase) &&
            (init.phase === NodeExecution_Phase.QUEUED || init.phase === NodeExecution_Phase.RUNNING)));
      if (again) return Promise.resolve("duplicate" as const);
      return events.node({ ...withInput, ...init });
    },
  };
  const release = handler.usesParallelism && scope.parallelism ? await acquire(scope, controller.signal) : () => {};
  let deadline: NodeJS.Timeout | undefined;
  try {
    if (controller.signal.aborted)
      return await finish(ctx, { phase: "aborted", reason: abortReason(controller.signal) });
    const early = recorded && pastRunning(recorded.phase) ? undefined : await handler.beforeQueued?.(ctx);
    if (early) return await finish(ctx, early);
    await ctx.event({ phase: NodeExecution_Phase.QUEUED });
    const timeoutNanos = node.metadata?.timeout ? durationToNanos(node.metadata.timeout) : 0;
    if (timeoutNanos > 0) {
      const active = 2 * timeoutNanos;
      // A resumed node's deadline runs from when it started under the previous server.
      const elapsedMs = recorded ? Math.max(0, Date.now() - recorded.startedAtMs) : 0;
      deadline = setTimeout(
        () => controller.abort(new DeadlineExceeded(`task active timeout [${formatGoDuration(active)}] expired`)),
        Math.max(0, active / 1e6 - elapsedMs),
      );
    }
    let result = await handler.run(ctx);
    if (result.phase === "aborted" && controller.signal.reason instanceof DeadlineExceeded) {
      result = {
        phase: "timedOut",
        error: create(ExecutionErrorSchema, {
          code: "TimeoutExpired",
          message: controller.signal.reason.message,
          kind: ExecutionError_ErrorKind.USER,
        }),
      };
    }
    return await finish(ctx, result);
  } finally {
    if (deadline) clearTimeout(deadline);
    frame.signal.removeEventListener("abort", onParentAbort);
    release();
  }
}

async function acquire(scope: ExecutionScope, signal: AbortSignal): Promise<() => void> {
  try {
    return await scope.parallelism!.acquire(signal);
  } catch {
    return () => {};
  }
}

/** Reports the end of a node. */
async function finish(ctx: NodeContext, result: NodeResult): Promise<NodeResult> {
  const dynamic = "taskNode" in result && result.taskNode?.isDynamic ? { isDynamic: true, isParent: true } : {};
  switch (result.phase) {
    case "succeeded":
      await ctx.event({
        ...dynamic,
        phase: result.recovered ? NodeExecution_Phase.RECOVERED : NodeExecution_Phase.SUCCEEDED,
        outputResult: result.outputUri ? { case: "outputUri", value: result.outputUri } : { case: undefined },
        targetMetadata: result.childExecution
          ? { case: "workflowNodeMetadata", value: { executionId: result.childExecution } }
          : taskNodeMetadata(result.taskNode),
      });
      break;
    case "failed":
    case "timedOut":
      await ctx.event({
        ...dynamic,
        phase: result.phase === "failed" ? NodeExecution_Phase.FAILED : NodeExecution_Phase.TIMED_OUT,
        outputResult: { case: "error", value: result.error },
        targetMetadata: result.childExecution
          ? { case: "workflowNodeMetadata", value: { executionId: result.childExecution } }
          : taskNodeMetadata(result.taskNode),
      });
      break;
    case "aborted":
      await ctx.event({
        phase: NodeExecution_Phase.ABORTED,
        outputResult: {
          case: "error",
          value: create(ExecutionErrorSchema, { code: "NodeAborted", message: result.reason }),
        },
      });
      break;
    case "skipped":
      await ctx.event({ phase: NodeExecution_Phase.SKIPPED });
      break;
  }
  return result;
}

/** The outputs file of a node's attempt. */
export function outputsRef(nodeDir: string, attempt: number): string {
  return `${nodeDir}/${attempt}/outputs.pb`;
}

/** Writes a node's outputs where its events say they are. */
export async function writeOutputs(ctx: NodeContext, outputs: LiteralMap, attempt = 0): Promise<string> {
  const ref = outputsRef(ctx.nodeDir, attempt);
  await ctx.scope.services.files.write(ref, toBinary(LiteralMapSchema, outputs));
  return ref;
}

/** The task a task node (or an array node's sub-node) refers to. */
export function taskOf(frame: Frame, node: Node) {
  const ref =
    node.target.case === "taskNode" && node.target.value.reference.case === "referenceId"
      ? node.target.value.reference.value
      : undefined;
  return ref ? frame.tasks.get(idKey(ref)) : undefined;
}
