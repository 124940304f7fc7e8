/**
 * Notifications from FlyteAdmin's `notifications` section. `type` chooses the
 * queue: `local` (the default) publishes nowhere, as FlyteAdmin's no-op
 * publisher; `sandbox` is an in-process queue; `aws` and `gcp` (SNS/SQS,
 * Pub/Sub in FlyteAdmin) are served by the in-process queue too. The emailer
 * is `emailer.emailServerConfig.serviceName`: `smtp`; none means FlyteAdmin's
 * no-op emailer for `sandbox`. SES and SendGrid are not built in.
 */
import type { Logger } from "pino";
import { SecretSource } from "../auth/secrets.js";
import type { Config } from "../config/schema.js";
import { Notifier, Outbox } from "./notifier.js";
import { type Emailer, SmtpEmailer } from "./smtp-emailer.js";

export { type AcceptedWorkflowEventView, Notifier, Outbox } from "./notifier.js";

/**
 * The notifier the configuration describes. Throws at start-up for settings this build cannot honour.
 *
 * @example
 * const notifier = createNotifier(config, logger);
 */
export function createNotifier(config: Config, logger: Logger): Notifier {
  const n = config.notifications;
  const log = logger.child({ component: "notifications" });
  return new Notifier({ templates: n.emailer, outbox: outboxFor(config, log) });
}

function outboxFor(config: Config, logger: Logger): Outbox | undefined {
  const n = config.notifications;
  if (n.type === "" || n.type === "local") return undefined;
  if (!["sandbox", "aws", "gcp"].includes(n.type)) {
    throw new Error(`notifications.type ${n.type} is not supported (local, sandbox, aws, gcp)`);
  }
  const emailer = emailerFor(config, n.type);
  if (emailer === undefined) {
    logger.info({ type: n.type }, "notifications: no emailer configured; emails are dropped");
    return undefined;
  }
  if (n.type !== "sandbox") logger.info({ type: n.type }, "notifications: queued in-process and sent from this server");
  return new Outbox(emailer, logger);
}

function emailerFor(config: Config, type: string): Emailer | undefined {
  const s = config.notifications.emailer.emailServerConfig;
  switch (s.serviceName) {
    case "":
      if (type === "sandbox") return undefined;
      throw new Error(
        `notifications.type ${type} sends with Amazon SES in FlyteAdmin, which this build does not include: set notifications.emailer.emailServerConfig.serviceName: smtp`,
      );
    case "smtp": {
      const port = Number.parseInt(s.smtpPort, 10);
      if (s.smtpServer === "" || !Number.isInteger(port)) {
        throw new Error("notifications.emailer.emailServerConfig: smtpServer and smtpPort are required for smtp");
      }
      const secrets = new SecretSource({
        secretsPrefix: config.secrets["secrets-prefix"],
        envPrefix: config.secrets["env-prefix"],
        generatedDir: undefined,
      });
      const password = s.smtpPasswordSecretName ? (secrets.get(s.smtpPasswordSecretName)?.value.trim() ?? "") : "";
      return new SmtpEmailer({
        host: s.smtpServer,
        port,
        skipTlsVerify: s.smtpSkipTLSVerify,
        username: s.smtpUsername,
        password,
        sender: config.notifications.emailer.sender,
      });
    }
    default:
      throw new Error(
        `notifications.emailer.emailServerConfig.serviceName ${s.serviceName} is not supported by this build (smtp)`,
      );
  }
}
