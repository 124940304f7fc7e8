/** AdminService: named entities and description entities. */
import type { DescriptionEntityManager } from "../../managers/description-entity-manager.js";
import type { NamedEntityManager } from "../../managers/named-entity-manager.js";
import { ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { AdminService } from "../../proto/gen/flyteidl/service/admin_pb.js";
import type { ServiceImpl } from "../types.js";
import { defaultResourceType } from "./resource-type-defaults.js";

export function namedEntityHandlers(
  namedEntities: NamedEntityManager,
  descriptions: DescriptionEntityManager,
): ServiceImpl<typeof AdminService> {
  return {
    getNamedEntity: (req) => namedEntities.get(req),
    listNamedEntities: (req) => namedEntities.list(req),
    updateNamedEntity: async (req) => {
      await namedEntities.update(req);
      return {};
    },
    getDescriptionEntity: (req) => {
      defaultResourceType(req.id, ResourceType.TASK);
      return descriptions.get(req);
    },
    listDescriptionEntities: (req) => descriptions.list(req),
  };
}
