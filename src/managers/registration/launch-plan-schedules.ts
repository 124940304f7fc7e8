/**
 * Which schedules change when a launch plan version is activated or
 * deactivated (entities.md §3.3 UpdateLaunchPlan), as the native scheduler's
 * `schedulable_entities` rows.
 */
import { AdminError } from "../../errors/admin-error.js";
import type { LaunchPlanSpec } from "../../proto/gen/flyteidl/admin/launch_plan_pb.js";
import { type LaunchPlanRow, launchPlanSpecOf } from "../../store/repositories/launch-plan-mapper.js";
import type { ActivationPlan } from "../../store/repositories/launch-plan-repository.js";
import type { SchedulableEntity } from "../../store/repositories/schedulable-entity-repository.js";
import type { VersionKey } from "../../store/repositories/versioned-entities.js";

/** A schedule that something would run: a non-empty cron schedule or expression, or a non-zero rate. */
export function hasSchedule(spec: LaunchPlanSpec): boolean {
  const expr = spec.entityMetadata?.schedule?.ScheduleExpression;
  switch (expr?.case) {
    case "cronSchedule":
      return expr.value.schedule !== "";
    case "cronExpression":
      return expr.value !== "";
    case "rate":
      return expr.value.value !== 0;
    default:
      return false;
  }
}

function keyOf(row: LaunchPlanRow): VersionKey {
  return { project: row.project, domain: row.domain, name: row.name, version: row.version };
}

/**
 * The formerly active versions' schedules go off, the new version's goes on.
 * The native scheduler has no deprecated cron expressions: FlyteAdmin fails
 * such an activation with this INTERNAL error, and so do we.
 */
export function activationPlan(target: LaunchPlanRow, formerlyActive: readonly LaunchPlanRow[]): ActivationPlan {
  const schedulesOff = formerlyActive.filter((r) => hasSchedule(launchPlanSpecOf(r))).map(keyOf);
  const spec = launchPlanSpecOf(target);
  if (!hasSchedule(spec)) return { schedulesOff };
  return { schedulesOff, scheduleOn: schedulableEntity(target, spec) };
}

function schedulableEntity(row: LaunchPlanRow, spec: LaunchPlanSpec): SchedulableEntity {
  const schedule = spec.entityMetadata?.schedule;
  const expr = schedule?.ScheduleExpression;
  const base = { ...keyOf(row), kickoffTimeInputArg: schedule?.kickoffTimeInputArg ?? "" };
  if (expr?.case === "rate")
    return { ...base, cronExpression: "", fixedRateValue: expr.value.value, unit: expr.value.unit };
  if (expr?.case === "cronSchedule")
    return { ...base, cronExpression: expr.value.schedule, fixedRateValue: 0, unit: 0 };
  throw AdminError.internal(`failed adding schedule for unknown schedule expression type &{${expr?.value ?? ""}}`);
}

/** Deactivation switches off the version's schedule whenever its spec has one (even an empty one). */
export function scheduleOff(row: LaunchPlanRow): VersionKey | undefined {
  return launchPlanSpecOf(row).entityMetadata?.schedule ? keyOf(row) : undefined;
}
