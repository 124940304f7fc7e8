/**
 * The ordered list of migrations, shared by both dialects. A migration is
 * `up(db, columnTypes)`; it never branches on the dialect beyond the column
 * types it is handed.
 */
import type { Kysely, Migration, MigrationProvider } from "kysely";
import type { ColumnTypes } from "../dialect.js";
import * as initial from "./0001-initial.js";
import * as latestVersionIndexes from "./0002-latest-version-indexes.js";
import * as projectNewestIndexes from "./0003-project-newest-indexes.js";
import * as dropStateCreatedIndex from "./0004-drop-state-created-index.js";

/**
 * A step. `down` undoes it for `migrate rollback`; a step without one cannot be rolled back (the initial schema:
 * undoing it would drop every table). Steps must stay additive (see migration-rules.test.ts): a replica of the
 * previous release keeps serving on the same database while the next one migrates.
 */
type Step = {
  up(db: Kysely<unknown>, types: ColumnTypes): Promise<void>;
  down?(db: Kysely<unknown>, types: ColumnTypes): Promise<void>;
};

const STEPS: ReadonlyArray<readonly [string, Step]> = [
  ["0001-initial", initial],
  ["0002-latest-version-indexes", latestVersionIndexes],
  ["0003-project-newest-indexes", projectNewestIndexes],
  ["0004-drop-state-created-index", dropStateCreatedIndex],
];

/** A Kysely MigrationProvider handing each step the dialect's column types. */
export function migrationProvider(types: ColumnTypes): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      const out: Record<string, Migration> = {};
      for (const [name, step] of STEPS) {
        const down = step.down;
        out[name] = {
          up: (db) => step.up(db as Kysely<unknown>, types),
          down: async (db) => {
            if (!down) throw new Error(`migration ${name} cannot be rolled back (it creates the schema)`);
            await down(db as Kysely<unknown>, types);
          },
        };
      }
      return out;
    },
  };
}
