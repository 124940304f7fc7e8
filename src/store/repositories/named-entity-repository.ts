/**
 * Named entities (entities.md §3.4): the distinct names of `tasks`,
 * `workflows` or `launch_plans`, each with its optional
 * `named_entity_metadata` row (no row reads as description "" and state
 * ACTIVE).
 */
import { type Expression, sql } from "kysely";
import { nowMicros } from "../../common/time.js";
import type { Database } from "../database.js";
import type { EntityCode } from "../list/entities.js";
import { allFiltersSql, type ColumnResolver } from "../list/filter-sql.js";
import type { ListPage, NameKey, VersionedTable } from "./versioned-entities.js";

/** A named entity with its metadata. */
export interface NamedEntityRow extends NameKey {
  readonly description: string;
  readonly state: number;
}

/**
 * Where named entity filters and sort keys point: project, domain and name at
 * the distinct names, state and description at the metadata row (COALESCEd,
 * so a name without a row counts as ACTIVE with no description).
 */
function namedEntityColumn(resourceType: number): ColumnResolver {
  return (entity: EntityCode, column: string): Expression<unknown> => {
    if (column === "state") return sql`COALESCE(named_entity_metadata.state, 0)`;
    if (column === "description") return sql`COALESCE(named_entity_metadata.description, '')`;
    if (column === "resource_type") return sql`${resourceType}`;
    if (entity === "nen" && (column === "project" || column === "domain" || column === "name")) {
      return sql.ref(`entities.${column}`);
    }
    return sql.ref(`named_entity_metadata.${column}`);
  };
}

/**
 * Reads and writes named entities.
 *
 * @example
 * const repo = new NamedEntityRepository(db);
 * const row = await repo.get("workflows", ResourceType.WORKFLOW, { project: "p", domain: "d", name: "wf" });
 */
export class NamedEntityRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** The name with its metadata, or undefined when no version of it is registered in `table`. */
  async get(table: VersionedTable, resourceType: number, key: NameKey): Promise<NamedEntityRow | undefined> {
    const exists = await this.#db.kysely
      .selectFrom(table as "tasks")
      .select("id")
      .where("project", "=", key.project)
      .where("domain", "=", key.domain)
      .where("name", "=", key.name)
      .limit(1)
      .executeTakeFirst();
    if (!exists) return undefined;
    const meta = await this.#db.kysely
      .selectFrom("named_entity_metadata")
      .select(["description", "state"])
      .where("resource_type", "=", resourceType)
      .where("project", "=", key.project)
      .where("domain", "=", key.domain)
      .where("name", "=", key.name)
      .executeTakeFirst();
    return { ...key, description: meta?.description ?? "", state: meta?.state ?? 0 };
  }

  /**
   * Creates or updates the metadata row: the state is always written, the
   * description only when given (FlyteAdmin's zero-value skipping).
   */
  async upsert(resourceType: number, key: NameKey, description: string, state: number): Promise<void> {
    const now = this.#db.codec.time(nowMicros());
    const update = description === "" ? { state, updated_at: now } : { state, description, updated_at: now };
    await this.#db.kysely
      .insertInto("named_entity_metadata")
      .values({ resource_type: resourceType, ...key, description, state, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(["resource_type", "project", "domain", "name"]).doUpdateSet(update))
      .execute();
  }

  /**
   * A page of the names of a project and domain in `table`. Filters apply to
   * the joined names and metadata before the page is cut.
   */
  async list(
    table: VersionedTable,
    resourceType: number,
    project: string,
    domain: string,
    page: ListPage,
  ): Promise<NamedEntityRow[]> {
    const names = this.#db.kysely
      .selectFrom(table as "tasks")
      .select(["project", "domain", "name"])
      .where("project", "=", project)
      .where("domain", "=", domain)
      .groupBy(["project", "domain", "name"]);
    const resolve = namedEntityColumn(resourceType);
    let q = this.#db.kysely
      .selectFrom(names.as("entities"))
      .leftJoin("named_entity_metadata", (join) =>
        join
          .on("named_entity_metadata.resource_type", "=", resourceType)
          .onRef("named_entity_metadata.project", "=", "entities.project")
          .onRef("named_entity_metadata.domain", "=", "entities.domain")
          .onRef("named_entity_metadata.name", "=", "entities.name"),
      )
      .select([
        "entities.project",
        "entities.domain",
        "entities.name",
        sql<string>`COALESCE(named_entity_metadata.description, '')`.as("description"),
        sql<number>`COALESCE(named_entity_metadata.state, 0)`.as("state"),
      ]);
    const where = allFiltersSql(page.filters, resolve, this.#db.codec);
    if (where) q = q.where(where);
    // Names break ties, so pages sorted by state or description are stable.
    if (page.sort) q = q.orderBy(resolve("nen", page.sort.column), page.sort.direction);
    q = q.orderBy("entities.project").orderBy("entities.domain").orderBy("entities.name");
    const rows = await q.limit(page.limit).offset(page.offset).execute();
    return rows.map((r) => ({ ...r, state: Number(r.state) }));
  }
}
