/** AdminService: workflows. */
import type { WorkflowManager } from "../../managers/workflow-manager.js";
import { ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { AdminService } from "../../proto/gen/flyteidl/service/admin_pb.js";
import type { ServiceImpl } from "../types.js";
import { defaultResourceType } from "./resource-type-defaults.js";

export function workflowHandlers(workflows: WorkflowManager): ServiceImpl<typeof AdminService> {
  return {
    createWorkflow: async (req) => {
      await workflows.create(req);
      return {};
    },
    getWorkflow: (req) => {
      defaultResourceType(req.id, ResourceType.WORKFLOW);
      return workflows.get(req);
    },
    listWorkflows: (req) => workflows.list(req),
    listWorkflowIds: (req) => workflows.listIds(req),
  };
}
