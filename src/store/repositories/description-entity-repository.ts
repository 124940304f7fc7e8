/** The `description_entities` table: written with tasks and workflows, read by the description RPCs. */

import type { Insertable } from "kysely";
import { sql } from "kysely";
import type { Database, Executor } from "../database.js";
import type { ColumnResolver } from "../list/filter-sql.js";
import type { DescriptionEntitiesTable } from "../schema.js";
import type { DescriptionEntityRow } from "./description-entity-mapper.js";
import { type ListPage, pageOf, type RowInsert, type VersionKey } from "./versioned-entities.js";

/** Every filter of a description list runs against `description_entities`, whatever entity it was validated for. */
const descriptionColumn: ColumnResolver = (_entity, column) => sql.ref(`description_entities.${column}`);

/**
 * Stores description entities.
 *
 * @example
 * const repo = new DescriptionEntityRepository(db);
 * const row = await repo.get({ project: "p", domain: "d", name: "t", version: "v1" });
 */
export class DescriptionEntityRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Inserts a row inside the caller's transaction. */
  async insert(ex: Executor, row: Insertable<DescriptionEntitiesTable>): Promise<void> {
    await ex.insertInto("description_entities").values(row).execute();
  }

  /** A row to insert with the entity's own (insertAllOnce). */
  rowInsert(row: Insertable<DescriptionEntitiesTable>): RowInsert {
    return { table: "description_entities", row };
  }

  /** The first row with this project, domain, name and version, whatever its resource type (as FlyteAdmin queries). */
  async get(key: VersionKey): Promise<DescriptionEntityRow | undefined> {
    return this.#db.kysely
      .selectFrom("description_entities")
      .selectAll()
      .where("project", "=", key.project)
      .where("domain", "=", key.domain)
      .where("name", "=", key.name)
      .where("version", "=", key.version)
      .orderBy("id")
      .executeTakeFirst();
  }

  /** A page of rows; the filters include the scope (project, domain, name). */
  async list(page: ListPage): Promise<DescriptionEntityRow[]> {
    const query = this.#db.kysely.selectFrom("description_entities").selectAll();
    return pageOf(this.#db, query, "description_entities", page, descriptionColumn).execute();
  }
}
