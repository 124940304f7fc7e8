/**
 * Notifications on terminal workflow events (executions.md §7), as an event
 * listener: the event manager calls it after an accepted workflow event. The
 * emails are computed at once (an unsupported notification type is an error
 * the event's caller sees, as in FlyteAdmin) and handed to the outbox, which
 * sends them in the background; a failed send is logged, never returned.
 */
import type { Logger } from "pino";
import type { WorkflowExecutionEventRequest } from "../proto/gen/flyteidl/admin/event_pb.js";
import type { ExecutionClosure, ExecutionSpec } from "../proto/gen/flyteidl/admin/execution_pb.js";
import type { EmailMessage } from "../proto/gen/flyteidl/admin/notification_pb.js";
import type { WorkflowExecutionIdentifier } from "../proto/gen/flyteidl/core/identifier_pb.js";
import { type EmailTemplates, emailsFor, isTerminalPhase } from "./email-message.js";
import type { Emailer } from "./smtp-emailer.js";

/** An accepted workflow event and the execution as it now is (the event manager's listener payload). */
export interface AcceptedWorkflowEventView {
  readonly request: WorkflowExecutionEventRequest;
  readonly executionId: WorkflowExecutionIdentifier;
  readonly closure: ExecutionClosure;
  spec(): ExecutionSpec;
}

/**
 * Sends emails one after another in the background, retrying a failed send a few times.
 *
 * @example
 * const outbox = new Outbox(emailer, logger);
 * outbox.publish(message);
 * await outbox.idle();
 */
export class Outbox {
  readonly #emailer: Emailer;
  readonly #logger: Logger;
  readonly #attempts: number;
  readonly #retryMs: number;
  #tail: Promise<void> = Promise.resolve();

  constructor(emailer: Emailer, logger: Logger, options: { attempts?: number; retryMs?: number } = {}) {
    this.#emailer = emailer;
    this.#logger = logger;
    this.#attempts = options.attempts ?? 3;
    this.#retryMs = options.retryMs ?? 1000;
  }

  /** Queues a message; returns at once. */
  publish(message: EmailMessage): void {
    this.#tail = this.#tail.then(() => this.#send(message));
  }

  /** Resolves when everything queued so far has been sent (or given up on). */
  idle(): Promise<void> {
    return this.#tail;
  }

  /** Sends what is queued, then closes the emailer's connections. */
  async close(): Promise<void> {
    await this.#tail;
    this.#emailer.close();
  }

  async #send(message: EmailMessage): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#emailer.send(message);
        this.#logger.info({ recipients: message.recipientsEmail, subject: message.subjectLine }, "notification sent");
        return;
      } catch (err) {
        const log = { recipients: message.recipientsEmail, attempt, err: (err as Error).message };
        if (attempt >= this.#attempts) {
          this.#logger.error(log, "notification not sent");
          return;
        }
        this.#logger.warn(log, "notification not sent; retrying");
        await new Promise((r) => setTimeout(r, this.#retryMs * attempt));
      }
    }
  }
}

/**
 * The notifications listener.
 *
 * @example
 * const notifier = new Notifier({ templates: config.notifications.emailer, outbox, logger });
 * events.listeners.add(notifier);
 */
export class Notifier {
  readonly #templates: EmailTemplates;
  readonly #outbox: Outbox | undefined;

  constructor(options: { templates: EmailTemplates; outbox: Outbox | undefined }) {
    this.#templates = Object.freeze({ ...options.templates });
    this.#outbox = options.outbox;
  }

  /** Emails for a terminal event; throws AdminError INTERNAL for a notification without a type. */
  workflowEventAccepted(e: AcceptedWorkflowEventView): void {
    const phase = e.request.event?.phase;
    if (phase === undefined || !isTerminalPhase(phase)) return;
    const messages = emailsFor(e.request, { id: e.executionId, closure: e.closure, spec: e.spec() }, this.#templates);
    for (const m of messages) this.#outbox?.publish(m);
  }

  /** Resolves when the emails queued so far are out. */
  async idle(): Promise<void> {
    await this.#outbox?.idle();
  }

  /** At shutdown: sends what is queued and closes the emailer. */
  async close(): Promise<void> {
    await this.#outbox?.close();
  }
}
