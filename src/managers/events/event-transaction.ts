/**
 * Runs one event's read-modify-write as one transaction. The first event of
 * a node or task attempt inserts its row; when two such events race, the
 * loser's insert fails on the unique key and it runs again, now finding the
 * row (and applying the phase rules to it) instead of failing.
 */
import type { Transaction } from "kysely";
import { AdminError } from "../../errors/admin-error.js";
import type { Database } from "../../store/database.js";
import type { Schema } from "../../store/schema.js";

/**
 * `fn` in a transaction, run once more if it lost an insert race.
 *
 * @example
 * await eventTransaction(db, (trx) => apply(trx));
 */
export async function eventTransaction<T>(db: Database, fn: (trx: Transaction<Schema>) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(fn);
  } catch (err) {
    if (!db.isUniqueViolation(err)) throw err;
  }
  try {
    return await db.transaction(fn);
  } catch (err) {
    if (db.isUniqueViolation(err)) {
      throw AdminError.alreadyExists(`value with matching already exists (${(err as Error).message})`);
    }
    throw err;
  }
}
