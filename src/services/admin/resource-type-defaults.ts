/**
 * FlyteAdmin's RPC layer fills in an identifier's resource type when the
 * caller left it UNSPECIFIED (GetTask, GetWorkflow, GetLaunchPlan,
 * UpdateLaunchPlan, GetDescriptionEntity); create RPCs get no default.
 */
import { type Identifier, ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";

/** Sets `id.resourceType` to `rt` when the id is present and its type unspecified. */
export function defaultResourceType(id: Identifier | undefined, rt: ResourceType): void {
  if (id && id.resourceType === ResourceType.UNSPECIFIED) id.resourceType = rt;
}
