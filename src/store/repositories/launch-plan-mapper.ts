/** Rows of `launch_plans` to and from admin.LaunchPlan. */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { Insertable, Selectable } from "kysely";
import { microsToTimestamp } from "../../common/time.js";
import {
  type LaunchPlan,
  type LaunchPlanClosure,
  LaunchPlanClosureSchema,
  LaunchPlanSchema,
  type LaunchPlanSpec,
  LaunchPlanSpecSchema,
  type LaunchPlanState,
} from "../../proto/gen/flyteidl/admin/launch_plan_pb.js";
import type { Schedule } from "../../proto/gen/flyteidl/admin/schedule_pb.js";
import { IdentifierSchema, ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { ValueCodec } from "../dialect.js";
import type { LaunchPlansTable } from "../schema.js";

export type LaunchPlanRow = Selectable<LaunchPlansTable>;

/** `schedule_type`: CRON for a cron expression or cron schedule, RATE for a fixed rate, else NONE. */
export function scheduleType(schedule: Schedule | undefined): "CRON" | "RATE" | "NONE" {
  switch (schedule?.ScheduleExpression.case) {
    case "cronExpression":
      return schedule.ScheduleExpression.value !== "" ? "CRON" : "NONE";
    case "cronSchedule":
      return "CRON";
    case "rate":
      return "RATE";
    default:
      return "NONE";
  }
}

/**
 * The row for a new launch plan: spec and closure (without state or times) as
 * bytes, the workflow's row id, the digest and the initial state.
 */
export function launchPlanColumns(
  lp: LaunchPlan,
  workflowRowId: number,
  digest: Uint8Array,
  state: LaunchPlanState,
  codec: ValueCodec,
  now: number,
): Insertable<LaunchPlansTable> {
  const id = lp.id;
  const type = scheduleType(lp.spec?.entityMetadata?.schedule);
  return {
    project: id?.project ?? "",
    domain: id?.domain ?? "",
    name: id?.name ?? "",
    version: id?.version ?? "",
    spec: codec.bytes(toBinary(LaunchPlanSpecSchema, lp.spec ?? create(LaunchPlanSpecSchema))),
    workflow_id: workflowRowId,
    closure: codec.bytes(toBinary(LaunchPlanClosureSchema, lp.closure ?? create(LaunchPlanClosureSchema))),
    state,
    digest: codec.bytes(digest),
    schedule_type: type,
    launch_condition_type: type === "NONE" ? null : "SCHED",
    created_at: codec.time(now),
    updated_at: codec.time(now),
  };
}

/** The stored closure of a row (expected inputs and outputs; state and times live in columns). */
export function launchPlanClosureOf(row: LaunchPlanRow): LaunchPlanClosure {
  return fromBinary(LaunchPlanClosureSchema, row.closure);
}

/** The stored spec of a row. */
export function launchPlanSpecOf(row: LaunchPlanRow): LaunchPlanSpec {
  return fromBinary(LaunchPlanSpecSchema, row.spec);
}

/** The message for a row: state and times come from the row's columns. */
export function launchPlanFromRow(row: LaunchPlanRow, codec: ValueCodec): LaunchPlan {
  const closure = launchPlanClosureOf(row);
  closure.state = row.state;
  closure.createdAt = microsToTimestamp(codec.micros(row.created_at));
  closure.updatedAt = microsToTimestamp(codec.micros(row.updated_at));
  return create(LaunchPlanSchema, {
    id: create(IdentifierSchema, {
      resourceType: ResourceType.LAUNCH_PLAN,
      project: row.project,
      domain: row.domain,
      name: row.name,
      version: row.version,
    }),
    spec: launchPlanSpecOf(row),
    closure,
  });
}
