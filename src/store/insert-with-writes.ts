/**
 * Inserting a row that refers to blobs written for it (an execution's
 * inputs, a workflow's compiled closure). Two rules hold on both databases:
 * the blobs are written only for the row that wins its key (a duplicate
 * never overwrites the blobs of the row that holds the key), and no
 * committed row lacks them (a crash leaves at most blobs without a row).
 *
 * PostgreSQL: the blobs are written inside the insert's transaction, after
 * the insert and before the commit; the unique key decides the winner.
 *
 * SQLite has one connection, and a transaction holds it across the blob
 * writes' file I/O, so every other call waited for them. With the writes
 * before the transaction (`bench/compare.ts --target`, SQLite, back to back,
 * 2 rounds each): CreateExecution 399-463 → 754-798 req/s and 2.0-2.4 →
 * 1.4-1.6 ms of server CPU; CreateWorkflow 329-345 → 495-532 req/s. A
 * SQLite file has one writing process (cluster/: SQLite runs one whatever
 * `server.workers` says), so there the key is reserved in memory instead:
 * while it is held, the blobs are written if no row holds the key, then the
 * transaction inserts (and fails on the unique key as before when one does).
 */
import type { Database } from "./database.js";

export interface InsertWithWrites<T> {
  /** The row's table and unique key as text (keys of different tables never meet). */
  readonly key: string;
  /** Whether a row holds the key already. */
  readonly taken: () => Promise<boolean>;
  /** Writes the row's blobs. */
  readonly writes: () => Promise<unknown>;
  /** Runs the insert's transaction; calls `writes` in it after the insert, before the commit. */
  readonly insert: (writes: () => Promise<unknown>) => Promise<T>;
}

/** Keys being inserted, per SQLite database, each to the end of its latest holder's turn. */
const reserved = new WeakMap<Database, Map<string, Promise<unknown>>>();

const nothing = async () => undefined;

/**
 * The insert with its blob writes, in the order the database allows (see above).
 *
 * @example
 * await insertWithWrites(db, {
 *   key, taken: async () => (await repo.get(k)) !== undefined, writes: () => blobs.write(ref, bytes),
 *   insert: (writes) => db.transaction(async (trx) => { await insertRow(trx); await writes(); }),
 * });
 */
export async function insertWithWrites<T>(db: Database, o: InsertWithWrites<T>): Promise<T> {
  if (db.dialect !== "sqlite") return o.insert(o.writes);
  let keys = reserved.get(db);
  if (keys === undefined) {
    keys = new Map();
    reserved.set(db, keys);
  }
  const turn = async () => {
    if (!(await o.taken())) await o.writes();
    return o.insert(nothing);
  };
  const before = keys.get(o.key);
  const mine = before === undefined ? turn() : before.then(turn, turn);
  const settled = mine.then(nothing, nothing);
  keys.set(o.key, settled);
  try {
    return await mine;
  } finally {
    if (keys.get(o.key) === settled) keys.delete(o.key);
  }
}
