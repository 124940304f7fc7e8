/**
 * The task events of a task node's attempts, as FlytePropeller's task
 * handler sends them for a container task: QUEUED when the attempt is
 * submitted, RUNNING with its log links when its process starts, then
 * SUCCEEDED (with the outputs file), FAILED (with the error) or ABORTED.
 * The node itself is reported RUNNING right after its first attempt is
 * queued.
 */
import { create } from "@bufbuild/protobuf";
import {
  type ExecutionError,
  ExecutionErrorSchema,
  NodeExecution_Phase,
  TaskExecution_Phase as Phase,
  type TaskExecution_Phase,
  type TaskLog,
} from "../../../proto/gen/flyteidl/core/execution_pb.js";

import type { TaskTemplate } from "../../../proto/gen/flyteidl/core/tasks_pb.js";
import { TaskExecutionMetadata_InstanceClass } from "../../../proto/gen/flyteidl/event/event_pb.js";
import type { TaskEventInit } from "../event-reporter.js";
import type { NodeContext } from "../node-run.js";
import { taskIdentifier } from "../run-context.js";
import type { AttemptSink } from "../task-retries.js";
import { fixedLengthUniqueIdForParts } from "../unique-id.js";

/** FlytePropeller's limit on generated task execution names. */
const TASK_ID_MAX_LENGTH = 50;
export const LOCAL_PLUGIN_ID = "local-process";

/** The name FlytePropeller would give the attempt's pod. */
export function generatedName(executionName: string, uniqueNodeId: string, attempt: number): string {
  return fixedLengthUniqueIdForParts(TASK_ID_MAX_LENGTH, [executionName, uniqueNodeId, String(attempt)]);
}

/** A sink reporting a task node's attempts as task events. */
export function taskEventSink(ctx: NodeContext, task: TaskTemplate): AttemptSink {
  const events = ctx.scope.services.events;
  const taskId = taskIdentifier(task);
  const send = (attempt: number, phase: TaskExecution_Phase, extra: Partial<TaskEventInit>) =>
    events.task({
      taskId,
      parentNodeExecutionId: { executionId: ctx.scope.id, nodeId: ctx.uniqueId },
      retryAttempt: attempt,
      phase,
      phaseVersion: 0,
      taskType: task.type,
      inputValue: { case: "inputUri", value: ctx.inputUri },
      metadata: {
        generatedName: generatedName(ctx.scope.id.name, ctx.uniqueId, attempt),
        pluginIdentifier: LOCAL_PLUGIN_ID,
        instanceClass: TaskExecutionMetadata_InstanceClass.DEFAULT,
      },
      ...extra,
    });
  return {
    async queued(attempt) {
      await send(attempt, Phase.QUEUED, { reason: "task submitted to the local engine" });
      if (attempt === 0) await ctx.event({ phase: NodeExecution_Phase.RUNNING });
    },
    async running(attempt, logs) {
      await send(attempt, Phase.RUNNING, { logs, reason: "task process started" });
    },
    async succeeded(attempt, outputUri, logs) {
      await send(attempt, Phase.SUCCEEDED, { logs, outputResult: { case: "outputUri", value: outputUri } });
    },
    async failed(attempt, error: ExecutionError, logs) {
      await send(attempt, Phase.FAILED, { logs, outputResult: { case: "error", value: error } });
    },
    async aborted(attempt, reason, logs: TaskLog[]) {
      await send(attempt, Phase.ABORTED, {
        logs,
        phaseVersion: 1,
        outputResult: { case: "error", value: create(ExecutionErrorSchema, { code: "Task Aborted", message: reason }) },
      });
    },
  };
}
