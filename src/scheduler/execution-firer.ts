/**
 * One fire of a schedule (executions.md §6.1): a CreateExecution of that
 * launch plan version, named after the schedule and the scheduled time, in
 * SCHEDULED mode with `scheduled_at`, plus the kickoff-time input for cron
 * schedules that name one. It goes through the same execution manager as the
 * RPC, in-process. ALREADY_EXISTS (the fire was delivered before, or the
 * launch plan's concurrency policy skipped it) and an inactive project count
 * as done; transient failures are retried with backoff.
 */
import { create } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import type { Clock } from "../common/rate-limiter.js";
import { microsToTimestamp, nowMicros } from "../common/time.js";
import { AdminError, Code } from "../errors/admin-error.js";
import {
  type ExecutionCreateRequest,
  ExecutionCreateRequestSchema,
  ExecutionMetadata_ExecutionMode,
} from "../proto/gen/flyteidl/admin/execution_pb.js";
import { ResourceType } from "../proto/gen/flyteidl/core/identifier_pb.js";
import { type Literal, LiteralSchema } from "../proto/gen/flyteidl/core/literals_pb.js";
import type { SchedulableEntity } from "../store/repositories/schedulable-entity-repository.js";
import { executionName } from "./identity.js";

/** Launches one execution, as CreateExecution does (the execution manager's `create`). */
export type Launch = (request: ExecutionCreateRequest) => Promise<unknown>;

/** How a fire ended. */
export type FireOutcome = "created" | "already_exists" | "inactive_project" | "failed";

/** Codes worth another attempt: the launch may succeed later. Refusals of the request itself are final. */
const TRANSIENT = new Set<Code>([
  Code.INTERNAL,
  Code.UNKNOWN,
  Code.UNAVAILABLE,
  Code.DEADLINE_EXCEEDED,
  Code.RESOURCE_EXHAUSTED,
  Code.ABORTED,
]);

export interface FirerOptions {
  readonly launch: Launch;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Attempts per fire, the first included. */
  readonly attempts?: number;
  /** Delay before the first retry; doubles each time. */
  readonly backoffMs?: number;
}

/**
 * Fires schedules.
 *
 * @example
 * const firer = new ExecutionFirer({ launch: (req) => executions.create(req, { subject: "" }, nowMicros()), clock, logger });
 * await firer.fire(entity, scheduledMs); // "created"
 */
export class ExecutionFirer {
  readonly #o: Required<FirerOptions>;

  constructor(options: FirerOptions) {
    this.#o = { attempts: 5, backoffMs: 200, ...options };
  }

  async fire(entity: SchedulableEntity, scheduledMs: number): Promise<FireOutcome> {
    const request = fireRequest(entity, scheduledMs);
    let delay = this.#o.backoffMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#o.launch(request);
        return "created";
      } catch (err) {
        const code = err instanceof AdminError ? err.code : Code.INTERNAL;
        if (code === Code.ALREADY_EXISTS) return "already_exists";
        if (err instanceof AdminError && isInactiveProject(err)) return "inactive_project";
        const log = {
          schedule: request.spec?.launchPlan,
          execution: request.name,
          attempt,
          err: (err as Error).message,
        };
        if (!TRANSIENT.has(code) || attempt >= this.#o.attempts) {
          this.#o.logger.error(log, "scheduled execution could not be created");
          return "failed";
        }
        this.#o.logger.warn(log, "scheduled execution failed; retrying");
        await this.#o.clock.sleep(delay);
        delay *= 2;
      }
    }
  }
}

/** The CreateExecution request of one fire. */
export function fireRequest(e: SchedulableEntity, scheduledMs: number): ExecutionCreateRequest {
  const scheduledAt = microsToTimestamp(scheduledMs * 1000);
  const literals: Record<string, Literal> = {};
  // Only cron schedules pass their kickoff time, as in FlyteAdmin.
  if (e.cronExpression !== "" && e.kickoffTimeInputArg !== "") {
    literals[e.kickoffTimeInputArg] = create(LiteralSchema, {
      value: {
        case: "scalar",
        value: { value: { case: "primitive", value: { value: { case: "datetime", value: scheduledAt } } } },
      },
    });
  }
  return create(ExecutionCreateRequestSchema, {
    project: e.project,
    domain: e.domain,
    name: executionName(e, scheduledMs),
    spec: {
      launchPlan: {
        resourceType: ResourceType.LAUNCH_PLAN,
        project: e.project,
        domain: e.domain,
        name: e.name,
        version: e.version,
      },
      metadata: { mode: ExecutionMetadata_ExecutionMode.SCHEDULED, scheduledAt },
    },
    inputs: { literals },
  });
}

function isInactiveProject(err: AdminError): boolean {
  return err.details.some((d) => d.typeUrl.endsWith("/flyteidl.admin.InactiveProject"));
}

/** The launch the server wires: the execution manager's create, as an anonymous in-process caller. */
export function managerLaunch(
  create: (req: ExecutionCreateRequest, caller: { subject: string }, receivedAt: number) => Promise<unknown>,
): Launch {
  return (request) => create(request, { subject: "" }, nowMicros());
}
