/**
 * Group commit: short read-modify-write units (one event each) that arrive
 * while others are running share one transaction, so BEGIN and COMMIT (two
 * of an event's four round trips to PostgreSQL, and on SQLite two of its
 * statements) are paid once per group instead of once per unit.
 *
 * Each unit still gets its own answer, and only after its group committed.
 * A group commits only if every unit in it succeeded: when one fails
 * (a refused event, a lost insert race, a deadlock), the group's transaction
 * is rolled back, so nothing of it was written, and every unit of the group
 * runs again on its own, exactly as without grouping; so one unit's failure
 * never fails the others, and nothing answered is lost.
 *
 * Units are run in the order of their lock key: each event locks one row, so
 * groups running at the same time take their locks in the same order and
 * cannot deadlock one another. A unit may name what it reads and locks
 * (`runLocked`): a group then reads those rows first, one statement per
 * reader for all its units (readers in name order, keys in lock key order),
 * instead of a round trip per unit. Two units with the same lock key never
 * share a group (the second waits for the next), since both would read the
 * row as it was before either. On PostgreSQL a unit's last writes may be
 * deferred (`deferWrite`): the group writes them, one statement per writer
 * for all its units, before it commits.
 */
import type { Transaction } from "kysely";
import type { Database } from "./database.js";
import type { Schema } from "./schema.js";

/** One unit of work inside a transaction. */
export type TransactionUnit<T> = (trx: Transaction<Schema>) => Promise<T>;

/**
 * Reads, and where the database can locks, the rows of many units at once:
 * one answer per argument, in their order.
 */
export interface LockReader<A, S> {
  /** Orders the readers of a group: every group locks in the same order. */
  readonly name: string;
  read(trx: Transaction<Schema>, args: readonly A[]): Promise<S[]>;
}

/** Writes many units' rows at once (one statement for all). */
export interface BatchWriter<W> {
  /** Orders the writers of a group: every group writes in the same order. */
  readonly name: string;
  write(trx: Transaction<Schema>, items: readonly W[]): Promise<void>;
}

/** Code-unit order (not the locale's): every process orders locks and writes the same way. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Readers and writers in the order every group uses them. */
function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return compareText(a.name, b.name);
}

/** The writes deferred in each running group's transaction. */
const deferred = new WeakMap<object, Map<BatchWriter<unknown>, unknown[]>>();

/**
 * Inside a group's transaction on PostgreSQL: keeps `item` for `writer` to
 * write with the group's other items before the group commits, and answers
 * true; anywhere else false, and the caller writes it now. Only a unit's
 * last writes may be deferred: nothing in the transaction sees them before
 * the group's end.
 *
 * @example
 * if (!deferWrite(trx, updates, row)) await update(trx, row);
 */
export function deferWrite<W>(trx: object, writer: BatchWriter<W>, item: W): boolean {
  const writes = deferred.get(trx);
  if (writes === undefined) return false;
  const items = writes.get(writer as BatchWriter<unknown>) ?? [];
  items.push(item);
  writes.set(writer as BatchWriter<unknown>, items);
  return true;
}

/** Writes what the group's units deferred: writers in name order, items in unit order. */
async function writeDeferred(trx: Transaction<Schema>): Promise<void> {
  const writes = deferred.get(trx);
  if (writes === undefined) return;
  deferred.delete(trx);
  const writers = [...writes.keys()].sort(byName);
  for (const writer of writers) await writer.write(trx, writes.get(writer) ?? []);
}

export interface GroupCommitOptions {
  /** Groups in flight at once (PostgreSQL runs each on its own connection; SQLite has one). */
  readonly groups: number;
  /** Units per group at most. */
  readonly groupSize: number;
  /** Runs a unit on its own (a group of one, or after its group failed). */
  readonly single: <T>(unit: TransactionUnit<T>) => Promise<T>;
}

interface Pending {
  readonly lockKey: string;
  readonly lock: { readonly reader: LockReader<unknown, unknown>; readonly arg: unknown } | undefined;
  /** The unit, given what its reader read for it (undefined without one). */
  readonly unit: (trx: Transaction<Schema>, read: unknown) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** A pending unit run on its own: its read, then the unit, in one transaction. */
function alone(p: Pending): TransactionUnit<unknown> {
  return async (trx) => p.unit(trx, p.lock ? (await p.lock.reader.read(trx, [p.lock.arg]))[0] : undefined);
}

/**
 * Batches concurrent units into shared transactions.
 *
 * @example
 * const groups = new GroupCommit(db, { groups: 4, groupSize: 32, single: (u) => db.transaction(u) });
 * await groups.run(`${project}/${domain}/${name}`, async (trx) => { ... });
 */
export class GroupCommit {
  readonly #db: Database;
  readonly #o: GroupCommitOptions;
  #queue: Pending[] = [];
  #running = 0;
  #scheduled = false;

  constructor(db: Database, options: GroupCommitOptions) {
    this.#db = db;
    this.#o = Object.freeze({ ...options });
  }

  /** Runs `unit` in a transaction shared with concurrent units; `lockKey` names the row it locks. */
  run<T>(lockKey: string, unit: TransactionUnit<T>): Promise<T> {
    return this.#enqueue(lockKey, undefined, unit);
  }

  /**
   * Runs `unit` in a transaction shared with concurrent units, given the row
   * `reader` read (and locked) for `arg` together with the other units' rows.
   */
  runLocked<A, S, T>(
    lockKey: string,
    reader: LockReader<A, S>,
    arg: A,
    unit: (trx: Transaction<Schema>, read: S) => Promise<T>,
  ): Promise<T> {
    return this.#enqueue(lockKey, { reader: reader as LockReader<unknown, unknown>, arg }, unit as Pending["unit"]);
  }

  #enqueue<T>(lockKey: string, lock: Pending["lock"], unit: Pending["unit"]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ lockKey, lock, unit, resolve: resolve as (v: unknown) => void, reject });
      this.#pump();
    });
  }

  /**
   * Starts groups after the event loop has polled for I/O (setImmediate): a
   * group's statements on SQLite run synchronously between microtasks, so
   * requests that arrived meanwhile are only decoded, and queued here, once
   * the loop gets to its I/O phase; starting at once would make every group
   * a group of one.
   */
  #pump(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#startGroups();
    });
  }

  #startGroups(): void {
    while (this.#running < this.#o.groups && this.#queue.length > 0) {
      const group = this.#takeGroup();
      this.#running++;
      void this.#runGroup(group).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
  }

  /** The next group: queued units in arrival order, at most one per lock key, up to the group size. */
  #takeGroup(): Pending[] {
    const group: Pending[] = [];
    const keys = new Set<string>();
    const rest: Pending[] = [];
    for (const p of this.#queue) {
      if (group.length < this.#o.groupSize && !keys.has(p.lockKey)) {
        group.push(p);
        keys.add(p.lockKey);
      } else rest.push(p);
    }
    this.#queue = rest;
    return group;
  }

  async #runGroup(group: Pending[]): Promise<void> {
    if (group.length === 1) {
      const [only] = group as [Pending];
      await this.#o.single(alone(only)).then(only.resolve, only.reject);
      return;
    }
    group.sort((a, b) => compareText(a.lockKey, b.lockKey));
    let results: unknown[];
    try {
      results = await this.#db.transaction(async (trx) => {
        if (this.#db.dialect === "postgres") deferred.set(trx, new Map());
        try {
          const reads = await readAll(trx, group);
          const out: unknown[] = [];
          for (const p of group) out.push(await p.unit(trx, reads.get(p)));
          await writeDeferred(trx);
          return out;
        } finally {
          deferred.delete(trx);
        }
      });
    } catch {
      // Rolled back: nothing of the group was written. Each unit on its own, for its own answer.
      await Promise.all(group.map((p) => this.#o.single(alone(p)).then(p.resolve, p.reject)));
      return;
    }
    group.forEach((p, i) => {
      p.resolve(results[i]);
    });
  }
}

/** What each unit's reader read for it: one statement per reader, readers in name order, units in group order. */
async function readAll(trx: Transaction<Schema>, group: readonly Pending[]): Promise<Map<Pending, unknown>> {
  const reads = new Map<Pending, unknown>();
  const byReader = new Map<LockReader<unknown, unknown>, Pending[]>();
  for (const p of group) {
    if (p.lock === undefined) continue;
    const units = byReader.get(p.lock.reader) ?? [];
    units.push(p);
    byReader.set(p.lock.reader, units);
  }
  const readers = [...byReader.keys()].sort(byName);
  for (const reader of readers) {
    const units = byReader.get(reader) ?? [];
    const read = await reader.read(
      trx,
      units.map((p) => p.lock?.arg),
    );
    units.forEach((p, i) => {
      reads.set(p, read[i]);
    });
  }
  return reads;
}
