/**
 * Launch plan metadata (entities.md §3.3 step 3.9, 3.11-3.12): the schedule
 * against the expected inputs and the cron parser, notifications, and launch
 * conditions (which this version refuses).
 */
import { AnySchema } from "@bufbuild/protobuf/wkt";
import { literalTypeText, protoText } from "../../compiler/index.js";
import { AdminError } from "../../errors/admin-error.js";
import type { Notification } from "../../proto/gen/flyteidl/admin/common_pb.js";
import type { LaunchPlanMetadata } from "../../proto/gen/flyteidl/admin/launch_plan_pb.js";
import type { Schedule } from "../../proto/gen/flyteidl/admin/schedule_pb.js";
import { WorkflowExecution_Phase } from "../../proto/gen/flyteidl/core/execution_pb.js";
import type { ParameterMap } from "../../proto/gen/flyteidl/core/interface_pb.js";
import { SimpleType } from "../../proto/gen/flyteidl/core/types_pb.js";
import { standardCronError } from "./cron.js";

const TERMINAL_PHASES: ReadonlySet<WorkflowExecution_Phase> = new Set([
  WorkflowExecution_Phase.SUCCEEDED,
  WorkflowExecution_Phase.FAILED,
  WorkflowExecution_Phase.TIMED_OUT,
  WorkflowExecution_Phase.ABORTED,
]);

/**
 * A scheduled launch plan (cron expression, cron schedule or fixed rate) can
 * leave unbound only its kickoff time input, which must be a free DATETIME
 * input; its cron string must parse as a standard cron expression.
 */
export function validateSchedule(schedule: Schedule | undefined, expected: ParameterMap): void {
  const expr = schedule?.ScheduleExpression;
  if (!schedule || !expr || expr.case === undefined || (expr.case === "cronExpression" && expr.value === "")) return;
  const kickoff = schedule.kickoffTimeInputArg;
  const params = expected.parameters;
  for (const name of Object.keys(params).sort()) {
    const p = params[name];
    if (p?.behavior.case === "required" && p.behavior.value && name !== kickoff) {
      throw AdminError.invalidArgument(
        `Cannot create a launch plan with a schedule if there is an unbound required input. [${name}] is required`,
      );
    }
  }
  if (kickoff !== "") {
    const param = params[kickoff];
    if (!param) {
      throw AdminError.invalidArgument(
        `Cannot create a schedule with a KickoffTimeInputArg that does not point to a free input. [${kickoff}] is not free or does not exist.`,
      );
    }
    const type = param.var?.type;
    if (type?.type.case !== "simple" || type.type.value !== SimpleType.DATETIME) {
      throw AdminError.invalidArgument(
        `KickoffTimeInputArg must reference a datetime input. [${kickoff}] is a [${literalTypeText(type)}]`,
      );
    }
  }
  const cron = expr.case === "cronExpression" ? expr.value : expr.case === "cronSchedule" ? expr.value.schedule : "";
  if (cron !== "") {
    const err = standardCronError(cron);
    if (err) throw AdminError.invalidArgument(`Invalid cron expression: ${err}`);
  }
}

/** Notifications need recipients, none empty, and terminal phases only; launch conditions must be absent. */
export function validateLaunchPlanMetadata(metadata: LaunchPlanMetadata | undefined): void {
  if (!metadata) return;
  for (const n of metadata.notifications) validateNotification(n);
  if (metadata.launchConditions) {
    throw AdminError.invalidArgument(
      `Launch condition must be empty, found ${protoText(AnySchema, metadata.launchConditions)}`,
    );
  }
}

function validateNotification(n: Notification): void {
  if (n.type.case === undefined) throw AdminError.invalidValue("notification type");
  const recipients = n.type.value.recipientsEmail;
  if (recipients.length === 0) throw AdminError.missing("recipients");
  if (recipients.some((r) => r === "")) throw AdminError.missing("recipient");
  if (n.phases.some((p) => !TERMINAL_PHASES.has(p))) throw AdminError.invalidValue("phase");
}
