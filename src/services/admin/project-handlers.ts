/** AdminService: projects, domains and version. */

import type { ProjectManager } from "../../managers/project-manager.js";
import { versionResponse } from "../../managers/version.js";
import type { AdminService } from "../../proto/gen/flyteidl/service/admin_pb.js";
import type { ServiceImpl } from "../types.js";

export function projectHandlers(projects: ProjectManager): ServiceImpl<typeof AdminService> {
  return {
    registerProject: async (req) => {
      await projects.register(req);
      return {};
    },
    updateProject: async (req) => {
      await projects.update(req);
      return {};
    },
    getProject: (req) => projects.get(req),
    listProjects: (req) => projects.list(req),
    getDomains: () => projects.getDomains(),
    getVersion: () => versionResponse(),
  };
}
