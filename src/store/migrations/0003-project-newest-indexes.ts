/**
 * Indexes for "the newest versions in a project and domain": the console and
 * flytectl list tasks, workflows and launch plans of a project sorted by
 * created_at desc, a page at a time. Without them the database reads and
 * sorts every version of every name of the project for each page.
 */
import type { Kysely } from "kysely";
import type { ColumnTypes } from "../dialect.js";

const TABLES = [
  ["tasks", "task_pd_created_idx"],
  ["workflows", "workflow_pd_created_idx"],
  ["launch_plans", "lp_pd_created_idx"],
] as const;

export async function up(db: Kysely<unknown>, _types: ColumnTypes): Promise<void> {
  for (const [table, name] of TABLES) {
    await db.schema.createIndex(name).on(table).columns(["project", "domain", "created_at"]).execute();
  }
}

export async function down(db: Kysely<unknown>, _types: ColumnTypes): Promise<void> {
  for (const [, name] of TABLES) await db.schema.dropIndex(name).ifExists().execute();
}
