/** The `tasks` table. */
import type { Insertable } from "kysely";
import type { Database } from "../database.js";
import type { DescriptionEntitiesTable, TasksTable } from "../schema.js";
import type { DescriptionEntityRepository } from "./description-entity-repository.js";
import { insertAllOnce, type RowInsert, VersionedEntityRepository } from "./versioned-entities.js";

/**
 * Stores tasks.
 *
 * @example
 * const repo = new TaskRepository(db, new DescriptionEntityRepository(db));
 * await repo.create(taskColumns(...));
 * const row = await repo.get({ project: "p", domain: "d", name: "t", version: "v1" });
 */
export class TaskRepository extends VersionedEntityRepository<"tasks"> {
  readonly #descriptions: DescriptionEntityRepository;

  constructor(db: Database, descriptions: DescriptionEntityRepository, rowCacheBytes = 0) {
    super(db, "tasks", rowCacheBytes);
    this.#descriptions = descriptions;
  }

  /**
   * Inserts the task row and its description row, all or nothing.
   * `false` when a row with the same key exists (also when a concurrent
   * request inserted it first): the caller decides what a duplicate means.
   */
  async create(row: Insertable<TasksTable>, description?: Insertable<DescriptionEntitiesTable>): Promise<boolean> {
    const task: RowInsert = { table: "tasks", row };
    return insertAllOnce(this.db, description ? [task, this.#descriptions.rowInsert(description)] : [task]);
  }
}
