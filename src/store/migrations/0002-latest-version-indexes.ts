/**
 * Indexes for "the latest version of a name": flytekit and flytectl find it
 * with List{Tasks,Workflows,LaunchPlans}(name, limit 1, sort created_at
 * desc). Without them the database sorts every version of the name (10,000
 * versions: hundreds of milliseconds on SQLite).
 */
import type { Kysely } from "kysely";
import type { ColumnTypes } from "../dialect.js";

const TABLES = [
  ["tasks", "task_pdn_created_idx"],
  ["workflows", "workflow_pdn_created_idx"],
  ["launch_plans", "lp_pdn_created_idx"],
] as const;

export async function up(db: Kysely<unknown>, _types: ColumnTypes): Promise<void> {
  for (const [table, name] of TABLES) {
    await db.schema.createIndex(name).on(table).columns(["project", "domain", "name", "created_at"]).execute();
  }
}

export async function down(db: Kysely<unknown>, _types: ColumnTypes): Promise<void> {
  for (const [, name] of TABLES) await db.schema.dropIndex(name).ifExists().execute();
}
