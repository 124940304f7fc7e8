/**
 * Dynamic tasks: the attempt left a `futures.pb` (a DynamicJobSpec), so the
 * node becomes a dynamic node, as in FlytePropeller: the spec's nodes,
 * outputs, tasks and sub-workflows are compiled with the compiler module
 * (the launch plans they call are looked up through the control plane) into
 * a workflow `dynamic_<node id>` with the task's interface; the node is
 * reported DYNAMIC_RUNNING with the compiled closure (which the admin stores
 * for GetDynamicNodeWorkflow), its nodes run below it, in the dynamic chain,
 * and their end node's outputs become the node's outputs.
 */
import { createHash } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  compileWorkflow,
  formatCompileErrors,
  getRequirements,
  type LaunchPlanInterfaceProvider,
} from "../../../compiler/index.js";
import { CompiledTaskSchema, type CompiledWorkflowClosure } from "../../../proto/gen/flyteidl/core/compiler_pb.js";
import { type DynamicJobSpec, DynamicJobSpecSchema } from "../../../proto/gen/flyteidl/core/dynamic_job_pb.js";
import {
  type ExecutionError,
  ExecutionError_ErrorKind,
  ExecutionErrorSchema,
  NodeExecution_Phase,
} from "../../../proto/gen/flyteidl/core/execution_pb.js";
import { IdentifierSchema, ResourceType } from "../../../proto/gen/flyteidl/core/identifier_pb.js";
import { ParameterMapSchema, VariableMapSchema } from "../../../proto/gen/flyteidl/core/interface_pb.js";
import type { TaskTemplate } from "../../../proto/gen/flyteidl/core/tasks_pb.js";
import { WorkflowTemplateSchema } from "../../../proto/gen/flyteidl/core/workflow_pb.js";
import { DynamicWorkflowNodeMetadataSchema } from "../../../proto/gen/flyteidl/event/event_pb.js";
import { type HandlerLookup, type NodeContext, taskNodeMetadata, writeOutputs } from "../node-run.js";
import { idKey, type NodeResult } from "../run-context.js";
import { childParentInfo } from "../unique-id.js";
import { runFrame } from "../workflow-frame.js";
import type { DynamicRunner } from "./task-node.js";

const BUILD_FAILED = "DynamicWorkflowBuildFailed";

function buildFailure(message: string): NodeResult {
  const error: ExecutionError = create(ExecutionErrorSchema, {
    code: BUILD_FAILED,
    message,
    kind: ExecutionError_ErrorKind.USER,
  });
  return { phase: "failed", error, taskNode: { isDynamic: true } };
}

/** The runner of dynamic workflows, running their nodes with `handlers`. */
export function dynamicRunner(handlers: () => HandlerLookup): DynamicRunner {
  return async (ctx, task, spec, futuresUri, attempt) => {
    const compiled = await compileDynamic(ctx, task, spec);
    if ("error" in compiled) return buildFailure(compiled.error);
    const { closure } = compiled;
    const dynamicWorkflow = create(DynamicWorkflowNodeMetadataSchema, {
      id: closure.primary?.template?.id,
      compiledWorkflow: closure,
      dynamicJobSpecUri: futuresUri,
    });
    await ctx.event({
      phase: NodeExecution_Phase.DYNAMIC_RUNNING,
      isDynamic: true,
      isParent: true,
      targetMetadata: taskNodeMetadata({ dynamicWorkflow }),
    });
    const tasks = new Map(ctx.frame.tasks);
    for (const t of spec.tasks) tasks.set(idKey(t.id), t);
    const subWorkflows = new Map(closure.subWorkflows.map((w) => [idKey(w.template?.id), w]));
    const result = await runFrame(
      ctx.scope,
      {
        workflow: closure.primary!,
        tasks,
        subWorkflows,
        parent: childParentInfo(ctx.frame.parent, ctx.node.id, attempt, true),
        dataDir: `${ctx.nodeDir}/${attempt}/dynamic`,
      },
      ctx.inputs,
      ctx.signal,
      handlers(),
    );
    switch (result.phase) {
      case "succeeded": {
        const outputUri = await writeOutputs(ctx, result.outputs, attempt);
        return { phase: "succeeded", outputs: result.outputs, outputUri, taskNode: { isDynamic: true } };
      }
      case "failed":
        return { phase: "failed", error: result.error, taskNode: { isDynamic: true } };
      case "aborted":
        return { phase: "aborted", reason: result.reason };
    }
  };
}

async function compileDynamic(
  ctx: NodeContext,
  task: TaskTemplate,
  spec: DynamicJobSpec,
): Promise<{ error: string } | { closure: CompiledWorkflowClosure }> {
  const id = ctx.scope.id;
  const template = create(WorkflowTemplateSchema, {
    id: create(IdentifierSchema, {
      resourceType: ResourceType.WORKFLOW,
      project: id.project,
      domain: id.domain,
      name: `dynamic_${ctx.uniqueId}`,
      // From the spec, so that a resumed node compiles the very same workflow again.
      version: createHash("sha256").update(toBinary(DynamicJobSpecSchema, spec)).digest("hex").slice(0, 10),
    }),
    nodes: spec.nodes,
    outputs: spec.outputs,
    interface: task.interface,
  });
  const requirements = getRequirements(template, spec.subworkflows);
  if (requirements.errors.length > 0) {
    return { error: `failed to Get requirements for subworkflows: ${formatCompileErrors(requirements.errors)}` };
  }
  const launchPlans: LaunchPlanInterfaceProvider[] = [];
  for (const lpId of requirements.launchPlanIds) {
    try {
      const lp = await ctx.scope.services.controlPlane.getLaunchPlan(lpId);
      launchPlans.push({
        id: lpId,
        expectedInputs: lp.closure?.expectedInputs ?? create(ParameterMapSchema),
        expectedOutputs: lp.closure?.expectedOutputs ?? create(VariableMapSchema),
      });
    } catch (err) {
      return { error: `Could not fetch launch plan definition from Admin: ${(err as Error).message}` };
    }
  }
  const known = new Map<string, TaskTemplate>(ctx.frame.tasks);
  for (const t of spec.tasks) known.set(idKey(t.id), t);
  const tasks = [...known.values()].map((t) => create(CompiledTaskSchema, { template: t }));
  const compiled = compileWorkflow(template, spec.subworkflows, tasks, launchPlans);
  if ("errors" in compiled) return { error: `malformed dynamic workflow: ${formatCompileErrors(compiled.errors)}` };
  return { closure: compiled.closure };
}
