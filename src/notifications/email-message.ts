/**
 * What FlyteAdmin emails when an execution ends (executions.md §7): for each
 * of the execution's notifications whose phases include the terminal phase
 * reached, one `EmailMessage` — email, Slack and PagerDuty notifications all
 * become emails to their recipient addresses — with the configured subject,
 * sender and body, placeholders filled in.
 */
import { create } from "@bufbuild/protobuf";
import { protoText } from "../compiler/index.js";
import { AdminError } from "../errors/admin-error.js";
import type { WorkflowExecutionEventRequest } from "../proto/gen/flyteidl/admin/event_pb.js";
import type { ExecutionClosure, ExecutionSpec } from "../proto/gen/flyteidl/admin/execution_pb.js";
import { type EmailMessage, EmailMessageSchema } from "../proto/gen/flyteidl/admin/notification_pb.js";
import { WorkflowExecution_Phase } from "../proto/gen/flyteidl/core/execution_pb.js";
import {
  type WorkflowExecutionIdentifier,
  WorkflowExecutionIdentifierSchema,
} from "../proto/gen/flyteidl/core/identifier_pb.js";

/** The emailer settings of `notifications.emailer`. */
export interface EmailTemplates {
  readonly subject: string;
  readonly sender: string;
  readonly body: string;
}

/** The execution as the templates see it. */
export interface NotifiedExecution {
  readonly id: WorkflowExecutionIdentifier;
  readonly closure: ExecutionClosure;
  readonly spec: ExecutionSpec;
}

const TERMINAL = new Set<WorkflowExecution_Phase>([
  WorkflowExecution_Phase.SUCCEEDED,
  WorkflowExecution_Phase.FAILED,
  WorkflowExecution_Phase.TIMED_OUT,
  WorkflowExecution_Phase.ABORTED,
]);

/** Whether a workflow phase ends the execution (the phases notifications are evaluated for). */
export function isTerminalPhase(phase: WorkflowExecution_Phase): boolean {
  return TERMINAL.has(phase);
}

/**
 * The emails an accepted terminal workflow event asks for. A notification without a type is FlyteAdmin's
 * `INTERNAL "Unsupported notification type [<nil>] for execution [...]"` (returned after the event was stored).
 * The IDL's per-notification `template` is not used: FlyteAdmin does not carry it over either.
 *
 * @example
 * emailsFor(request, { id, closure, spec }, config.notifications.emailer);
 */
export function emailsFor(
  request: WorkflowExecutionEventRequest,
  execution: NotifiedExecution,
  templates: EmailTemplates,
): EmailMessage[] {
  const phase = request.event?.phase ?? WorkflowExecution_Phase.UNDEFINED;
  const out: EmailMessage[] = [];
  for (const n of execution.closure.notifications) {
    if (!n.phases.includes(phase)) continue;
    const type = n.type;
    if (type.case === undefined) {
      const id = protoText(WorkflowExecutionIdentifierSchema, request.event?.executionId);
      throw AdminError.internal(`Unsupported notification type [<nil>] for execution [${id}]`);
    }
    const values = templateValues(request, execution);
    out.push(
      create(EmailMessageSchema, {
        subjectLine: substitute(templates.subject, values),
        senderEmail: templates.sender,
        recipientsEmail: [...type.value.recipientsEmail],
        body: substitute(templates.body, values),
      }),
    );
  }
  return out;
}

/** The placeholder values: execution id, lower-case phase, error sentence, workflow and launch plan ids. */
export function templateValues(
  request: WorkflowExecutionEventRequest,
  e: NotifiedExecution,
): Readonly<Record<string, string>> {
  const event = request.event;
  const error = event?.outputResult.case === "error" ? event.outputResult.value : undefined;
  const wf = e.closure.workflowId;
  const lp = e.spec.launchPlan;
  return {
    project: e.id.project,
    domain: e.id.domain,
    name: e.id.name,
    phase: (WorkflowExecution_Phase[event?.phase ?? 0] ?? "").toLowerCase(),
    error: error ? ` The execution failed with error: [${error.message}].` : "",
    "workflow.project": wf?.project ?? "",
    "workflow.domain": wf?.domain ?? "",
    "workflow.name": wf?.name ?? "",
    "workflow.version": wf?.version ?? "",
    "launch_plan.project": lp?.project ?? "",
    "launch_plan.domain": lp?.domain ?? "",
    "launch_plan.name": lp?.name ?? "",
    "launch_plan.version": lp?.version ?? "",
  };
}

const PLACEHOLDER = /\{\{ ([a-z_.]+) \}\}|\{\{([a-z_.]+)\}\}/g;

/**
 * Replaces `{{ key }}` (one space inside each brace pair) and `{{key}}` with the value of a known key, in one
 * pass, so text that a value brings in is never substituted again. Unknown placeholders stay as written.
 */
export function substitute(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (whole, spaced: string | undefined, bare: string | undefined) => {
    const key = (spaced ?? bare) as string;
    return Object.hasOwn(values, key) ? (values[key] as string) : whole;
  });
}
