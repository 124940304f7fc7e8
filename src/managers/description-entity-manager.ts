/**
 * Description entities (entities.md §3.7): the descriptions tasks and
 * workflows were registered with, read back by the console.
 */
import { create } from "@bufbuild/protobuf";
import { AdminError } from "../errors/admin-error.js";
import type { ObjectGetRequest } from "../proto/gen/flyteidl/admin/common_pb.js";
import {
  type DescriptionEntity,
  type DescriptionEntityList,
  type DescriptionEntityListRequest,
  DescriptionEntityListSchema,
} from "../proto/gen/flyteidl/admin/description_entity_pb.js";
import { ResourceType } from "../proto/gen/flyteidl/core/identifier_pb.js";
import { COLUMNS, type EntityCode } from "../store/list/entities.js";
import { type Filter, parseFilters } from "../store/list/filters.js";
import { nextToken, parseSort, parseToken, requireLimit } from "../store/list/paging.js";
import { descriptionEntityFromRow } from "../store/repositories/description-entity-mapper.js";
import type { DescriptionEntityRepository } from "../store/repositories/description-entity-repository.js";
import { scopeFilters } from "../store/repositories/versioned-entities.js";
import { entityKey, requireIdentifierFields, requireNonEmpty, validateResourceType } from "./validation/identifier.js";

const ENTITY_OF: Readonly<Partial<Record<ResourceType, EntityCode>>> = {
  [ResourceType.TASK]: "t",
  [ResourceType.WORKFLOW]: "w",
  [ResourceType.LAUNCH_PLAN]: "l",
};

/**
 * The rules of description entities.
 *
 * @example
 * const descriptions = new DescriptionEntityManager(new DescriptionEntityRepository(db));
 * const d = await descriptions.get({ id });
 */
export class DescriptionEntityManager {
  readonly #repo: DescriptionEntityRepository;

  constructor(repo: DescriptionEntityRepository) {
    this.#repo = repo;
  }

  /** GetDescriptionEntity: matched on project, domain, name and version only (not the resource type). */
  async get(req: ObjectGetRequest): Promise<DescriptionEntity> {
    validateResourceType(req.id?.resourceType ?? ResourceType.UNSPECIFIED);
    requireIdentifierFields(req.id);
    const row = await this.#repo.get(entityKey(req.id));
    if (!row) throw AdminError.notFound("entry not found");
    return descriptionEntityFromRow(row);
  }

  /**
   * ListDescriptionEntities: one name's descriptions, whatever their resource
   * type. Filters are validated against the resource type's columns and must
   * also be columns of description entities.
   */
  async list(req: DescriptionEntityListRequest): Promise<DescriptionEntityList> {
    const id = req.id;
    if (!id) throw AdminError.missing("id");
    requireNonEmpty(id.project, "project");
    requireNonEmpty(id.domain, "domain");
    requireNonEmpty(id.name, "name");
    requireLimit(req.limit);
    const entity = ENTITY_OF[req.resourceType] ?? "t";
    const filters = [...scopeFilters("de", id.project, id.domain, id.name), ...userFilters(req.filters, entity)];
    const sort = parseSort(req.sortBy, "de");
    // FlyteAdmin's message names ListWorkflows here.
    const offset = parseToken(req.token, "ListWorkflows");
    const rows = await this.#repo.list({ filters, sort, limit: req.limit, offset });
    return create(DescriptionEntityListSchema, {
      descriptionEntities: rows.map(descriptionEntityFromRow),
      token: nextToken(offset, rows.length, req.limit),
    });
  }
}

function userFilters(text: string, entity: EntityCode): Filter[] {
  const filters = parseFilters(text, entity, [entity]);
  for (const f of filters) {
    if (!COLUMNS.de.has(f.column)) throw AdminError.invalidArgument(`'${f.entity}.${f.column}' is invalid filter`);
  }
  return filters;
}
