/**
 * The `schedule_entities_snapshots` table: the scheduler's last fire times,
 * one blob. FlyteAdmin appends a row every 30 s and reads the last one; we
 * keep only the newest row (older ones are removed in the same transaction),
 * so the table does not grow by 2,880 rows a day.
 */
import { nowMicros } from "../../common/time.js";
import type { Database } from "../database.js";

/**
 * Reads and writes the snapshot blob.
 *
 * @example
 * const repo = new ScheduleSnapshotRepository(db);
 * await repo.write(bytes);
 * const latest = await repo.read();
 */
export class ScheduleSnapshotRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** The newest snapshot, or undefined when none was ever written. */
  async read(): Promise<Uint8Array | undefined> {
    const row = await this.#db.kysely
      .selectFrom("schedule_entities_snapshots")
      .select("snapshot")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    return row ? new Uint8Array(row.snapshot) : undefined;
  }

  /** Stores `snapshot` as the newest and drops the older rows. */
  async write(snapshot: Uint8Array): Promise<void> {
    const { codec } = this.#db;
    const now = codec.time(nowMicros());
    await this.#db.transaction(async (trx) => {
      const inserted = await trx
        .insertInto("schedule_entities_snapshots")
        .values({ snapshot: codec.bytes(snapshot), created_at: now, updated_at: now })
        .returning("id")
        .executeTakeFirstOrThrow();
      await trx.deleteFrom("schedule_entities_snapshots").where("id", "<", inserted.id).execute();
    });
  }
}
