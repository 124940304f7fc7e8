/**
 * Drops executions' (project, domain, state, created_at) index. `state` is 0
 * (active) on nearly every row and every ListExecutions filters on it, so the
 * index looks as good as (project, domain, phase, created_at) to a planner
 * without statistics (SQLite always, PostgreSQL before its first analysis):
 * listing the RUNNING executions then walked every active execution, newest
 * first, 1 ms a page at a few thousand rows. (project, domain, created_at)
 * serves the lists that filter on state alone as well.
 */
import type { Kysely } from "kysely";
import type { ColumnTypes } from "../dialect.js";

const NAME = "idx_executions_pd_state_created";

export async function up(db: Kysely<unknown>, _types: ColumnTypes): Promise<void> {
  await db.schema.dropIndex(NAME).ifExists().execute();
}

export async function down(db: Kysely<unknown>, _types: ColumnTypes): Promise<void> {
  await db.schema
    .createIndex(NAME)
    .ifNotExists()
    .on("executions")
    .columns(["execution_project", "execution_domain", "state", "created_at"])
    .execute();
}
