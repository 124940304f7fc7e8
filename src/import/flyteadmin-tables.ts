/**
 * How each table of a Go FlyteAdmin v1.16 database (its gorm migrations'
 * final schema) maps onto ours. Our schema follows FlyteAdmin's column for
 * column, with specs and closures as the same protobuf bytes and blob URIs
 * unchanged, so a row is copied as it is; what differs is spelled out here:
 * - NULLs where our columns are NOT NULL (gorm leaves most columns nullable):
 *   empty text, zero, empty bytes, or the row's own timestamps;
 * - row ids: every table gets its own ids, so columns holding another row's
 *   id (`workflow_id`, `parent_id`, ...) are translated through that row's
 *   natural key; FlyteAdmin's 0 ("none") becomes NULL;
 * - `schedulable_entities.active` is a boolean there, an integer here.
 * Tables are listed in the order they must be copied (a row's references
 * first), except the one forward reference, an execution launched by a
 * node (`parent_node_execution_id`), which is fixed up at the end.
 */

/** How a column's value is read: its kind decides the NULL replacement and the conversion. */
export type ColumnKind = "text" | "textNull" | "int" | "intNull" | "time" | "timeNull" | "bytes" | "bytesNull" | "bool";

/** A column holding the id of a row of `table` (found in the target by that row's natural key). */
export interface IdReference {
  readonly column: string;
  readonly table: string;
  /** Resolved once every table is copied (the referenced rows come later). */
  readonly deferred?: boolean;
}

export interface TableSpec {
  readonly table: string;
  /** The natural key (FlyteAdmin's primary key, our unique index). */
  readonly key: readonly string[];
  /** Every copied column except `id` and the references, with its kind. */
  readonly columns: Readonly<Record<string, ColumnKind>>;
  readonly references?: readonly IdReference[];
  /** A NOT NULL timestamp column that FlyteAdmin may have left NULL, and the column to take instead. */
  readonly timeFallbacks?: Readonly<Record<string, string>>;
}

const BASE: Record<string, ColumnKind> = { created_at: "time", updated_at: "time", deleted_at: "timeNull" };
const EXEC_KEY = ["execution_project", "execution_domain", "execution_name"];
const VERSIONED = ["project", "domain", "name", "version"];
const text = (names: readonly string[]): Record<string, ColumnKind> =>
  Object.fromEntries(names.map((n) => [n, "text" as const]));

/** Natural keys of the tables that are referenced by id. */
export const NATURAL_KEYS: Readonly<Record<string, readonly string[]>> = {
  tasks: VERSIONED,
  workflows: VERSIONED,
  launch_plans: VERSIONED,
  executions: EXEC_KEY,
  node_executions: [...EXEC_KEY, "node_id"],
  task_executions: [...VERSIONED, ...EXEC_KEY, "node_id", "retry_attempt"],
};

export const TABLES: readonly TableSpec[] = [
  {
    table: "projects",
    key: ["identifier"],
    columns: { ...BASE, ...text(["identifier", "name", "description"]), labels: "bytesNull", state: "int" },
  },
  {
    table: "tasks",
    key: VERSIONED,
    columns: {
      ...BASE,
      ...text(VERSIONED),
      closure: "bytes",
      digest: "bytesNull",
      ...text(["type", "short_description"]),
    },
  },
  {
    table: "workflows",
    key: VERSIONED,
    columns: {
      ...BASE,
      ...text(VERSIONED),
      typed_interface: "bytes",
      remote_closure_identifier: "text",
      digest: "bytesNull",
      short_description: "text",
    },
  },
  {
    table: "launch_plans",
    key: VERSIONED,
    columns: {
      ...BASE,
      ...text(VERSIONED),
      spec: "bytes",
      closure: "bytes",
      state: "int",
      digest: "bytesNull",
      schedule_type: "text",
      launch_condition_type: "textNull",
    },
    references: [{ column: "workflow_id", table: "workflows" }],
  },
  {
    table: "named_entity_metadata",
    key: ["resource_type", "project", "domain", "name"],
    columns: { ...BASE, resource_type: "int", ...text(["project", "domain", "name", "description"]), state: "int" },
  },
  {
    table: "description_entities",
    key: ["resource_type", ...VERSIONED],
    columns: {
      ...BASE,
      resource_type: "int",
      ...text([...VERSIONED, "short_description", "link"]),
      long_description: "bytes",
    },
  },
  {
    table: "resources",
    key: ["project", "domain", "workflow", "launch_plan", "resource_type"],
    columns: {
      ...BASE,
      ...text(["project", "domain", "workflow", "launch_plan", "resource_type"]),
      priority: "int",
      attributes: "bytes",
    },
  },
  {
    table: "schedulable_entities",
    key: VERSIONED,
    columns: {
      ...BASE,
      ...text([...VERSIONED, "cron_expression", "kickoff_time_input_arg"]),
      fixed_rate_value: "int",
      unit: "int",
      active: "bool",
    },
  },
  {
    table: "executions",
    key: EXEC_KEY,
    columns: {
      ...BASE,
      ...text(EXEC_KEY),
      phase: "text",
      closure: "bytes",
      spec: "bytes",
      started_at: "timeNull",
      execution_created_at: "time",
      execution_updated_at: "time",
      duration: "int",
      abort_cause: "text",
      mode: "int",
      cluster: "text",
      inputs_uri: "text",
      user_inputs_uri: "text",
      error_kind: "textNull",
      error_code: "textNull",
      user: "text",
      state: "int",
      launch_entity: "text",
    },
    references: [
      { column: "launch_plan_id", table: "launch_plans" },
      { column: "workflow_id", table: "workflows" },
      { column: "task_id", table: "tasks" },
      { column: "source_execution_id", table: "executions", deferred: true },
      { column: "parent_node_execution_id", table: "node_executions", deferred: true },
    ],
    timeFallbacks: { execution_created_at: "created_at", execution_updated_at: "updated_at" },
  },
  {
    table: "execution_events",
    key: [...EXEC_KEY, "phase"],
    columns: { ...BASE, ...text([...EXEC_KEY, "request_id", "phase"]), occurred_at: "time" },
    timeFallbacks: { occurred_at: "created_at" },
  },
  {
    table: "task_executions",
    key: NATURAL_KEYS.task_executions as string[],
    columns: {
      ...BASE,
      ...text([...VERSIONED, ...EXEC_KEY, "node_id", "phase", "input_uri"]),
      retry_attempt: "int",
      phase_version: "int",
      closure: "bytes",
      started_at: "timeNull",
      task_execution_created_at: "time",
      task_execution_updated_at: "time",
      duration: "int",
    },
    timeFallbacks: { task_execution_created_at: "created_at", task_execution_updated_at: "updated_at" },
  },
  {
    table: "node_executions",
    key: [...EXEC_KEY, "node_id"],
    columns: {
      ...BASE,
      ...text([...EXEC_KEY, "node_id", "phase", "input_uri", "dynamic_workflow_remote_closure_reference"]),
      closure: "bytes",
      started_at: "timeNull",
      node_execution_created_at: "time",
      node_execution_updated_at: "time",
      duration: "int",
      node_execution_metadata: "bytes",
      error_kind: "textNull",
      error_code: "textNull",
      cache_status: "textNull",
      internal_data: "bytes",
    },
    references: [
      { column: "parent_task_execution_id", table: "task_executions" },
      { column: "parent_id", table: "node_executions", deferred: true },
    ],
    timeFallbacks: { node_execution_created_at: "created_at", node_execution_updated_at: "updated_at" },
  },
  {
    table: "node_execution_events",
    key: [...EXEC_KEY, "node_id", "phase"],
    columns: { ...BASE, ...text([...EXEC_KEY, "node_id", "request_id", "phase"]), occurred_at: "time" },
    timeFallbacks: { occurred_at: "created_at" },
  },
  {
    table: "signals",
    key: [...EXEC_KEY, "signal_id"],
    columns: { ...BASE, ...text([...EXEC_KEY, "signal_id"]), type: "bytes", value: "bytesNull" },
  },
  {
    table: "execution_tags",
    key: [...EXEC_KEY, "key", "value"],
    columns: { ...BASE, ...text([...EXEC_KEY, "key", "value"]) },
  },
];

/** Tables of a FlyteAdmin database that are deliberately not copied, and why (for the report). */
export const NOT_COPIED: Readonly<Record<string, string>> = {
  migrations: "FlyteAdmin's migration bookkeeping (ours is kysely_migration)",
  schedule_entities_snapshots:
    "the native scheduler's last fire times are Go gob data; our scheduler starts its schedules from now",
  admin_tags:
    "a FlyteAdmin older than v1.13: its 2024-06-06 migrations move admin tags into execution_tags; run FlyteAdmin v1.16's `migrate run` first",
  execution_admin_tags: "see admin_tags",
};
