/** The `signals` table: gate nodes' signals, created by FlytePropeller and set by users. */
import type { ExpressionBuilder } from "kysely";
import { sql } from "kysely";
import { nowMicros } from "../../common/time.js";
import type { Database } from "../database.js";
import { allFiltersSql, tableColumn } from "../list/filter-sql.js";
import type { Filter } from "../list/filters.js";
import type { SortOrder } from "../list/paging.js";
import type { Schema } from "../schema.js";
import type { ExecutionKey } from "./execution-event-repository.js";
import type { SignalKey, SignalRow } from "./signal-mapper.js";

export interface SignalListQuery {
  readonly execution: ExecutionKey;
  readonly filters: readonly Filter[];
  readonly sort: SortOrder | undefined;
  readonly limit: number;
  readonly offset: number;
}

/**
 * Stores signals.
 *
 * @example
 * const row = await repo.getOrCreate(key, typeBytes);
 */
export class SignalRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** The signal, inserted with `type` first if it does not exist; atomic under concurrent callers. */
  async getOrCreate(key: SignalKey, type: Uint8Array): Promise<SignalRow> {
    const now = this.#db.codec.time(nowMicros());
    await this.#db.kysely
      .insertInto("signals")
      .values({
        execution_project: key.project,
        execution_domain: key.domain,
        execution_name: key.name,
        signal_id: key.signalId,
        type: this.#db.codec.bytes(type),
        value: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
    return (await this.get(key)) as SignalRow;
  }

  async get(key: SignalKey): Promise<SignalRow | undefined> {
    return this.#db.kysely.selectFrom("signals").selectAll().where(signalIs(key)).executeTakeFirst();
  }

  /** Sets the value; false when the signal does not exist. */
  async setValue(key: SignalKey, value: Uint8Array): Promise<boolean> {
    const result = await this.#db.kysely
      .updateTable("signals")
      .set({ value: this.#db.codec.bytes(value), updated_at: this.#db.codec.time(nowMicros()) })
      .where(signalIs(key))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async list(q: SignalListQuery): Promise<SignalRow[]> {
    let query = this.#db.kysely
      .selectFrom("signals")
      .selectAll()
      .where("execution_project", "=", q.execution.project)
      .where("execution_domain", "=", q.execution.domain)
      .where("execution_name", "=", q.execution.name);
    const where = allFiltersSql(q.filters, tableColumn, this.#db.codec);
    if (where) query = query.where(where);
    if (q.sort) query = query.orderBy(sql.ref(`signals.${q.sort.column}`), q.sort.direction);
    // Row order last keeps offset pages stable (FlyteAdmin leaves ties and unsorted lists to the database).
    query = query.orderBy(sql.ref("signals.id"));
    return query.limit(q.limit).offset(q.offset).execute();
  }
}

function signalIs(key: SignalKey) {
  return (eb: ExpressionBuilder<Schema, "signals">) =>
    eb.and([
      eb("execution_project", "=", key.project),
      eb("execution_domain", "=", key.domain),
      eb("execution_name", "=", key.name),
      eb("signal_id", "=", key.signalId),
    ]);
}
