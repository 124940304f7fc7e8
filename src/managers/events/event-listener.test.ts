import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AdminError } from "../../errors/admin-error.js";
import {
  NodeExecutionEventRequestSchema,
  TaskExecutionEventRequestSchema,
  WorkflowExecutionEventRequestSchema,
} from "../../proto/gen/flyteidl/admin/event_pb.js";
import { ExecutionClosureSchema, ExecutionSpecSchema } from "../../proto/gen/flyteidl/admin/execution_pb.js";
import { WorkflowExecutionIdentifierSchema } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { EventListeners } from "./event-listener.js";

test("listeners are called in order; workflow errors reach the caller, node and task errors are logged", async () => {
  const logged: string[] = [];
  const calls: string[] = [];
  const listeners = new EventListeners((_err, what) => logged.push(what));
  listeners.add({
    workflowEventAccepted: () => {
      calls.push("wf1");
    },
    nodeEventAccepted: () => {
      throw new Error("publisher down");
    },
    taskEventAccepted: (_r, created) => {
      calls.push(`task1:${created}`);
    },
  });
  listeners.add({
    workflowEventAccepted: () => {
      calls.push("wf2");
      throw AdminError.internal("Unsupported notification type");
    },
    nodeEventAccepted: () => {
      calls.push("node2");
    },
  });
  const wf = {
    request: create(WorkflowExecutionEventRequestSchema),
    executionId: create(WorkflowExecutionIdentifierSchema),
    closure: create(ExecutionClosureSchema),
    spec: () => create(ExecutionSpecSchema),
  };
  await assert.rejects(listeners.workflowEventAccepted(wf), /Unsupported notification type/);
  await listeners.nodeEventAccepted(create(NodeExecutionEventRequestSchema));
  await listeners.taskEventAccepted(create(TaskExecutionEventRequestSchema), true);
  assert.deepEqual(calls, ["wf1", "wf2", "node2", "task1:true"]);
  assert.deepEqual(logged, ["node event listener failed"]);
});
