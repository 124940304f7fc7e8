/**
 * Launch plan nodes: a child execution is created through CreateExecution,
 * as FlytePropeller creates it (a deterministic name from the parent
 * execution, the node and the attempt; mode CHILD_WORKFLOW; the parent node
 * execution recorded; the parent's labels, annotations, security context,
 * parallelism, raw output location, cache and environment settings passed
 * on), then followed until it ends; its outputs become the node's. Aborting
 * the node terminates the child.
 */
import { create } from "@bufbuild/protobuf";
import { AdminError, Code } from "../../../errors/admin-error.js";
import {
  ExecutionCreateRequestSchema,
  ExecutionMetadata_ExecutionMode,
} from "../../../proto/gen/flyteidl/admin/execution_pb.js";
import {
  type ExecutionError,
  ExecutionError_ErrorKind,
  ExecutionErrorSchema,
  NodeExecution_Phase,
  WorkflowExecution_Phase,
} from "../../../proto/gen/flyteidl/core/execution_pb.js";
import {
  type WorkflowExecutionIdentifier,
  WorkflowExecutionIdentifierSchema,
} from "../../../proto/gen/flyteidl/core/identifier_pb.js";
import { type NodeContext, type NodeHandler, writeOutputs } from "../node-run.js";
import { abortReason, type NodeResult, pause, suspended } from "../run-context.js";
import { childExecutionName } from "../unique-id.js";

const failed = (
  code: string,
  message: string,
  kind: ExecutionError_ErrorKind,
  child?: WorkflowExecutionIdentifier,
): NodeResult => ({
  phase: "failed",
  error: create(ExecutionErrorSchema, { code, message, kind }),
  childExecution: child,
});

function launchPlanRef(ctx: Pick<NodeContext, "node">) {
  const t = ctx.node.target;
  return t.case === "workflowNode" && t.value.reference.case === "launchplanRef" ? t.value.reference.value : undefined;
}

/** The handler of launch plan nodes. */
export function launchPlanNodeHandler(): NodeHandler {
  return {
    usesParallelism: true,
    targetEntity: launchPlanRef,
    async run(ctx) {
      const lp = launchPlanRef(ctx)!;
      const scope = ctx.scope;
      const cp = scope.services.controlPlane;
      const child = create(WorkflowExecutionIdentifierSchema, {
        project: scope.id.project,
        domain: scope.id.domain,
        name: childExecutionName(scope.id.name, ctx.uniqueId, 0),
      });
      const cfg = scope.parameters.executionConfig;
      const labels = { ...scope.parameters.labels };
      delete labels["shard-key"];
      try {
        await cp.createExecution(
          create(ExecutionCreateRequestSchema, {
            project: child.project,
            domain: child.domain,
            name: child.name,
            inputs: ctx.inputs,
            spec: {
              launchPlan: lp,
              metadata: {
                mode: ExecutionMetadata_ExecutionMode.CHILD_WORKFLOW,
                nesting: 1,
                parentNodeExecution: { executionId: scope.id, nodeId: ctx.uniqueId },
              },
              labels: { values: labels },
              annotations: { values: { ...scope.parameters.annotations } },
              securityContext: cfg.securityContext,
              maxParallelism: cfg.maxParallelism,
              rawOutputDataConfig: scope.parameters.rawOutputDataConfig,
              interruptible: cfg.interruptible,
              overwriteCache: scope.overwriteCache,
              envs: { values: Object.entries(scope.envs).map(([key, value]) => ({ key, value })) },
            },
          }),
        );
      } catch (err) {
        if (!(err instanceof AdminError && err.code === Code.ALREADY_EXISTS)) {
          const system =
            err instanceof AdminError && ([Code.INTERNAL, Code.UNKNOWN, Code.DATA_LOSS] as Code[]).includes(err.code);
          return failed(
            "RuntimeExecutionError",
            `failed to launch workflow [${lp.name}]: ${(err as Error).message}`,
            system ? ExecutionError_ErrorKind.SYSTEM : ExecutionError_ErrorKind.USER,
          );
        }
      }
      await ctx.event({
        phase: NodeExecution_Phase.RUNNING,
        targetMetadata: { case: "workflowNodeMetadata", value: { executionId: child } },
      });
      return follow(ctx, child);
    },
  };
}

async function follow(ctx: NodeContext, child: WorkflowExecutionIdentifier): Promise<NodeResult> {
  const scope = ctx.scope;
  const cp = scope.services.controlPlane;
  const interval = scope.services.settings.pollIntervalMs;
  for (;;) {
    if (ctx.signal.aborted) {
      const reason = abortReason(ctx.signal);
      // The server is stopping: the child goes on (the engine resumes it too), and so will this node.
      if (suspended(ctx.signal)) return { phase: "aborted", reason };
      await cp
        .terminateExecution(
          child,
          `cascading abort as parent execution id [${scope.id.name}] aborted, reason [${reason}]`,
        )
        .catch(() => undefined);
      return { phase: "aborted", reason };
    }
    const execution = await cp.getExecution(child).catch(() => undefined);
    const closure = execution?.closure;
    switch (closure?.phase) {
      case WorkflowExecution_Phase.SUCCEEDED: {
        const outputs = await cp.getExecutionOutputs(child);
        const outputUri = await writeOutputs(ctx, outputs);
        return { phase: "succeeded", outputs, outputUri, childExecution: child };
      }
      case WorkflowExecution_Phase.FAILED:
      case WorkflowExecution_Phase.TIMED_OUT: {
        const error: ExecutionError | undefined =
          closure.outputResult.case === "error" ? closure.outputResult.value : undefined;
        return {
          phase: "failed",
          error: error ?? create(ExecutionErrorSchema, { code: "LaunchPlanExecutionFailed", message: "Unknown Error" }),
          childExecution: child,
        };
      }
      case WorkflowExecution_Phase.ABORTED:
        return failed(
          "RemoteChildWorkflowExecutionFailed",
          `launchplan [${child.name}] aborted`,
          ExecutionError_ErrorKind.USER,
          child,
        );
    }
    await pause(interval, ctx.signal);
  }
}
