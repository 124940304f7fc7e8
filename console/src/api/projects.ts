/** The calls of the first page (projects), apart from the rest so it loads only the descriptors it needs. */
import { GetDomainsResponseSchema, ProjectsSchema } from "../../../src/proto/gen/flyteidl/admin/project_pb.js";
import { call } from "./client.js";

export const projectsApi = {
  projects: () => call("GET", "/api/v1/projects", ProjectsSchema, { query: { limit: 1000 } }),
  domains: () => call("GET", "/api/v1/domains", GetDomainsResponseSchema),
};
