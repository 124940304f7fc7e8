import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AdminError, Code } from "../errors/admin-error.js";
import { type Notification, NotificationSchema } from "../proto/gen/flyteidl/admin/common_pb.js";
import { WorkflowExecutionEventRequestSchema } from "../proto/gen/flyteidl/admin/event_pb.js";
import { ExecutionClosureSchema, ExecutionSpecSchema } from "../proto/gen/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase as Phase } from "../proto/gen/flyteidl/core/execution_pb.js";
import { WorkflowExecutionIdentifierSchema } from "../proto/gen/flyteidl/core/identifier_pb.js";
import { emailsFor, substitute } from "./email-message.js";

const id = create(WorkflowExecutionIdentifierSchema, { project: "flytesnacks", domain: "development", name: "f1234" });
const wf = { project: "flytesnacks", domain: "development", name: "wf.main", version: "v3" };
const lp = { project: "flytesnacks", domain: "development", name: "lp.daily", version: "v7" };

function event(phase: Phase, error?: string) {
  return create(WorkflowExecutionEventRequestSchema, {
    event: {
      executionId: id,
      phase,
      outputResult: error ? { case: "error", value: { code: "USER:Boom", message: error } } : { case: undefined },
    },
  });
}

function execution(notifications: Notification[]) {
  return {
    id,
    closure: create(ExecutionClosureSchema, { notifications, workflowId: wf }),
    spec: create(ExecutionSpecSchema, { launchPlan: lp }),
  };
}

const email = (phases: Phase[], to: string[], template = "") =>
  create(NotificationSchema, { phases, type: { case: "email", value: { recipientsEmail: to, template } } });

const TEMPLATES = {
  subject: 'Notice: Execution "{{ name }}" has {{ phase }} in "{{domain}}".',
  sender: "flyte@example.com",
  body:
    "{{ project }}/{{ domain }}/{{ name }}: {{ phase }}{{ error }} wf={{ workflow.project }}:{{workflow.domain}}:{{ workflow.name }}@{{ workflow.version }}" +
    " lp={{ launch_plan.project }}:{{ launch_plan.domain }}:{{launch_plan.name}}@{{ launch_plan.version }} {{ unknown }} {{  name  }}",
};

test("both placeholder spellings, the lower-case phase, the error sentence, workflow and launch plan ids", () => {
  const [m] = emailsFor(
    event(Phase.FAILED, "division by zero"),
    execution([email([Phase.FAILED], ["a@x.io"])]),
    TEMPLATES,
  );
  assert.equal(m?.subjectLine, 'Notice: Execution "f1234" has failed in "development".');
  assert.equal(m?.senderEmail, "flyte@example.com");
  assert.deepEqual(m?.recipientsEmail, ["a@x.io"]);
  assert.equal(
    m?.body,
    "flytesnacks/development/f1234: failed The execution failed with error: [division by zero]. " +
      "wf=flytesnacks:development:wf.main@v3 lp=flytesnacks:development:lp.daily@v7 {{ unknown }} {{  name  }}",
  );
  const [ok] = emailsFor(event(Phase.TIMED_OUT), execution([email([Phase.TIMED_OUT], ["a@x.io"])]), TEMPLATES);
  assert.match(ok?.subjectLine ?? "", /has timed_out in/);
  assert.match(ok?.body ?? "", /: timed_out wf=/);
});

test("only notifications listing the phase; Slack and PagerDuty become emails; the per-notification template is not used", () => {
  const notifications = [
    email([Phase.SUCCEEDED], ["ok@x.io"], "ignored {{ name }}"),
    email([Phase.FAILED], ["fail@x.io"]),
    create(NotificationSchema, {
      phases: [Phase.SUCCEEDED],
      type: { case: "slack", value: { recipientsEmail: ["chan@slack.io"] } },
    }),
    create(NotificationSchema, {
      phases: [Phase.SUCCEEDED, Phase.FAILED],
      type: { case: "pagerDuty", value: { recipientsEmail: ["pd@pagerduty.io", "pd2@pagerduty.io"] } },
    }),
  ];
  const sent = emailsFor(event(Phase.SUCCEEDED), execution(notifications), TEMPLATES);
  assert.deepEqual(
    sent.map((m) => m.recipientsEmail),
    [["ok@x.io"], ["chan@slack.io"], ["pd@pagerduty.io", "pd2@pagerduty.io"]],
  );
  assert.ok(sent.every((m) => !m.body.startsWith("ignored")));
  assert.deepEqual(emailsFor(event(Phase.ABORTED), execution(notifications), TEMPLATES), []);
});

test("a notification without a type is INTERNAL with FlyteAdmin's message", () => {
  const untyped = create(NotificationSchema, { phases: [Phase.SUCCEEDED] });
  assert.throws(
    () => emailsFor(event(Phase.SUCCEEDED), execution([untyped]), TEMPLATES),
    (err: unknown) =>
      err instanceof AdminError &&
      err.code === Code.INTERNAL &&
      err.message ===
        'Unsupported notification type [<nil>] for execution [project:"flytesnacks" domain:"development" name:"f1234"]',
  );
  // Not for a phase it does not list.
  assert.deepEqual(emailsFor(event(Phase.FAILED), execution([untyped]), TEMPLATES), []);
});

test("substitution is one pass: a value containing a placeholder is not expanded again", () => {
  assert.equal(substitute("{{ error }}|{{name}}", { error: "{{ name }}", name: "n" }), "{{ name }}|n");
  assert.equal(substitute("{{ name}} {{name }}", { name: "n" }), "{{ name}} {{name }}");
});
