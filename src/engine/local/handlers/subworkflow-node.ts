/**
 * Sub-workflow nodes: the referenced sub-workflow of the closure runs as a
 * level below the node (its nodes' events name the node as their parent),
 * with the node's inputs as its inputs; the node ends with its outputs or
 * its error.
 */
import { create } from "@bufbuild/protobuf";
import {
  ExecutionError_ErrorKind,
  ExecutionErrorSchema,
  NodeExecution_Phase,
} from "../../../proto/gen/flyteidl/core/execution_pb.js";
import { type HandlerLookup, type NodeHandler, writeOutputs } from "../node-run.js";
import { idKey } from "../run-context.js";
import { childParentInfo } from "../unique-id.js";
import { runFrame } from "../workflow-frame.js";

/** The handler of sub-workflow nodes, running the sub-workflow's nodes with `handlers`. */
export function subWorkflowNodeHandler(handlers: () => HandlerLookup): NodeHandler {
  return {
    usesParallelism: false,
    flags: { isParent: true },
    async run(ctx) {
      const target = ctx.node.target;
      const ref =
        target.case === "workflowNode" && target.value.reference.case === "subWorkflowRef"
          ? target.value.reference.value
          : undefined;
      const workflow = ref ? ctx.frame.subWorkflows.get(idKey(ref)) : undefined;
      if (!workflow) {
        return {
          phase: "failed",
          error: create(ExecutionErrorSchema, {
            code: "SubWorkflowExecutionFailed",
            message: `failed to find sub workflow with ID [${idKey(ref)}]`,
            kind: ExecutionError_ErrorKind.SYSTEM,
          }),
        };
      }
      await ctx.event({ phase: NodeExecution_Phase.RUNNING });
      const result = await runFrame(
        ctx.scope,
        {
          workflow,
          tasks: ctx.frame.tasks,
          subWorkflows: ctx.frame.subWorkflows,
          parent: childParentInfo(ctx.frame.parent, ctx.node.id, 0, false),
          dataDir: `${ctx.nodeDir}/0`,
        },
        ctx.inputs,
        ctx.signal,
        handlers(),
      );
      if (result.phase === "succeeded") {
        const outputUri = await writeOutputs(ctx, result.outputs);
        return { phase: "succeeded", outputs: result.outputs, outputUri };
      }
      return result;
    },
  };
}
