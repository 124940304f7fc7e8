/**
 * The initial schema (entities.md §5, executions.md), for both dialects, with
 * the indexes the hot queries need: latest version of a name, executions by
 * project/domain with phase and creation time, node executions by execution
 * and parent, task executions by node execution.
 */
import type { CreateTableBuilder, Kysely } from "kysely";
import type { ColumnTypes } from "../dialect.js";

type Db = Kysely<unknown>;
type Table = CreateTableBuilder<string, string>;

/** id plus FlyteAdmin's BaseModel timestamps. */
function base(t: Table, types: ColumnTypes): Table {
  return t
    .addColumn("id", types.id, (c) => (types.id === "integer" ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn("created_at", types.timestamp, (c) => c.notNull())
    .addColumn("updated_at", types.timestamp, (c) => c.notNull())
    .addColumn("deleted_at", types.timestamp);
}

const text = (t: Table, name: string, dflt = ""): Table =>
  t.addColumn(name, "text", (c) => c.notNull().defaultTo(dflt));

function textColumns(t: Table, names: string[]): Table {
  return names.reduce((acc, n) => text(acc, n), t);
}

async function index(db: Db, name: string, table: string, columns: string[], unique = false): Promise<void> {
  let b = db.schema.createIndex(name).on(table).columns(columns);
  if (unique) b = b.unique();
  await b.execute();
}

/** Applies the initial schema. */
export async function up(db: Db, types: ColumnTypes): Promise<void> {
  const bytes = types.bytes;
  const ts = types.timestamp;
  const big = types.bigint;

  await base(db.schema.createTable("projects"), types)
    .addColumn("identifier", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("description", "varchar(300)", (c) => c.notNull().defaultTo(""))
    .addColumn("labels", bytes)
    .addColumn("state", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await index(db, "projects_identifier_key", "projects", ["identifier"], true);
  await index(db, "idx_projects_state", "projects", ["state"]);

  for (const table of ["tasks", "workflows"] as const) {
    let t = textColumns(base(db.schema.createTable(table), types), ["project", "domain", "name", "version"]);
    t =
      table === "tasks"
        ? text(t.addColumn("closure", bytes, (c) => c.notNull()).addColumn("digest", bytes), "type")
        : text(t.addColumn("typed_interface", bytes), "remote_closure_identifier").addColumn("digest", bytes);
    await text(t, "short_description").execute();
    const prefix = table === "tasks" ? "task" : "workflow";
    await index(db, `${prefix}_pdnv_key`, table, ["project", "domain", "name", "version"], true);
    await index(db, `${prefix}_project_domain_name_idx`, table, ["project", "domain", "name"]);
    await index(db, `${prefix}_project_domain_idx`, table, ["project", "domain"]);
  }

  await textColumns(base(db.schema.createTable("launch_plans"), types), ["project", "domain", "name", "version"])
    .addColumn("spec", bytes, (c) => c.notNull())
    .addColumn("workflow_id", big, (c) => c.notNull())
    .addColumn("closure", bytes, (c) => c.notNull())
    .addColumn("state", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("digest", bytes)
    .addColumn("schedule_type", "text", (c) => c.notNull().defaultTo("NONE"))
    .addColumn("launch_condition_type", "varchar(32)")
    .execute();
  await index(db, "lp_pdnv_key", "launch_plans", ["project", "domain", "name", "version"], true);
  await index(db, "lp_project_domain_name_idx", "launch_plans", ["project", "domain", "name", "state"]);
  await index(db, "idx_launch_plans_workflow_id", "launch_plans", ["workflow_id"]);
  await index(db, "idx_launch_plans_launch_conditions", "launch_plans", ["launch_condition_type"]);

  await textColumns(
    base(db.schema.createTable("named_entity_metadata"), types).addColumn("resource_type", "integer", (c) =>
      c.notNull(),
    ),
    ["project", "domain", "name"],
  )
    .addColumn("description", "varchar(300)", (c) => c.notNull().defaultTo(""))
    .addColumn("state", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await index(
    db,
    "named_entity_metadata_type_project_domain_name_idx",
    "named_entity_metadata",
    ["resource_type", "project", "domain", "name"],
    true,
  );

  await textColumns(base(db.schema.createTable("resources"), types), [
    "project",
    "domain",
    "workflow",
    "launch_plan",
    "resource_type",
  ])
    .addColumn("priority", "integer", (c) => c.notNull())
    .addColumn("attributes", bytes, (c) => c.notNull())
    .execute();
  await index(db, "resource_idx", "resources", ["project", "domain", "workflow", "launch_plan", "resource_type"], true);

  await textColumns(
    base(db.schema.createTable("description_entities"), types).addColumn("resource_type", "integer", (c) =>
      c.notNull(),
    ),
    ["project", "domain", "name", "version", "short_description"],
  )
    .addColumn("long_description", bytes, (c) => c.notNull())
    .addColumn("link", "text", (c) => c.notNull().defaultTo(""))
    .execute();
  await index(
    db,
    "description_entity_project_domain_name_version_idx",
    "description_entities",
    ["resource_type", "project", "domain", "name", "version"],
    true,
  );
  await index(db, "description_entity_pdn_idx", "description_entities", ["project", "domain", "name"]);

  await textColumns(base(db.schema.createTable("schedulable_entities"), types), [
    "project",
    "domain",
    "name",
    "version",
    "cron_expression",
  ])
    .addColumn("fixed_rate_value", big, (c) => c.notNull().defaultTo(0))
    .addColumn("unit", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("kickoff_time_input_arg", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("active", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await index(
    db,
    "schedulable_entities_pdnv_key",
    "schedulable_entities",
    ["project", "domain", "name", "version"],
    true,
  );

  await base(db.schema.createTable("schedule_entities_snapshots"), types)
    .addColumn("snapshot", bytes, (c) => c.notNull())
    .execute();

  await textColumns(base(db.schema.createTable("executions"), types), [
    "execution_project",
    "execution_domain",
    "execution_name",
  ])
    .addColumn("launch_plan_id", big)
    .addColumn("workflow_id", big)
    .addColumn("task_id", big)
    .addColumn("phase", "text", (c) => c.notNull())
    .addColumn("closure", bytes, (c) => c.notNull())
    .addColumn("spec", bytes, (c) => c.notNull())
    .addColumn("started_at", ts)
    .addColumn("execution_created_at", ts, (c) => c.notNull())
    .addColumn("execution_updated_at", ts, (c) => c.notNull())
    .addColumn("duration", big, (c) => c.notNull().defaultTo(0))
    .addColumn("abort_cause", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("mode", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("source_execution_id", big)
    .addColumn("parent_node_execution_id", big)
    .addColumn("cluster", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("inputs_uri", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("user_inputs_uri", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("error_kind", "text")
    .addColumn("error_code", "text")
    .addColumn("user", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("state", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("launch_entity", "text", (c) => c.notNull().defaultTo(""))
    .execute();
  const exKey = ["execution_project", "execution_domain", "execution_name"];
  await index(db, "executions_key", "executions", exKey, true);
  await index(db, "idx_executions_pd_created", "executions", ["execution_project", "execution_domain", "created_at"]);
  await index(db, "idx_executions_pd_phase_created", "executions", [
    "execution_project",
    "execution_domain",
    "phase",
    "created_at",
  ]);
  await index(db, "idx_executions_pd_state_created", "executions", [
    "execution_project",
    "execution_domain",
    "state",
    "created_at",
  ]);
  await index(db, "idx_executions_created_at", "executions", ["execution_created_at"]);
  await index(db, "idx_executions_launch_plan_id", "executions", ["launch_plan_id", "phase"]);
  await index(db, "idx_executions_workflow_id", "executions", ["workflow_id"]);
  await index(db, "idx_executions_task_id", "executions", ["task_id"]);
  await index(db, "idx_executions_user", "executions", ["user"]);
  await index(db, "idx_executions_parent_node", "executions", ["parent_node_execution_id"]);

  await textColumns(base(db.schema.createTable("execution_events"), types), [...exKey, "request_id"])
    .addColumn("occurred_at", ts, (c) => c.notNull())
    .addColumn("phase", "text", (c) => c.notNull())
    .execute();
  await index(db, "execution_events_key", "execution_events", [...exKey, "phase"], true);

  await textColumns(base(db.schema.createTable("node_executions"), types), [...exKey, "node_id", "phase", "input_uri"])
    .addColumn("closure", bytes, (c) => c.notNull())
    .addColumn("started_at", ts)
    .addColumn("node_execution_created_at", ts, (c) => c.notNull())
    .addColumn("node_execution_updated_at", ts, (c) => c.notNull())
    .addColumn("duration", big, (c) => c.notNull().defaultTo(0))
    .addColumn("node_execution_metadata", bytes, (c) => c.notNull())
    .addColumn("parent_id", big)
    .addColumn("parent_task_execution_id", big)
    .addColumn("error_kind", "text")
    .addColumn("error_code", "text")
    .addColumn("cache_status", "text")
    .addColumn("dynamic_workflow_remote_closure_reference", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("internal_data", bytes, (c) => c.notNull())
    .execute();
  await index(db, "node_executions_key", "node_executions", [...exKey, "node_id"], true);
  await index(db, "idx_node_executions_parent", "node_executions", [...exKey, "parent_id"]);
  await index(db, "idx_node_executions_parent_task", "node_executions", ["parent_task_execution_id"]);
  await index(db, "idx_node_executions_node_id", "node_executions", ["node_id"]);

  await textColumns(base(db.schema.createTable("node_execution_events"), types), [...exKey, "node_id", "request_id"])
    .addColumn("occurred_at", ts, (c) => c.notNull())
    .addColumn("phase", "text", (c) => c.notNull())
    .execute();
  await index(db, "node_execution_events_key", "node_execution_events", [...exKey, "node_id", "phase"], true);

  await textColumns(base(db.schema.createTable("task_executions"), types), [
    "project",
    "domain",
    "name",
    "version",
    ...exKey,
    "node_id",
  ])
    .addColumn("retry_attempt", big, (c) => c.notNull())
    .addColumn("phase", "text", (c) => c.notNull())
    .addColumn("phase_version", big, (c) => c.notNull().defaultTo(0))
    .addColumn("input_uri", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("closure", bytes, (c) => c.notNull())
    .addColumn("started_at", ts)
    .addColumn("task_execution_created_at", ts, (c) => c.notNull())
    .addColumn("task_execution_updated_at", ts, (c) => c.notNull())
    .addColumn("duration", big, (c) => c.notNull().defaultTo(0))
    .execute();
  await index(
    db,
    "task_executions_key",
    "task_executions",
    [...exKey, "node_id", "project", "domain", "name", "version", "retry_attempt"],
    true,
  );

  await textColumns(base(db.schema.createTable("signals"), types), [...exKey, "signal_id"])
    .addColumn("type", bytes, (c) => c.notNull())
    .addColumn("value", bytes)
    .execute();
  await index(db, "signals_key", "signals", [...exKey, "signal_id"], true);
  await index(db, "idx_signals_signal_id", "signals", ["signal_id"]);

  await textColumns(base(db.schema.createTable("execution_tags"), types), [...exKey, "key", "value"]).execute();
  await index(db, "execution_tags_key", "execution_tags", [...exKey, "key", "value"], true);
  await index(db, "tag_key", "execution_tags", ["key"]);
  await index(db, "tag_value", "execution_tags", ["value"]);
  await index(db, "tag_execution_name", "execution_tags", ["execution_name"]);
}
