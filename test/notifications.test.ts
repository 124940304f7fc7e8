/**
 * Notifications end to end (executions.md §7), on both databases: a terminal
 * workflow event (CreateWorkflowEvent, as FlytePropeller sends it) emails
 * the execution's notifications for that phase through a real SMTP server;
 * a notification without a type is INTERNAL after the event was stored.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code } from "../src/errors/codes.js";
import { NotificationSchema } from "../src/proto/gen/flyteidl/admin/common_pb.js";
import { WorkflowExecution_Phase as W } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { seedExecution } from "./support/executions.js";
import { freePort } from "./support/postgres.js";
import { tick } from "./support/propeller.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";
import { RecordingSmtpServer } from "./support/smtp.js";

const SMTP_PORT = await freePort();
const smtp = new RecordingSmtpServer();
before(async () => {
  await smtp.start(SMTP_PORT);
});
after(() => smtp.stop());

const PROJECT = "flytesnacks";
const DOMAIN = "development";
const idOf = (name: string) => ({ project: PROJECT, domain: DOMAIN, name });

function event(s: TestServer, name: string, phase: W, error?: string) {
  return s.admin.createWorkflowEvent({
    event: {
      executionId: idOf(name),
      producerId: "propeller",
      phase,
      occurredAt: tick(),
      outputResult: error
        ? { case: "error", value: { code: "USER:ValueError", message: error, kind: 1 } }
        : { case: undefined },
    },
  });
}

const notify = (phases: W[], kind: "email" | "slack" | "pagerDuty", to: string[]) =>
  create(NotificationSchema, { phases, type: { case: kind, value: { recipientsEmail: to } } });

/** The emails whose recipients include `address`. */
const mailTo = (address: string) => smtp.received.filter((m) => m.envelopeTo.includes(address));

/** Waits until an email to `address` arrived; the first one. */
async function firstMailTo(address: string) {
  const deadline = Date.now() + 10_000;
  while (mailTo(address).length === 0) {
    if (Date.now() > deadline) throw new Error(`no email to ${address}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return mailTo(address)[0] as NonNullable<ReturnType<typeof mailTo>[number]>;
}

describeEachDatabase(
  "notifications",
  (srv) => {
    test("SUCCEEDED emails the email and PagerDuty notifications listing it, with the templates filled in", async () => {
      const s = srv();
      const name = `notify-ok-${s.dialect}`;
      await seedExecution(s, name, {
        notifications: [
          notify([W.SUCCEEDED], "email", [`team-${s.dialect}@example.com`]),
          notify([W.FAILED], "slack", [`chan-${s.dialect}@example.slack.com`]),
          notify([W.SUCCEEDED, W.FAILED], "pagerDuty", [`pd-${s.dialect}@example.pagerduty.com`]),
        ],
      });
      await event(s, name, W.RUNNING);
      await event(s, name, W.SUCCEEDED);
      const team = await firstMailTo(`team-${s.dialect}@example.com`);
      const pd = await firstMailTo(`pd-${s.dialect}@example.pagerduty.com`);
      assert.equal(mailTo(`chan-${s.dialect}@example.slack.com`).length, 0);
      assert.equal(team.mail.subject, `Notice: Execution "${name}" has succeeded in "development".`);
      assert.equal(team.envelopeFrom, "flyte-notifications@example.com");
      assert.equal(
        String(team.mail.html).trimEnd(),
        `<html><body>Execution ${PROJECT}/${DOMAIN}/${name} of wf.seeded (v1) has succeeded.</body></html>`,
      );
      assert.equal(pd.mail.subject, team.mail.subject);
    });

    test("FAILED puts the error sentence in the body; Slack notifications go out as email", async () => {
      const s = srv();
      const name = `notify-fail-${s.dialect}`;
      const to = `chan-${s.dialect}-2@example.slack.com`;
      await seedExecution(s, name, { notifications: [notify([W.FAILED], "slack", [to])] });
      await event(s, name, W.RUNNING);
      await event(s, name, W.FAILED, "division by zero");
      const got = await firstMailTo(to);
      assert.equal(
        String(got.mail.html).trimEnd(),
        `<html><body>Execution ${PROJECT}/${DOMAIN}/${name} of wf.seeded (v1) has failed. The execution failed with error: [division by zero].</body></html>`,
      );
    });

    test("a notification without a type is INTERNAL, after the event was stored", async () => {
      const s = srv();
      const name = `notify-untyped-${s.dialect}`;
      await seedExecution(s, name, { notifications: [create(NotificationSchema, { phases: [W.SUCCEEDED] })] });
      await event(s, name, W.RUNNING);
      const message = `Unsupported notification type [<nil>] for execution [project:"${PROJECT}" domain:"${DOMAIN}" name:"${name}"]`;
      await rejectsWith(event(s, name, W.SUCCEEDED), Code.INTERNAL, message);
      const e = await s.admin.getExecution({ id: idOf(name) });
      assert.equal(e.closure?.phase, W.SUCCEEDED);

      const other = `notify-untyped-http-${s.dialect}`;
      await seedExecution(s, other, { notifications: [create(NotificationSchema, { phases: [W.ABORTED] })] });
      await event(s, other, W.RUNNING);
      const res = await s.http("/api/v1/events/workflows", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({
          event: {
            execution_id: idOf(other),
            producer_id: "propeller",
            phase: "ABORTED",
            occurred_at: new Date(Date.UTC(2030, 0, 1)).toISOString(),
          },
        }),
      });
      await httpError(
        res,
        500,
        Code.INTERNAL,
        `Unsupported notification type [<nil>] for execution [project:"${PROJECT}" domain:"${DOMAIN}" name:"${other}"]`,
      );
    });
  },
  {
    notifications: {
      type: "sandbox",
      emailer: {
        subject: 'Notice: Execution "{{ name }}" has {{ phase }} in "{{ domain }}".',
        sender: "flyte-notifications@example.com",
        body: "<html><body>Execution {{ project }}/{{domain}}/{{ name }} of {{ workflow.name }} ({{ workflow.version }}) has {{ phase }}.{{ error }}</body></html>",
        emailServerConfig: {
          serviceName: "smtp",
          smtpServer: "127.0.0.1",
          smtpPort: String(SMTP_PORT),
          smtpSkipTLSVerify: true,
        },
      },
    },
  },
);
