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
 * cannot deadlock one another.
 */
import type { Transaction } from "kysely";
import type { Database } from "./database.js";
import type { Schema } from "./schema.js";

/** One unit of work inside a transaction. */
export type TransactionUnit<T> = (trx: Transaction<Schema>) => Promise<T>;

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
  readonly unit: TransactionUnit<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
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
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ lockKey, unit, resolve: resolve as (v: unknown) => void, reject });
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
      const group = this.#queue.splice(0, this.#o.groupSize);
      this.#running++;
      void this.#runGroup(group).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
  }

  async #runGroup(group: Pending[]): Promise<void> {
    if (group.length === 1) {
      const [only] = group as [Pending];
      await this.#o.single(only.unit).then(only.resolve, only.reject);
      return;
    }
    group.sort((a, b) => (a.lockKey < b.lockKey ? -1 : a.lockKey > b.lockKey ? 1 : 0));
    let results: unknown[];
    try {
      results = await this.#db.transaction(async (trx) => {
        const out: unknown[] = [];
        for (const p of group) out.push(await p.unit(trx));
        return out;
      });
    } catch {
      // Rolled back: nothing of the group was written. Each unit on its own, for its own answer.
      await Promise.all(group.map((p) => this.#o.single(p.unit).then(p.resolve, p.reject)));
      return;
    }
    group.forEach((p, i) => {
      p.resolve(results[i]);
    });
  }
}
