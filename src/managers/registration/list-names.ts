/** ListTaskIds / ListWorkflowIds / ListLaunchPlanIds (entities.md §4.5): distinct names of a project and domain. */
import { create } from "@bufbuild/protobuf";
import { AdminError } from "../../errors/admin-error.js";
import {
  type NamedEntityIdentifierList,
  type NamedEntityIdentifierListRequest,
  NamedEntityIdentifierListSchema,
  NamedEntityIdentifierSchema,
} from "../../proto/gen/flyteidl/admin/common_pb.js";
import type { EntityCode } from "../../store/list/entities.js";
import { nextToken, parseSort, parseToken, type SortOrder } from "../../store/list/paging.js";
import type { ListPage, NameKey } from "../../store/repositories/versioned-entities.js";

const NAME_COLUMNS = new Set(["project", "domain", "name"]);

/**
 * The page a ListIds request asks for (filters are ignored, as in
 * FlyteAdmin). Only project, domain and name can order distinct names.
 */
export function namesPage(
  req: NamedEntityIdentifierListRequest,
  entity: EntityCode,
  listName: string,
): Omit<ListPage, "filters"> {
  const sort: SortOrder | undefined = parseSort(req.sortBy, entity);
  if (sort && !NAME_COLUMNS.has(sort.column)) throw AdminError.invalidArgument(`invalid sort key '${sort.column}'`);
  return { sort, limit: req.limit, offset: parseToken(req.token, listName) };
}

/** The response: one NamedEntityIdentifier per name, with the next page's token. */
export function namedEntityIdentifierList(
  names: readonly NameKey[],
  page: Omit<ListPage, "filters">,
): NamedEntityIdentifierList {
  return create(NamedEntityIdentifierListSchema, {
    entities: names.map((n) =>
      create(NamedEntityIdentifierSchema, { project: n.project, domain: n.domain, name: n.name }),
    ),
    token: nextToken(page.offset, names.length, page.limit),
  });
}
