/** The `workflows` table. */
import type { Insertable } from "kysely";
import type { Database } from "../database.js";
import { insertWithWrites } from "../insert-with-writes.js";
import type { DescriptionEntitiesTable, WorkflowsTable } from "../schema.js";
import type { DescriptionEntityRepository } from "./description-entity-repository.js";
import { insertOnce, VersionedEntityRepository, versionKeyText } from "./versioned-entities.js";

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
   * Inserts the description row, then the workflow row, and writes the
   * closure (`writes`) only for a key no row holds and before the row
   * commits, so a losing concurrent registration never overwrites the
   * winner's closure and no committed row lacks one (see
   * store/insert-with-writes.ts). `false` when the key is taken.
   */
  async create(
    row: Insertable<WorkflowsTable>,
    description: Insertable<DescriptionEntitiesTable> | undefined,
    writes: () => Promise<void>,
  ): Promise<boolean> {
    const key = {
      project: row.project ?? "",
      domain: row.domain ?? "",
      name: row.name ?? "",
      version: row.version ?? "",
    };
    return insertWithWrites(this.db, {
      key: `workflows\u0000${versionKeyText(key)}`,
      taken: async () => (await this.get(key)) !== undefined,
      writes,
      insert: (writesBeforeCommit) =>
        insertOnce(this.db, async (trx) => {
          if (description) await this.#descriptions.insert(trx, description);
          await trx.insertInto("workflows").values(row).execute();
          await writesBeforeCommit();
        }),
    });
  }
}
