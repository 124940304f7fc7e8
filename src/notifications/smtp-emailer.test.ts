import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import pino from "pino";
import { RecordingSmtpServer } from "../../test/support/smtp.js";
import { tempDir } from "../../test/support/temp-dir.js";
import { loadConfig } from "../config/load.js";
import { EmailMessageSchema } from "../proto/gen/flyteidl/admin/notification_pb.js";
import { createNotifier } from "./index.js";
import { Outbox } from "./notifier.js";
import { SmtpEmailer } from "./smtp-emailer.js";

const silent = pino({ level: "silent" });
const message = create(EmailMessageSchema, {
  subjectLine: 'Notice: Execution "f1" has succeeded in "development".',
  senderEmail: "flyte@example.com",
  recipientsEmail: ["alice@example.com", "bob@example.com"],
  body: "<p>Execution f1 succeeded.</p>",
});

describe("SMTP emailer against a real SMTP server", () => {
  const plain = new RecordingSmtpServer({ tls: true });
  const authed = new RecordingSmtpServer({ auth: { user: "flyte", pass: "s3cret" } });
  before(async () => {
    await plain.start();
    await authed.start();
  });
  after(async () => {
    await plain.stop();
    await authed.stop();
  });

  test("STARTTLS (any certificate with smtpSkipTLSVerify), HTML body, From the configured sender, one message to all recipients", async () => {
    const emailer = new SmtpEmailer({
      host: "127.0.0.1",
      port: plain.port,
      skipTlsVerify: true,
      username: "",
      password: "",
      sender: "Flyte <flyte@example.com>",
    });
    try {
      await emailer.send(message);
    } finally {
      emailer.close();
    }
    const [got] = await plain.waitFor(1);
    assert.equal(got?.secure, true, "upgraded with STARTTLS");
    assert.equal(got?.hello, "localhost");
    assert.equal(got?.envelopeFrom, "flyte@example.com");
    assert.deepEqual(got?.envelopeTo, ["alice@example.com", "bob@example.com"]);
    assert.equal(got?.mail.subject, message.subjectLine);
    assert.equal(got?.mail.from?.text, '"Flyte" <flyte@example.com>');
    assert.deepEqual(
      (Array.isArray(got?.mail.to) ? got.mail.to : [got?.mail.to]).flatMap((a) => a?.value.map((v) => v.address)),
      ["alice@example.com", "bob@example.com"],
    );
    assert.equal(String(got?.mail.html).trimEnd(), "<p>Execution f1 succeeded.</p>");
    assert.match(
      String(got?.mail.headers.get("content-type") && JSON.stringify(got.mail.headers.get("content-type"))),
      /text\/html/,
    );
  });

  test("AUTH with the configured user and the password secret; a wrong password is an error", async () => {
    const secrets = tempDir("secrets-");
    writeFileSync(join(secrets, "smtp_password"), "s3cret\n");
    const { config } = loadConfig({
      dataDir: tempDir("notify-"),
      overrides: {
        secrets: { "secrets-prefix": secrets, "env-prefix": "NOPE_" },
        notifications: {
          type: "sandbox",
          emailer: {
            subject: "{{ name }} {{ phase }}",
            sender: "flyte@example.com",
            body: "<b>{{ project }}</b>",
            emailServerConfig: {
              serviceName: "smtp",
              smtpServer: "127.0.0.1",
              smtpPort: String(authed.port),
              smtpSkipTLSVerify: true,
              smtpUsername: "flyte",
              smtpPasswordSecretName: "smtp_password",
            },
          },
        },
      },
    });
    const notifier = createNotifier(config, silent);
    notifier.workflowEventAccepted(terminalEvent());
    await notifier.idle();
    const [got] = await authed.waitFor(1);
    assert.equal(got?.user, "flyte");
    assert.equal(got?.mail.subject, "f1 succeeded");
    assert.equal(String(got?.mail.html).trimEnd(), "<b>flytesnacks</b>");

    const wrong = new SmtpEmailer({
      host: "127.0.0.1",
      port: authed.port,
      skipTlsVerify: true,
      username: "flyte",
      password: "nope",
      sender: "flyte@example.com",
    });
    try {
      await assert.rejects(wrong.send(message), /Invalid username or password|authentication/i);
    } finally {
      wrong.close();
    }
  });

  test("the server's self-signed certificate is refused without smtpSkipTLSVerify; the outbox logs and moves on", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "info" }, { write: (l: string) => lines.push(l) });
    const strict = new SmtpEmailer({
      host: "127.0.0.1",
      port: plain.port,
      skipTlsVerify: false,
      username: "",
      password: "",
      sender: "flyte@example.com",
    });
    const outbox = new Outbox(strict, logger, { attempts: 2, retryMs: 10 });
    const before = plain.received.length;
    outbox.publish(message);
    await outbox.idle();
    strict.close();
    assert.equal(plain.received.length, before);
    const errors = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "notification not sent");
    assert.equal(errors.length, 1);
    assert.match(errors[0].err, /certificate/i);
  });
});

describe("notifier configuration", () => {
  const base = (notifications: Record<string, unknown>) =>
    loadConfig({ dataDir: tempDir("notify-"), overrides: { notifications } }).config;

  test("local (the default) and sandbox without an emailer send nothing; unsupported choices stop the start", () => {
    assert.doesNotThrow(() => createNotifier(base({}), silent));
    assert.doesNotThrow(() => createNotifier(base({ type: "sandbox" }), silent));
    assert.throws(() => createNotifier(base({ type: "aws" }), silent), /Amazon SES/);
    assert.throws(
      () =>
        createNotifier(base({ type: "sandbox", emailer: { emailServerConfig: { serviceName: "sendgrid" } } }), silent),
      /serviceName sendgrid is not supported/,
    );
    assert.throws(
      () => createNotifier(base({ type: "sandbox", emailer: { emailServerConfig: { serviceName: "smtp" } } }), silent),
      /smtpServer and smtpPort are required/,
    );
    assert.throws(() => createNotifier(base({ type: "kafka" }), silent), /notifications.type kafka is not supported/);
  });
});

function terminalEvent() {
  return {
    request: {
      $typeName: "flyteidl.admin.WorkflowExecutionEventRequest",
      requestId: "",
      event: {
        $typeName: "flyteidl.event.WorkflowExecutionEvent",
        executionId: {
          $typeName: "flyteidl.core.WorkflowExecutionIdentifier",
          project: "flytesnacks",
          domain: "development",
          name: "f1",
          org: "",
        },
        producerId: "propeller",
        phase: 4,
        outputResult: { case: undefined },
      },
    },
    executionId: {
      $typeName: "flyteidl.core.WorkflowExecutionIdentifier",
      project: "flytesnacks",
      domain: "development",
      name: "f1",
      org: "",
    },
    closure: {
      notifications: [{ phases: [4], type: { case: "email", value: { recipientsEmail: ["ops@example.com"] } } }],
    },
    spec: () => ({}),
  } as never;
}
