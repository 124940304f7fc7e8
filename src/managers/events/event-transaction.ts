/**
 * Runs one event's read-modify-write as one transaction. The first event of
 * a node or task attempt inserts its row; when two such events race, the
 * loser's insert fails on the unique key and it runs again, now finding the
 * row (and applying the phase rules to it) instead of failing.
 *
 * Concurrent events share transactions (group commit, store/group-commit.ts):
 * under load an event costs its lock-read and its write, and BEGIN/COMMIT
 * once per group; alone, it runs exactly as a transaction of its own.
 */
import type { Transaction } from "kysely";
import { AdminError } from "../../errors/admin-error.js";
import type { Database } from "../../store/database.js";
import { GroupCommit, type LockReader } from "../../store/group-commit.js";
import type { Schema } from "../../store/schema.js";

/**
 * `fn` in a transaction of its own, run once more if it lost an insert race.
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

/**
 * Groups per database. PostgreSQL: several groups at once, each on its own
 * connection; SQLite has one connection, so one group at a time. A group's
 * statements run one after another, so a replica's event rate is bounded by
 * about groups x group size / (group size x 2 round trips + 2): with 32
 * streams on this 2-core machine 4 groups (of up to 32) gave 1,500-1,680
 * events/s, waiting on round trips with a core idle; 6 to 16 groups gave
 * 2,250-2,320, and 32 groups of one 1,880 (BEGIN/COMMIT per event again).
 * A database far away may want more.
 *
 * SQLite runs a group's statements synchronously, and its answers leave
 * together: with groups as large as the streams, server and client took
 * turns, each idle while the other worked. Groups of 8 let the client send
 * the next events while the server writes the rest: 4,468-4,677 -> 4,911-5,067
 * events/s with 32 streams here (bench/events.ts), for 15-20% more CPU per
 * event (a commit per 8 events); 6 and 12 did worse than 8.
 */
const groups = new WeakMap<Database, GroupCommit>();

function groupsOf(db: Database): GroupCommit {
  let g = groups.get(db);
  if (g === undefined) {
    const postgres = db.dialect === "postgres";
    g = new GroupCommit(db, {
      groups: postgres ? 8 : 1,
      groupSize: postgres ? 16 : 8,
      single: (unit) => eventTransaction(db, unit),
    });
    groups.set(db, g);
  }
  return g;
}

/**
 * `fn` in a transaction shared with concurrent events (it must lock at most
 * the one row `lockKey` names, and write nothing outside the transaction).
 * Its answer comes once that transaction committed; if any event of the
 * group fails, each runs again on its own (eventTransaction).
 *
 * @example
 * await groupedEventTransaction(db, nodeLockKey(key), (trx) => apply(trx));
 */
export function groupedEventTransaction<T>(
  db: Database,
  lockKey: string,
  fn: (trx: Transaction<Schema>) => Promise<T>,
): Promise<T> {
  return groupsOf(db).run(lockKey, fn);
}

/**
 * As groupedEventTransaction, with the row the event changes read (and
 * locked) by `reader` for `arg`, together with the rows of the other events
 * of its group: one statement for all of them instead of one each.
 *
 * @example
 * await lockedEventTransaction(db, nodeLockKey(key), nodes.eventLocks, key, (trx, snap) => apply(trx, snap));
 */
export function lockedEventTransaction<A, S, T>(
  db: Database,
  lockKey: string,
  reader: LockReader<A, S>,
  arg: A,
  fn: (trx: Transaction<Schema>, read: S) => Promise<T>,
): Promise<T> {
  return groupsOf(db).runLocked(lockKey, reader, arg, fn);
}

/** The lock key of a row of an execution: the execution's key, then the row's own parts. */
export function lockKeyOf(project: string, domain: string, name: string, ...row: (string | number)[]): string {
  return [project, domain, name, ...row].join("\u0000");
}
