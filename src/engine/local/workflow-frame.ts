/**
 * Runs one workflow level (the execution's workflow, a sub-workflow, a
 * dynamic workflow) as FlytePropeller walks its DAG: the start node hands
 * the level's inputs on (reported SUCCEEDED), every node starts as soon as
 * its upstream nodes succeeded, nodes behind a failure are skipped. On a
 * failure the level aborts what still runs ("Some node execution failed,
 * auto-abort."), unless its policy is FAIL_AFTER_EXECUTABLE_NODES_COMPLETE;
 * then its failure node, if any, runs with the error as its `err` input.
 * The level's outputs are those of its end node.
 */
import { setMaxListeners } from "node:events";
import { create, toBinary } from "@bufbuild/protobuf";
import { END_NODE_ID, START_NODE_ID } from "../../compiler/index.js";
import {
  type ExecutionError,
  ExecutionError_ErrorKind,
  ExecutionErrorSchema,
  NodeExecution_Phase,
} from "../../proto/gen/flyteidl/core/execution_pb.js";
import { type LiteralMap, LiteralMapSchema, LiteralSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { SimpleType } from "../../proto/gen/flyteidl/core/types_pb.js";
import { type Node, WorkflowMetadata_OnFailurePolicy } from "../../proto/gen/flyteidl/core/workflow_pb.js";
import { DagScheduler, type NodeOutcome } from "./dag-scheduler.js";
import { type HandlerLookup, nodeEventBase, runNode } from "./node-run.js";
import { abortReason, type ExecutionScope, type Frame, type NodeResult } from "./run-context.js";
import { uniqueNodeId } from "./unique-id.js";

/** How a level ended. */
export type FrameResult =
  | { readonly phase: "succeeded"; readonly outputs: LiteralMap; readonly outputUri: string }
  | { readonly phase: "failed"; readonly error: ExecutionError }
  | { readonly phase: "aborted"; readonly reason: string };

export const AUTO_ABORT_REASON = "Some node execution failed, auto-abort.";

const OUTCOMES: Record<NodeResult["phase"], NodeOutcome> = {
  succeeded: "succeeded",
  failed: "failed",
  timedOut: "timedOut",
  skipped: "skipped",
  aborted: "aborted",
};

/** Frame fields the runner sets itself. */
export type FrameInit = Omit<Frame, "signal" | "outputs">;

/**
 * Runs a level with `inputs` until its end node (or a failure, or an abort of `signal`).
 *
 * @example
 * const result = await runFrame(scope, { workflow, tasks, subWorkflows, parent: undefined, dataDir }, inputs, scope.signal, handlers);
 */
export async function runFrame(
  scope: ExecutionScope,
  init: FrameInit,
  inputs: LiteralMap,
  signal: AbortSignal,
  handlers: HandlerLookup,
): Promise<FrameResult> {
  const controller = new AbortController();
  // Every running node of the level listens to it.
  setMaxListeners(0, controller.signal);
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener("abort", onAbort, { once: true });
  const frame: Frame = { ...init, outputs: new Map(), signal: controller.signal };
  try {
    return await walk(scope, frame, inputs, handlers, controller);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

async function walk(
  scope: ExecutionScope,
  frame: Frame,
  inputs: LiteralMap,
  handlers: HandlerLookup,
  controller: AbortController,
): Promise<FrameResult> {
  const template = frame.workflow.template;
  const nodes = new Map<string, Node>((template?.nodes ?? []).map((n) => [n.id, n]));
  const upstream: Record<string, string[]> = {};
  for (const [id, list] of Object.entries(frame.workflow.connections?.upstream ?? {})) upstream[id] = list.ids;
  const dag = new DagScheduler([...nodes.keys()], upstream);
  const failOnFirst =
    template?.metadata?.onFailure !== WorkflowMetadata_OnFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE;
  let failure: ExecutionError | undefined;

  const running = new Map<string, Promise<void>>();
  const finished: Array<[string, NodeResult]> = [];
  let wake: (() => void) | undefined;
  const start = (id: string) => {
    dag.started(id);
    const node = nodes.get(id)!;
    const p = (id === START_NODE_ID ? startNode(scope, frame, node, inputs) : runNode(scope, frame, node, handlers))
      .catch((err: unknown): NodeResult => {
        scope.services.logger.error({ err, node: id }, "local engine: node failed unexpectedly");
        return {
          phase: "failed",
          error: create(ExecutionErrorSchema, {
            code: "InternalError",
            message: (err as Error).message ?? String(err),
            kind: ExecutionError_ErrorKind.SYSTEM,
          }),
        };
      })
      .then((result) => {
        finished.push([id, result]);
        wake?.();
      });
    running.set(id, p);
  };
  const skip = async (ids: readonly string[]) => {
    for (const id of ids) {
      const node = nodes.get(id)!;
      const base = nodeEventBase(frame, node, uniqueNodeId(frame.parent, id), scope.id, undefined);
      await scope.services.events.node({ ...base, phase: NodeExecution_Phase.SKIPPED });
    }
  };

  for (const id of dag.initial().start) start(id);
  while (running.size > 0) {
    if (finished.length === 0) await new Promise<void>((r) => (wake = r));
    wake = undefined;
    const batch = finished.splice(0);
    for (const [id, result] of batch) {
      running.delete(id);
      if (result.phase === "succeeded") frame.outputs.set(id, result.outputs);
      if ((result.phase === "failed" || result.phase === "timedOut") && failure === undefined) {
        failure =
          result.phase === "timedOut"
            ? create(ExecutionErrorSchema, {
                kind: ExecutionError_ErrorKind.USER,
                code: "Timeout",
                message: "Timeout in node",
              })
            : result.error;
        if (failOnFirst) controller.abort(AUTO_ABORT_REASON);
      }
      const next = dag.complete(id, OUTCOMES[result.phase]);
      if (!controller.signal.aborted) {
        if (next.skip.length > 0) await skip(next.skip);
        for (const n of next.start) start(n);
      }
    }
  }
  if (failure) return handleFailure(scope, frame, failure, handlers);
  if (controller.signal.aborted) return { phase: "aborted", reason: abortReason(controller.signal) };
  const end = frame.outputs.get(END_NODE_ID);
  return {
    phase: "succeeded",
    outputs: end ?? create(LiteralMapSchema, {}),
    outputUri: end ? `${frame.dataDir}/${END_NODE_ID}/0/outputs.pb` : "",
  };
}

/** The start node: its outputs are the level's inputs. */
async function startNode(scope: ExecutionScope, frame: Frame, node: Node, inputs: LiteralMap): Promise<NodeResult> {
  const outputUri = `${frame.dataDir}/${START_NODE_ID}/0/outputs.pb`;
  await scope.services.files.write(outputUri, toBinary(LiteralMapSchema, inputs));
  const base = nodeEventBase(frame, node, uniqueNodeId(frame.parent, node.id), scope.id, undefined);
  await scope.services.events.node({
    ...base,
    phase: NodeExecution_Phase.SUCCEEDED,
    outputResult: { case: "outputUri", value: outputUri },
  });
  return { phase: "succeeded", outputs: inputs, outputUri };
}

/** Runs the level's failure node, if it has one, and answers the level's failure. */
async function handleFailure(
  scope: ExecutionScope,
  frame: Frame,
  error: ExecutionError,
  handlers: HandlerLookup,
): Promise<FrameResult> {
  const failureNode = frame.workflow.template?.failureNode;
  if (!failureNode || scope.signal.aborted) return { phase: "failed", error };
  // The failure node runs even though the level's other nodes were aborted.
  const recovered: Frame = { ...frame, signal: scope.signal };
  const result = await runNode(scope, recovered, failureNode, handlers, {
    adjustInputs: (inputs) => withErrorInput(inputs, failureNode.id, error),
  });
  if (result.phase === "failed") return { phase: "failed", error: result.error };
  if (result.phase === "timedOut") {
    return {
      phase: "failed",
      error: create(ExecutionErrorSchema, {
        kind: ExecutionError_ErrorKind.USER,
        code: "TimedOut",
        message: "FailureNode Timed-out",
      }),
    };
  }
  return { phase: "failed", error };
}

/** FlytePropeller's `ResolveOnFailureNodeInput`: an `err` input becomes the FlyteError of the failure. */
function withErrorInput(inputs: LiteralMap, nodeId: string, error: ExecutionError): LiteralMap {
  if (!("err" in inputs.literals)) return inputs;
  const err = create(LiteralSchema, {
    value: {
      case: "scalar",
      value: {
        value: {
          case: "union",
          value: {
            value: create(LiteralSchema, {
              value: {
                case: "scalar",
                value: { value: { case: "error", value: { message: error.message, failedNodeId: nodeId } } },
              },
            }),
            type: { type: { case: "simple", value: SimpleType.ERROR }, structure: { tag: "FlyteError" } },
          },
        },
      },
    },
  });
  return create(LiteralMapSchema, { literals: { ...inputs.literals, err } });
}
