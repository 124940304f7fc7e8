/**
 * The `schedulable_entities` table: the launch plan versions whose schedule
 * is active, as FlyteAdmin's native scheduler reads them. Written only while
 * a launch plan is activated or deactivated, inside that transaction.
 */
import type { Insertable } from "kysely";
import { nowMicros } from "../../common/time.js";
import type { Executor } from "../database.js";
import type { ValueCodec } from "../dialect.js";
import type { SchedulableEntitiesTable } from "../schema.js";
import type { VersionKey } from "./versioned-entities.js";

/** What the scheduler needs of one launch plan version's schedule. */
export interface SchedulableEntity extends VersionKey {
  readonly cronExpression: string;
  readonly fixedRateValue: number;
  /** FixedRateUnit: 0 MINUTE, 1 HOUR, 2 DAY. */
  readonly unit: number;
  readonly kickoffTimeInputArg: string;
}

/**
 * Writes schedulable entities.
 *
 * @example
 * await new SchedulableEntityRepository(db.codec).activate(trx, entity);
 */
export class SchedulableEntityRepository {
  readonly #codec: ValueCodec;

  constructor(codec: ValueCodec) {
    this.#codec = codec;
  }

  /** Inserts the entity active, or marks the existing row of that version active. */
  async activate(ex: Executor, e: SchedulableEntity): Promise<void> {
    const now = this.#codec.time(nowMicros());
    const row: Insertable<SchedulableEntitiesTable> = {
      project: e.project,
      domain: e.domain,
      name: e.name,
      version: e.version,
      cron_expression: e.cronExpression,
      fixed_rate_value: e.fixedRateValue,
      unit: e.unit,
      kickoff_time_input_arg: e.kickoffTimeInputArg,
      active: 1,
      created_at: now,
      updated_at: now,
    };
    await ex
      .insertInto("schedulable_entities")
      .values(row)
      .onConflict((oc) =>
        oc.columns(["project", "domain", "name", "version"]).doUpdateSet({ active: 1, updated_at: now }),
      )
      .execute();
  }

  /** Marks the version's row inactive; nothing happens when it has none. */
  async deactivate(ex: Executor, key: VersionKey): Promise<void> {
    await ex
      .updateTable("schedulable_entities")
      .set({ active: 0, updated_at: this.#codec.time(nowMicros()) })
      .where("project", "=", key.project)
      .where("domain", "=", key.domain)
      .where("name", "=", key.name)
      .where("version", "=", key.version)
      .execute();
  }
}

/** A schedulable entity as the scheduler reads it back: with its state and last change. */
export interface StoredSchedulableEntity extends SchedulableEntity {
  readonly active: boolean;
  /** When the row last changed (activation time for a fresh schedule), microseconds. */
  readonly updatedAt: number;
}

/** Every schedulable entity, active or not (FlyteAdmin's scheduler reads them all each time). */
export async function listSchedulableEntities(ex: Executor, codec: ValueCodec): Promise<StoredSchedulableEntity[]> {
  const rows = await ex.selectFrom("schedulable_entities").selectAll().orderBy("id").execute();
  return rows.map((r) => ({
    project: r.project,
    domain: r.domain,
    name: r.name,
    version: r.version,
    cronExpression: r.cron_expression,
    fixedRateValue: Number(r.fixed_rate_value),
    unit: r.unit,
    kickoffTimeInputArg: r.kickoff_time_input_arg,
    active: r.active === 1,
    updatedAt: codec.micros(r.updated_at),
  }));
}
