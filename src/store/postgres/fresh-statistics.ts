/**
 * Keeps PostgreSQL's planner statistics up with tables that grow fast, as a
 * new installation's do. Autovacuum analyzes a table at most once a minute
 * (its naptime), and until then the planner sees a fresh table as the few
 * rows it had when first planned: a connection's cached generic plan for a
 * key lookup stays a sequential scan while the table grows to thousands of
 * rows (GetExecution 0.7 ms instead of 0.02 ms), and a list query picks an
 * index that filters instead of one that seeks. An ANALYZE also invalidates
 * the cached plans, so they are planned again on the new statistics.
 *
 * Every few seconds this analyzes the tables of our schema whose rows
 * changed since their last analysis by at least as many as they had then
 * (and at least MIN_CHANGES), each at most once in REANALYZE_AFTER_MS (a
 * table it may not analyze, owned by another role, is not retried in a
 * loop): early on that is often, for a large table practically never, and
 * autovacuum keeps doing the rest.
 */
import { sql } from "kysely";
import type { Logger } from "pino";
import type { Database } from "../database.js";

/** Changes since the last analysis below which a table is left to autovacuum. */
export const MIN_CHANGES = 500;
/** A table analyzed here is not analyzed here again sooner than this. */
export const REANALYZE_AFTER_MS = 30_000;

export interface FreshStatisticsOptions {
  readonly database: Database;
  readonly logger: Logger;
  /** Between checks; default 5 s. */
  readonly intervalMs?: number;
}

/**
 * Analyzes the tables that outgrew their statistics now, except those in
 * `lastAnalyzed` (table -> ms) analyzed less than REANALYZE_AFTER_MS ago;
 * answers the tables analyzed (and records them there).
 *
 * @example
 * const analyzed = await analyzeGrownTables(database);
 */
export async function analyzeGrownTables(
  database: Database,
  lastAnalyzed: Map<string, number> = new Map(),
  now = Date.now(),
): Promise<string[]> {
  const { rows } = await sql<{ table: string }>`
    SELECT s.relname AS table FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
    WHERE s.schemaname = current_schema() AND s.n_mod_since_analyze >= greatest(${MIN_CHANGES}, c.reltuples)
    ORDER BY s.relname`.execute(database.kysely);
  const due = rows.map((r) => r.table).filter((t) => now - (lastAnalyzed.get(t) ?? -Infinity) >= REANALYZE_AFTER_MS);
  for (const table of due) {
    lastAnalyzed.set(table, now);
    await sql`ANALYZE ${sql.id(table)}`.execute(database.writer); // not on the few read connections
  }
  return due;
}

/**
 * Checks every `intervalMs` until stopped; a failed check (the database away for a moment) is logged and the
 * next one tries again.
 *
 * @example
 * const keeper = keepStatisticsFresh({ database, logger });
 * await keeper.stop();
 */
export function keepStatisticsFresh(o: FreshStatisticsOptions): { stop(): Promise<void> } {
  const logger = o.logger.child({ component: "fresh-statistics" });
  let running: Promise<void> | undefined;
  const lastAnalyzed = new Map<string, number>();
  const check = () => {
    running ??= analyzeGrownTables(o.database, lastAnalyzed)
      .then((tables) => {
        if (tables.length > 0) logger.debug({ tables }, "analyzed tables that outgrew their statistics");
      })
      .catch((err: unknown) => logger.warn({ err }, "checking table statistics failed"))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(check, o.intervalMs ?? 5_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
