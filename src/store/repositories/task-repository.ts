/** The `tasks` table. */
import type { Insertable } from "kysely";
import type { Database } from "../database.js";
import type { DescriptionEntitiesTable, TasksTable } from "../schema.js";
import type { DescriptionEntityRepository } from "./description-entity-repository.js";
import type { TaskRow } from "./task-mapper.js";
import {
  getByKey,
  insertOnce,
  type ListPage,
  listNames,
  type NameKey,
  pageOf,
  type VersionKey,
} from "./versioned-entities.js";

/**
 * Stores tasks.
 *
 * @example
 * const repo = new TaskRepository(db, new DescriptionEntityRepository(db));
 * await repo.create(taskColumns(...));
 * const row = await repo.get({ project: "p", domain: "d", name: "t", version: "v1" });
 */
export class TaskRepository {
  readonly #db: Database;
  readonly #descriptions: DescriptionEntityRepository;

  constructor(db: Database, descriptions: DescriptionEntityRepository) {
    this.#db = db;
    this.#descriptions = descriptions;
  }

  /**
   * Inserts the task row, then its description row, in one transaction.
   * `false` when a row with the same key exists (also when a concurrent
   * request inserted it first): the caller decides what a duplicate means.
   */
  async create(row: Insertable<TasksTable>, description?: Insertable<DescriptionEntitiesTable>): Promise<boolean> {
    return insertOnce(this.#db, async (trx) => {
      await trx.insertInto("tasks").values(row).execute();
      if (description) await this.#descriptions.insert(trx, description);
    });
  }

  async get(key: VersionKey): Promise<TaskRow | undefined> {
    return getByKey(this.#db.kysely, "tasks", key);
  }

  async list(page: ListPage): Promise<TaskRow[]> {
    return pageOf(this.#db, this.#db.kysely.selectFrom("tasks").selectAll(), "tasks", page).execute();
  }

  async listNames(project: string, domain: string, page: Omit<ListPage, "filters">): Promise<NameKey[]> {
    return listNames(this.#db, "tasks", project, domain, page);
  }
}
