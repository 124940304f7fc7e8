/** AdminService: node and task execution queries. */
import type { NodeExecutionManager } from "../../managers/node-execution-manager.js";
import type { TaskExecutionManager } from "../../managers/task-execution-manager.js";
import type { AdminService } from "../../proto/gen/flyteidl/service/admin_pb.js";
import type { ServiceImpl } from "../types.js";

export function nodeExecutionHandlers(
  nodes: NodeExecutionManager,
  tasks: TaskExecutionManager,
): ServiceImpl<typeof AdminService> {
  return {
    getNodeExecution: (req) => nodes.get(req),
    listNodeExecutions: (req) => nodes.list(req),
    listNodeExecutionsForTask: (req) => nodes.listForTask(req),
    getNodeExecutionData: (req) => nodes.getData(req),
    getDynamicNodeWorkflow: (req) => nodes.getDynamicWorkflow(req),
    getTaskExecution: (req) => tasks.get(req),
    listTaskExecutions: (req) => tasks.list(req),
    getTaskExecutionData: (req) => tasks.getData(req),
  };
}
