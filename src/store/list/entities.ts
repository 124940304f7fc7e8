/**
 * The entities filters and sorts may name (entities.md §4): their prefixes
 * and codes, their columns (which double as the allowed sort keys), and which
 * entities each list accepts in its filters.
 */

export type EntityCode =
  | "t"
  | "w"
  | "l"
  | "e"
  | "ne"
  | "te"
  | "nen"
  | "nem"
  | "p"
  | "s"
  | "at"
  | "eat"
  | "et"
  | "nee"
  | "de";

/** Filter field prefixes (`execution.phase`) and the entity each names. */
export const PREFIXES: Readonly<Record<string, EntityCode>> = {
  task: "t",
  workflow: "w",
  launch_plan: "l",
  execution: "e",
  node_execution: "ne",
  task_execution: "te",
  entities: "nen",
  named_entity_metadata: "nem",
  project: "p",
  signal: "s",
  admin_tag: "at",
  execution_admin_tag: "eat",
  execution_tag: "et",
};

const BASE = ["id", "created_at", "updated_at", "deleted_at"];

const cols = (...names: string[]): ReadonlySet<string> => new Set([...BASE, ...names]);

/** Columns per entity; a filter or sort key outside these is refused. */
export const COLUMNS: Readonly<Record<EntityCode, ReadonlySet<string>>> = {
  t: cols("project", "domain", "name", "version", "closure", "digest", "type", "short_description"),
  w: cols(
    "project",
    "domain",
    "name",
    "version",
    "typed_interface",
    "remote_closure_identifier",
    "digest",
    "short_description",
  ),
  l: cols(
    "project",
    "domain",
    "name",
    "version",
    "spec",
    "workflow_id",
    "closure",
    "state",
    "digest",
    "schedule_type",
    "launch_condition_type",
  ),
  e: cols(
    "execution_project",
    "execution_domain",
    "execution_name",
    "launch_plan_id",
    "workflow_id",
    "task_id",
    "phase",
    "closure",
    "spec",
    "started_at",
    "execution_created_at",
    "execution_updated_at",
    "duration",
    "abort_cause",
    "mode",
    "source_execution_id",
    "parent_node_execution_id",
    "cluster",
    "inputs_uri",
    "user_inputs_uri",
    "error_kind",
    "error_code",
    "user",
    "state",
    "launch_entity",
  ),
  ne: cols(
    "execution_project",
    "execution_domain",
    "execution_name",
    "node_id",
    "phase",
    "input_uri",
    "closure",
    "started_at",
    "node_execution_created_at",
    "node_execution_updated_at",
    "duration",
    "node_execution_metadata",
    "parent_id",
    "parent_task_execution_id",
    "error_kind",
    "error_code",
    "cache_status",
    "dynamic_workflow_remote_closure_reference",
    "internal_data",
  ),
  te: cols(
    "project",
    "domain",
    "name",
    "version",
    "execution_project",
    "execution_domain",
    "execution_name",
    "node_id",
    "retry_attempt",
    "phase",
    "phase_version",
    "input_uri",
    "closure",
    "started_at",
    "task_execution_created_at",
    "task_execution_updated_at",
    "duration",
  ),
  nen: new Set(["resource_type", "project", "domain", "name", "description", "state"]),
  nem: cols("resource_type", "project", "domain", "name", "description", "state"),
  p: cols("identifier", "name", "description", "labels", "state"),
  s: cols("execution_project", "execution_domain", "execution_name", "signal_id", "type", "value"),
  at: cols("name"),
  eat: cols("execution_project", "execution_domain", "execution_name", "admin_tag_id"),
  et: cols("execution_project", "execution_domain", "execution_name", "key", "value"),
  nee: cols("execution_project", "execution_domain", "execution_name", "node_id", "request_id", "occurred_at", "phase"),
  de: cols("resource_type", "project", "domain", "name", "version", "short_description", "long_description", "link"),
};

/** Which entities each list's filters may reference. */
export const ALLOWED: Readonly<Partial<Record<EntityCode, readonly EntityCode[]>>> = {
  t: ["t"],
  w: ["w"],
  l: ["l", "w"],
  e: ["e", "l", "w", "t", "at", "et"],
  ne: ["ne", "e"],
  te: ["te", "t", "e", "ne"],
  nen: ["nen", "nem"],
  p: ["p"],
  s: ["s"],
  nee: ["nee"],
  at: ["at"],
  et: ["et"],
};

/** Entities whose `project`/`domain`/`name` filters mean the execution's identifier. */
export const EXECUTION_KEYED: ReadonlySet<EntityCode> = new Set(["e", "ne", "nee", "te", "s"]);

const TIMESTAMP_COLUMNS = new Set([
  "created_at",
  "updated_at",
  "deleted_at",
  "started_at",
  "execution_created_at",
  "execution_updated_at",
  "node_execution_created_at",
  "node_execution_updated_at",
  "task_execution_created_at",
  "task_execution_updated_at",
  "occurred_at",
]);

const INTEGER_COLUMNS = new Set([
  "id",
  "state",
  "mode",
  "resource_type",
  "workflow_id",
  "launch_plan_id",
  "task_id",
  "source_execution_id",
  "parent_node_execution_id",
  "parent_id",
  "parent_task_execution_id",
  "retry_attempt",
  "phase_version",
  "admin_tag_id",
]);

export type ColumnKind = "timestamp" | "integer" | "duration" | "text";

/** How a filter value for this column is typed before it is bound. */
export function columnKind(column: string): ColumnKind {
  if (column === "duration") return "duration";
  if (TIMESTAMP_COLUMNS.has(column)) return "timestamp";
  if (INTEGER_COLUMNS.has(column)) return "integer";
  return "text";
}
