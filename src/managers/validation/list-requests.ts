/** The checks every List RPC of the registration entities starts with (entities.md §2-3), in FlyteAdmin's order. */
import { AdminError } from "../../errors/admin-error.js";
import type { NamedEntityIdentifier } from "../../proto/gen/flyteidl/admin/common_pb.js";
import { requireLimit } from "../../store/list/paging.js";
import { requireNonEmpty } from "./identifier.js";

/** ValidateResourceListRequest: `missing id`, `missing project`, `missing domain`, `invalid value for limit`. */
export function validateResourceListRequest(
  id: NamedEntityIdentifier | undefined,
  limit: number,
): asserts id is NamedEntityIdentifier {
  if (!id) throw AdminError.missing("id");
  requireNonEmpty(id.project, "project");
  requireNonEmpty(id.domain, "domain");
  requireLimit(limit);
}

/** ValidateNamedEntityIdentifierListRequest and its siblings: project, domain, then limit. */
export function validateProjectDomainLimit(project: string, domain: string, limit: number): void {
  requireNonEmpty(project, "project");
  requireNonEmpty(domain, "domain");
  requireLimit(limit);
}
