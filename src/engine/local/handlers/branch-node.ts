/**
 * Branch nodes: the condition is evaluated on the branch node's inputs; the
 * node the branch takes runs as the branch node's child (its bindings read
 * the same upstream outputs), nodes not taken are never started; the branch
 * node ends as its child ends, with its child's outputs.
 */
import { create } from "@bufbuild/protobuf";
import {
  ExecutionError_ErrorKind,
  ExecutionErrorSchema,
  NodeExecution_Phase,
} from "../../../proto/gen/flyteidl/core/execution_pb.js";
import { BranchError, decideBranch } from "../branch-condition.js";
import { type HandlerLookup, type NodeHandler, runNode, writeOutputs } from "../node-run.js";
import { childParentInfo } from "../unique-id.js";

/** The handler of branch nodes, running the taken node with `handlers`. */
export function branchNodeHandler(handlers: () => HandlerLookup): NodeHandler {
  return {
    usesParallelism: false,
    async run(ctx) {
      const ifElse = ctx.node.target.case === "branchNode" ? ctx.node.target.value.ifElse : undefined;
      if (!ifElse) {
        return {
          phase: "failed",
          error: create(ExecutionErrorSchema, {
            code: "IllegalStateError",
            message: "Invoked branch handler, for a non branch node.",
            kind: ExecutionError_ErrorKind.SYSTEM,
          }),
        };
      }
      let taken: ReturnType<typeof decideBranch>["taken"];
      try {
        taken = decideBranch(ifElse, ctx.inputs).taken;
      } catch (err) {
        if (!(err instanceof BranchError)) throw err;
        return {
          phase: "failed",
          error: create(ExecutionErrorSchema, {
            code: err.code,
            message: err.message,
            kind: ExecutionError_ErrorKind.USER,
          }),
        };
      }
      await ctx.event({ phase: NodeExecution_Phase.RUNNING });
      const childFrame = {
        ...ctx.frame,
        parent: childParentInfo(ctx.frame.parent, ctx.node.id, 0, false),
        dataDir: `${ctx.nodeDir}/0`,
        signal: ctx.signal,
      };
      const result = await runNode(ctx.scope, childFrame, taken, handlers());
      switch (result.phase) {
        case "succeeded": {
          const outputUri = await writeOutputs(ctx, result.outputs);
          return { phase: "succeeded", outputs: result.outputs, outputUri };
        }
        case "failed":
        case "timedOut":
          return { phase: "failed", error: result.error };
        default:
          return result;
      }
    },
  };
}
