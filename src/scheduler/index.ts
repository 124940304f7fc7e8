/**
 * The native scheduler as the server runs it: built from FlyteAdmin's
 * `scheduler` keys, firing through the execution manager, leading by the
 * database's rule (PostgreSQL advisory lock, or the single SQLite process).
 */
import type { Logger } from "pino";
import { goDurationMs } from "../common/duration.js";
import { RateLimiter, systemClock } from "../common/rate-limiter.js";
import type { Config } from "../config/schema.js";
import type { ExecutionManager } from "../managers/executions/execution-manager.js";
import type { Metrics } from "../observability/metrics.js";
import type { Database } from "../store/database.js";
import { listSchedulableEntities } from "../store/repositories/schedulable-entity-repository.js";
import { ScheduleSnapshotRepository } from "../store/repositories/schedule-snapshot-repository.js";
import { ExecutionFirer, managerLaunch } from "./execution-firer.js";
import { leaderLockFor } from "./leader-lock.js";
import { NativeScheduler } from "./native-scheduler.js";

export interface SchedulerDeps {
  readonly config: Config;
  readonly database: Database;
  readonly executions: ExecutionManager;
  readonly logger: Logger;
  readonly metrics?: Metrics | undefined;
}

/**
 * The scheduler of this server, or undefined when the configuration turns it off (`scheduler.eventScheduler.scheme`
 * other than `local`, or `scheduler.eventScheduler.local.enabled: false`).
 *
 * @example
 * const scheduler = createScheduler({ config, database, executions: managers.executions, logger, metrics });
 * scheduler?.start();
 */
export function createScheduler(d: SchedulerDeps): NativeScheduler | undefined {
  const s = d.config.scheduler;
  const local = s.eventScheduler.local;
  const logger = d.logger.child({ component: "scheduler" });
  if (s.eventScheduler.scheme !== "local" || !local.enabled) {
    logger.info({ scheme: s.eventScheduler.scheme }, "native scheduler off");
    return undefined;
  }
  const clock = systemClock;
  const rate = s.workflowExecutor.local.adminRateLimit;
  const firer = new ExecutionFirer({
    launch: managerLaunch((req, caller, receivedAt) => d.executions.create(req, caller, receivedAt)),
    clock,
    logger,
  });
  const snapshots = new ScheduleSnapshotRepository(d.database);
  return new NativeScheduler({
    schedules: () => listSchedulableEntities(d.database.kysely, d.database.codec),
    snapshots,
    fire: (e, at) => firer.fire(e, at),
    leader: leaderLockFor(d.database.dialect, d.config),
    limiter: new RateLimiter({ tps: rate.tps, burst: rate.burst, clock }),
    clock,
    logger,
    settings: {
      utc: s.workflowExecutor.local.useUTCTz,
      catchUpLimit: local.catchUpLimit,
      reloadMs: goDurationMs(local.reloadInterval, "scheduler.eventScheduler.local.reloadInterval"),
      snapshotMs: goDurationMs(local.snapshotInterval, "scheduler.eventScheduler.local.snapshotInterval"),
      leaderRetryMs: goDurationMs(local.leaderRetryInterval, "scheduler.eventScheduler.local.leaderRetryInterval"),
      maxConcurrentFires: 32,
    },
    onFire: (e) => d.metrics?.recordScheduleFire(e.outcome, e.catchUp, (e.firedMs - e.scheduledMs) / 1000),
  });
}
