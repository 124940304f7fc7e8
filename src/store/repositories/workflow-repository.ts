/** The `workflows` table. */
import type { Insertable } from "kysely";
import type { Database } from "../database.js";
import type { DescriptionEntitiesTable, WorkflowsTable } from "../schema.js";
import type { DescriptionEntityRepository } from "./description-entity-repository.js";
import { insertOnce, VersionedEntityRepository } from "./versioned-entities.js";

/**
 * Stores workflows.
 *
 * @example
 * const repo = new WorkflowRepository(db, new DescriptionEntityRepository(db));
 * const created = await repo.create(row, undefined, () => blobs.write(ref, bytes));
 */
export class WorkflowRepository extends VersionedEntityRepository<"workflows"> {
  readonly #descriptions: DescriptionEntityRepository;

  constructor(db: Database, descriptions: DescriptionEntityRepository, rowCacheBytes = 0) {
    super(db, "workflows", rowCacheBytes);
    this.#descriptions = descriptions;
  }

  /**
   * Inserts the description row, then the workflow row, then runs
   * `beforeCommit` (the closure upload) in the same transaction, so a losing
   * concurrent registration never overwrites the winner's closure. `false`
   * when the key is taken.
   */
  async create(
    row: Insertable<WorkflowsTable>,
    description: Insertable<DescriptionEntitiesTable> | undefined,
    beforeCommit: () => Promise<void>,
  ): Promise<boolean> {
    return insertOnce(this.db, async (trx) => {
      if (description) await this.#descriptions.insert(trx, description);
      await trx.insertInto("workflows").values(row).execute();
      await beforeCommit();
    });
  }
}
