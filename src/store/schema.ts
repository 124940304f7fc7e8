/**
 * Row types of every table, as Kysely sees them. Tables follow FlyteAdmin's
 * schema (entities.md §5): the columns that filters, sorts and joins use,
 * plus specs and closures as serialized protobuf. Differences, applied to
 * both dialects alike:
 * - every table has an autoincrement `id` primary key and a unique index on
 *   FlyteAdmin's composite key (SQLite cannot autoincrement a non-key column);
 * - timestamps are `timestamptz` on PostgreSQL and integer microseconds on
 *   SQLite, boolean flags are integers; repositories convert through the
 *   dialect's ValueCodec and never see the difference.
 */
import type { ColumnType, Generated } from "kysely";

/** A timestamp as the driver returns it (PostgreSQL text, SQLite integer microseconds). */
export type DbTime = string | number;
export type Bytes = Uint8Array;

/** id plus FlyteAdmin's BaseModel timestamps. */
interface Base {
  id: Generated<number>;
  created_at: DbTime;
  updated_at: DbTime;
  deleted_at: ColumnType<DbTime | null, DbTime | null | undefined, DbTime | null>;
}

export interface ProjectsTable extends Base {
  identifier: string;
  name: string;
  description: string;
  labels: Bytes | null;
  state: number;
}

export interface TasksTable extends Base {
  project: string;
  domain: string;
  name: string;
  version: string;
  closure: Bytes;
  digest: Bytes;
  type: string;
  short_description: string;
}

export interface WorkflowsTable extends Base {
  project: string;
  domain: string;
  name: string;
  version: string;
  typed_interface: Bytes;
  remote_closure_identifier: string;
  digest: Bytes;
  short_description: string;
}

export interface LaunchPlansTable extends Base {
  project: string;
  domain: string;
  name: string;
  version: string;
  spec: Bytes;
  workflow_id: number;
  closure: Bytes;
  state: number;
  digest: Bytes;
  schedule_type: string;
  launch_condition_type: string | null;
}

export interface NamedEntityMetadataTable extends Base {
  resource_type: number;
  project: string;
  domain: string;
  name: string;
  description: string;
  state: number;
}

export interface ResourcesTable extends Base {
  project: string;
  domain: string;
  workflow: string;
  launch_plan: string;
  resource_type: string;
  priority: number;
  attributes: Bytes;
}

export interface DescriptionEntitiesTable extends Base {
  resource_type: number;
  project: string;
  domain: string;
  name: string;
  version: string;
  short_description: string;
  long_description: Bytes;
  link: string;
}

export interface SchedulableEntitiesTable extends Base {
  project: string;
  domain: string;
  name: string;
  version: string;
  cron_expression: string;
  fixed_rate_value: number;
  unit: number;
  kickoff_time_input_arg: string;
  active: number;
}

export interface ScheduleEntitiesSnapshotsTable extends Base {
  snapshot: Bytes;
}

export interface ExecutionsTable extends Base {
  execution_project: string;
  execution_domain: string;
  execution_name: string;
  launch_plan_id: number | null;
  workflow_id: number | null;
  task_id: number | null;
  phase: string;
  closure: Bytes;
  spec: Bytes;
  started_at: DbTime | null;
  execution_created_at: DbTime;
  execution_updated_at: DbTime;
  /** Nanoseconds. */
  duration: number;
  abort_cause: string;
  mode: number;
  source_execution_id: number | null;
  parent_node_execution_id: number | null;
  cluster: string;
  inputs_uri: string;
  user_inputs_uri: string;
  error_kind: string | null;
  error_code: string | null;
  user: string;
  state: number;
  launch_entity: string;
}

export interface ExecutionEventsTable extends Base {
  execution_project: string;
  execution_domain: string;
  execution_name: string;
  request_id: string;
  occurred_at: DbTime;
  phase: string;
}

export interface NodeExecutionsTable extends Base {
  execution_project: string;
  execution_domain: string;
  execution_name: string;
  node_id: string;
  phase: string;
  input_uri: string;
  closure: Bytes;
  started_at: DbTime | null;
  node_execution_created_at: DbTime;
  node_execution_updated_at: DbTime;
  duration: number;
  node_execution_metadata: Bytes;
  parent_id: number | null;
  parent_task_execution_id: number | null;
  error_kind: string | null;
  error_code: string | null;
  cache_status: string | null;
  dynamic_workflow_remote_closure_reference: string;
  internal_data: Bytes;
}

export interface NodeExecutionEventsTable extends Base {
  execution_project: string;
  execution_domain: string;
  execution_name: string;
  node_id: string;
  request_id: string;
  occurred_at: DbTime;
  phase: string;
}

export interface TaskExecutionsTable extends Base {
  project: string;
  domain: string;
  name: string;
  version: string;
  execution_project: string;
  execution_domain: string;
  execution_name: string;
  node_id: string;
  retry_attempt: number;
  phase: string;
  phase_version: number;
  input_uri: string;
  closure: Bytes;
  started_at: DbTime | null;
  task_execution_created_at: DbTime;
  task_execution_updated_at: DbTime;
  duration: number;
}

export interface SignalsTable extends Base {
  execution_project: string;
  execution_domain: string;
  execution_name: string;
  signal_id: string;
  type: Bytes;
  value: Bytes | null;
}

export interface ExecutionTagsTable extends Base {
  execution_project: string;
  execution_domain: string;
  execution_name: string;
  key: string;
  value: string;
}

/** The whole database, for `Kysely<Schema>`. */
export interface Schema {
  projects: ProjectsTable;
  tasks: TasksTable;
  workflows: WorkflowsTable;
  launch_plans: LaunchPlansTable;
  named_entity_metadata: NamedEntityMetadataTable;
  resources: ResourcesTable;
  description_entities: DescriptionEntitiesTable;
  schedulable_entities: SchedulableEntitiesTable;
  schedule_entities_snapshots: ScheduleEntitiesSnapshotsTable;
  executions: ExecutionsTable;
  execution_events: ExecutionEventsTable;
  node_executions: NodeExecutionsTable;
  node_execution_events: NodeExecutionEventsTable;
  task_executions: TaskExecutionsTable;
  signals: SignalsTable;
  execution_tags: ExecutionTagsTable;
}
