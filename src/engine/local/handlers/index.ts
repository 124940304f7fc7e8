/** The handler of each kind of node, wired so that nodes containing nodes can run them. */
import { create } from "@bufbuild/protobuf";
import { END_NODE_ID } from "../../../compiler/index.js";
import { ExecutionError_ErrorKind, ExecutionErrorSchema } from "../../../proto/gen/flyteidl/core/execution_pb.js";
import type { Node } from "../../../proto/gen/flyteidl/core/workflow_pb.js";
import type { HandlerLookup, NodeHandler } from "../node-run.js";
import { arrayNodeHandler } from "./array-node.js";
import { branchNodeHandler } from "./branch-node.js";
import { dynamicRunner } from "./dynamic-node.js";
import { endNodeHandler } from "./end-node.js";
import { gateNodeHandler } from "./gate-node.js";
import { launchPlanNodeHandler } from "./launch-plan-node.js";
import { subWorkflowNodeHandler } from "./subworkflow-node.js";
import { taskNodeHandler } from "./task-node.js";

const unsupported: NodeHandler = {
  usesParallelism: false,
  async run(ctx) {
    return {
      phase: "failed",
      error: create(ExecutionErrorSchema, {
        code: "BadSpecificationError",
        message: `node [${ctx.node.id}] has no target the local engine can run`,
        kind: ExecutionError_ErrorKind.SYSTEM,
      }),
    };
  },
};

/**
 * The handler lookup of the local engine.
 *
 * @example
 * const handlers = createHandlers();
 * await runFrame(scope, init, inputs, scope.signal, handlers);
 */
export function createHandlers(): HandlerLookup {
  const lookup: HandlerLookup = (node: Node) => {
    if (node.id === END_NODE_ID) return endNodeHandler;
    const t = node.target;
    switch (t.case) {
      case "taskNode":
        return task;
      case "branchNode":
        return branch;
      case "gateNode":
        return gateNodeHandler;
      case "arrayNode":
        return arrayNodeHandler;
      case "workflowNode":
        return t.value.reference.case === "launchplanRef" ? launchPlan : subWorkflow;
      default:
        return unsupported;
    }
  };
  const self = () => lookup;
  const task = taskNodeHandler(dynamicRunner(self));
  const branch = branchNodeHandler(self);
  const subWorkflow = subWorkflowNodeHandler(self);
  const launchPlan = launchPlanNodeHandler();
  return lookup;
}
