/**
 * Named entities (entities.md §3.4): the names of tasks, workflows and launch
 * plans with their description and state (archiving), as the console and
 * flytectl list and update them.
 */
import { create } from "@bufbuild/protobuf";
import { AdminError } from "../errors/admin-error.js";
import {
  type NamedEntity,
  type NamedEntityGetRequest,
  type NamedEntityList,
  type NamedEntityListRequest,
  NamedEntityListSchema,
  NamedEntitySchema,
  NamedEntityState,
  type NamedEntityUpdateRequest,
} from "../proto/gen/flyteidl/admin/common_pb.js";
import { ResourceType } from "../proto/gen/flyteidl/core/identifier_pb.js";
import { parseFilters } from "../store/list/filters.js";
import { nextToken, parseSort, parseToken, requireLimit } from "../store/list/paging.js";
import type { NamedEntityRepository, NamedEntityRow } from "../store/repositories/named-entity-repository.js";
import type { VersionedTable } from "../store/repositories/versioned-entities.js";
import { requireNonEmpty, validateNamedEntityIdentifier, validateResourceType } from "./validation/identifier.js";

const TABLES: Readonly<Partial<Record<ResourceType, VersionedTable>>> = {
  [ResourceType.TASK]: "tasks",
  [ResourceType.WORKFLOW]: "workflows",
  [ResourceType.LAUNCH_PLAN]: "launch_plans",
};

/** The named entity description column is varchar(300) in FlyteAdmin's schema. */
const MAX_DESCRIPTION_CHARS = 300;

/** Without filters, names of auto-generated wrapper entities (`.flytegen.<task>`) are hidden. */
const DEFAULT_FILTER = "not_like(name,.flytegen%)";

/**
 * The rules of named entities.
 *
 * @example
 * const namedEntities = new NamedEntityManager(new NamedEntityRepository(db));
 * await namedEntities.update({ resourceType: ResourceType.WORKFLOW, id, metadata: { state: 1 } });
 */
export class NamedEntityManager {
  readonly #repo: NamedEntityRepository;

  constructor(repo: NamedEntityRepository) {
    this.#repo = repo;
  }

  async get(req: NamedEntityGetRequest): Promise<NamedEntity> {
    validateResourceType(req.resourceType);
    validateNamedEntityIdentifier(req.id);
    return toMessage(req.resourceType, await this.#find(req.resourceType, req.id));
  }

  /** Upserts the metadata of a registered name; the description changes only when given. */
  async update(req: NamedEntityUpdateRequest): Promise<void> {
    validateResourceType(req.resourceType);
    validateNamedEntityIdentifier(req.id);
    const metadata = req.metadata;
    if (!metadata) throw AdminError.missing("metadata");
    if (metadata.state !== NamedEntityState.NAMED_ENTITY_ACTIVE && !TABLES[req.resourceType]) {
      throw AdminError.invalidArgument(`Resource [${ResourceType[req.resourceType]}] cannot have its state updated`);
    }
    await this.#find(req.resourceType, req.id);
    if ([...metadata.description].length > MAX_DESCRIPTION_CHARS) {
      throw AdminError.invalidArgument(`description cannot exceed ${MAX_DESCRIPTION_CHARS} characters`);
    }
    const key = { project: req.id.project, domain: req.id.domain, name: req.id.name };
    await this.#repo.upsert(req.resourceType, key, metadata.description, metadata.state);
  }

  /** ListNamedEntities: filters (by default, no `.flytegen` names) apply before the page is cut. */
  async list(req: NamedEntityListRequest): Promise<NamedEntityList> {
    requireNonEmpty(req.project, "project");
    requireNonEmpty(req.domain, "domain");
    validateResourceType(req.resourceType);
    requireLimit(req.limit);
    const filters = parseFilters(req.filters === "" ? DEFAULT_FILTER : req.filters, "nen");
    const sort = parseSort(req.sortBy, "nen");
    const offset = parseToken(req.token, "ListNamedEntities");
    const table = TABLES[req.resourceType];
    if (!table) {
      throw AdminError.invalidArgument(`Cannot list entity names for resource type: ${ResourceType[req.resourceType]}`);
    }
    const rows = await this.#repo.list(table, req.resourceType, req.project, req.domain, {
      filters,
      sort,
      limit: req.limit,
      offset,
    });
    return create(NamedEntityListSchema, {
      entities: rows.map((r) => toMessage(req.resourceType, r)),
      token: nextToken(offset, rows.length, req.limit),
    });
  }

  async #find(
    resourceType: ResourceType,
    id: { project: string; domain: string; name: string },
  ): Promise<NamedEntityRow> {
    const table = TABLES[resourceType];
    if (!table) {
      throw AdminError.invalidArgument(
        `Cannot get NamedEntityMetadata for resource type: ${ResourceType[resourceType]}`,
      );
    }
    const row = await this.#repo.get(table, resourceType, { project: id.project, domain: id.domain, name: id.name });
    if (!row) throw AdminError.notFound("entry not found");
    return row;
  }
}

function toMessage(resourceType: ResourceType, row: NamedEntityRow): NamedEntity {
  return create(NamedEntitySchema, {
    resourceType,
    id: { project: row.project, domain: row.domain, name: row.name },
    metadata: { description: row.description, state: row.state },
  });
}
