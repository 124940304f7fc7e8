/** AdminService: matchable attributes at project, project-domain and workflow level, and the list of all. */
import type { AttributesManager } from "../../managers/attributes-manager.js";
import type { AdminService } from "../../proto/gen/flyteidl/service/admin_pb.js";
import type { ServiceImpl } from "../types.js";

export function attributeHandlers(attributes: AttributesManager): ServiceImpl<typeof AdminService> {
  return {
    updateProjectDomainAttributes: async (req) => {
      await attributes.updateProjectDomain(req);
      return {};
    },
    getProjectDomainAttributes: (req) => attributes.getProjectDomain(req),
    deleteProjectDomainAttributes: async (req) => {
      await attributes.deleteProjectDomain(req);
      return {};
    },
    updateProjectAttributes: async (req) => {
      await attributes.updateProject(req);
      return {};
    },
    getProjectAttributes: (req) => attributes.getProject(req),
    deleteProjectAttributes: async (req) => {
      await attributes.deleteProject(req);
      return {};
    },
    updateWorkflowAttributes: async (req) => {
      await attributes.updateWorkflow(req);
      return {};
    },
    getWorkflowAttributes: (req) => attributes.getWorkflow(req),
    deleteWorkflowAttributes: async (req) => {
      await attributes.deleteWorkflow(req);
      return {};
    },
    listMatchableAttributes: (req) => attributes.listAll(req),
  };
}
