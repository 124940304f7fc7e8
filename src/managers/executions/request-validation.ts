/**
 * ValidateExecutionRequest (executions.md §1.1 step 2), in FlyteAdmin's order
 * and words. The project check is the caller's (it needs the database); the
 * rest is pure.
 */
import { create } from "@bufbuild/protobuf";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import { protoText } from "../../compiler/index.js";
import { AdminError } from "../../errors/admin-error.js";
import type { Notification } from "../../proto/gen/flyteidl/admin/common_pb.js";
import type { ExecutionCreateRequest } from "../../proto/gen/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "../../proto/gen/flyteidl/core/execution_pb.js";
import { type Identifier, ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { Literal, LiteralMap } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { validateLabels } from "../validation/labels.js";
import { validateExecutionName } from "./names.js";

/** Terminal workflow phases: the only ones notifications may name. */
export const TERMINAL_PHASES: ReadonlySet<WorkflowExecution_Phase> = new Set([
  WorkflowExecution_Phase.SUCCEEDED,
  WorkflowExecution_Phase.FAILED,
  WorkflowExecution_Phase.TIMED_OUT,
  WorkflowExecution_Phase.ABORTED,
]);

/** Go prints its map of accepted types sorted by enum value. */
const ACCEPTED_TYPES_TEXT = "map[TASK:<nil> LAUNCH_PLAN:<nil>]";

/** The checks before the project lookup: project, domain, name. */
export function validateRequestKey(req: ExecutionCreateRequest): void {
  if (req.project === "") throw AdminError.missing("project");
  if (req.domain === "") throw AdminError.missing("domain");
  if (req.name !== "") validateExecutionName(req.name);
}

/** The checks after the project lookup: spec, launch entity id, inputs, notifications, labels. */
export function validateRequestSpec(req: ExecutionCreateRequest): void {
  const spec = req.spec;
  if (!spec) throw AdminError.missing("spec");
  requireIdentifierFields(spec.launchPlan);
  const type = spec.launchPlan?.resourceType ?? ResourceType.UNSPECIFIED;
  if (type !== ResourceType.LAUNCH_PLAN && type !== ResourceType.TASK) {
    throw AdminError.invalidArgument(
      `Invalid reference entity resource type [${ResourceType[type] ?? type}], only [${ACCEPTED_TYPES_TEXT}] allowed`,
    );
  }
  validateLiteralMap(req.inputs, "inputs");
  if (spec.notificationOverrides.case === "notifications") {
    validateNotifications(spec.notificationOverrides.value.notifications);
  }
  validateLabels(spec.labels?.values);
}

/** ValidateIdentifierFieldsSet: id, project, domain, name and version present. */
export function requireIdentifierFields(id: Identifier | undefined): asserts id is Identifier {
  if (!id) throw AdminError.missing("id");
  if (id.project === "") throw AdminError.missing("project");
  if (id.domain === "") throw AdminError.missing("domain");
  if (id.name === "") throw AdminError.missing("name");
  if (id.version === "") throw AdminError.missing("version");
}

/**
 * Keys must be non-empty, literals must carry a value (or offloaded
 * metadata), datetimes must be valid timestamps. FlyteAdmin stops at the
 * first datetime it meets; we check every literal, in name order.
 */
export function validateLiteralMap(map: LiteralMap | undefined, field: string): void {
  if (!map) return;
  for (const name of Object.keys(map.literals).sort()) {
    if (name === "") throw AdminError.invalidArgument(`missing key in ${field}`);
    const lit = map.literals[name] as Literal;
    if (lit.value.case === undefined) {
      throw AdminError.invalidArgument(`missing valid literal in ${field} ${name}`);
    }
    validateDatetime(lit);
  }
}

const MIN_SECONDS = -62135596800n;
const MAX_SECONDS = 253402300800n;

/** timestamppb.CheckValid with its messages. */
function validateDatetime(lit: Literal): void {
  if (lit.value.case !== "scalar" || lit.value.value.value.case !== "primitive") return;
  const prim = lit.value.value.value.value;
  if (prim.value.case !== "datetime") return;
  const ts = prim.value.value;
  const text = () => protoText(TimestampSchema, create(TimestampSchema, ts));
  if (ts.seconds < MIN_SECONDS) throw AdminError.invalidArgument(`proto: timestamp (${text()}) before 0001-01-01`);
  if (ts.seconds >= MAX_SECONDS) throw AdminError.invalidArgument(`proto: timestamp (${text()}) after 9999-12-31`);
  if (ts.nanos < 0 || ts.nanos >= 1e9) {
    throw AdminError.invalidArgument(`proto: timestamp (${text()}) has out-of-range nanos`);
  }
}

/** Email, Slack and PagerDuty need recipients; phases must be terminal. */
export function validateNotifications(notifications: readonly Notification[]): void {
  for (const n of notifications) {
    if (n.type.case === undefined) throw AdminError.invalidValue("notification type");
    const recipients = n.type.value.recipientsEmail;
    if (recipients.length === 0) throw AdminError.missing("recipients");
    if (recipients.some((r) => r === "")) throw AdminError.missing("recipient");
    if (n.phases.some((p) => !TERMINAL_PHASES.has(p))) throw AdminError.invalidValue("phase");
  }
}
