/**
 * FlyteAdmin's native scheduler (executions.md §6), in-process: it fires
 * the schedules of active launch plan versions (`schedulable_entities`) as
 * executions. Every replica runs one; only the leader (see `leader-lock.ts`)
 * fires. On taking the lead it reads the snapshot of last fire times and the
 * schedules, makes up missed fires (at most `catchUpLimit` per schedule, the
 * latest ones), then fires on time, reloading the schedules and writing the
 * snapshot every so often. Fires are rate limited and idempotent: each has a
 * deterministic execution name, so a fire made twice (a retry, or two
 * leaders around a hand-over) is one execution.
 */
import type { Logger } from "pino";
import type { Clock, RateLimiter } from "../common/rate-limiter.js";
import { Semaphore } from "../common/semaphore.js";
import type { StoredSchedulableEntity } from "../store/repositories/schedulable-entity-repository.js";
import { missedFires } from "./catch-up.js";
import type { FireOutcome } from "./execution-firer.js";
import { scheduleName } from "./identity.js";
import type { LeaderLock } from "./leader-lock.js";
import { ConstantDelaySchedule, type Schedule, scheduleOf } from "./schedule.js";
import { decodeSnapshot, encodeSnapshot } from "./snapshot.js";

export interface SchedulerSettings {
  /** Cron times in UTC instead of the server's zone (`scheduler.workflowExecutor.local.useUTCTz`). */
  readonly utc: boolean;
  /** Missed fires made up per schedule after downtime; older ones are skipped with a log line. */
  readonly catchUpLimit: number;
  readonly reloadMs: number;
  readonly snapshotMs: number;
  /** How often a follower tries to take the lead. */
  readonly leaderRetryMs: number;
  /** Fires in flight at once. */
  readonly maxConcurrentFires: number;
}

/** One fire as it happened, for metrics and benchmarks. */
export interface FireEvent {
  readonly schedule: string;
  readonly scheduledMs: number;
  readonly firedMs: number;
  readonly outcome: FireOutcome;
  readonly catchUp: boolean;
}

export interface NativeSchedulerDeps {
  readonly schedules: () => Promise<StoredSchedulableEntity[]>;
  readonly snapshots: { read(): Promise<Uint8Array | undefined>; write(snapshot: Uint8Array): Promise<void> };
  readonly fire: (entity: StoredSchedulableEntity, scheduledMs: number) => Promise<FireOutcome>;
  readonly leader: LeaderLock;
  readonly limiter: RateLimiter;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: SchedulerSettings;
  readonly onFire?: (event: FireEvent) => void;
}

interface Job {
  readonly name: string;
  readonly entity: StoredSchedulableEntity;
  readonly schedule: Schedule;
  /** The last time fired (or the anchor it counts from). */
  last: number;
  next: number | undefined;
}

/**
 * The scheduler loop.
 *
 * @example
 * const scheduler = new NativeScheduler(deps);
 * scheduler.start();
 * // ... at shutdown
 * await scheduler.stop();
 */
export class NativeScheduler {
  readonly #d: NativeSchedulerDeps;
  readonly #jobs = new Map<string, Job>();
  /** Every fire launched and not finished yet, waiting for a slot or running: what a stop waits for. */
  readonly #inFlight = new Set<Promise<void>>();
  /** At most `maxConcurrentFires` fires running; the others wait their turn in launch order. */
  readonly #slots: Semaphore;
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;
  #leading = false;
  /** The snapshot last written, to skip writing the same one again (most periods fire nothing). */
  #written = "";

  constructor(deps: NativeSchedulerDeps) {
    this.#d = deps;
    this.#slots = new Semaphore(deps.settings.maxConcurrentFires);
  }

  /** Whether this replica currently fires schedules. */
  get leading(): boolean {
    return this.#leading;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** Stops firing, waits for fires in flight, writes the snapshot and gives up the lead. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  async #run(): Promise<void> {
    const { logger, settings } = this.#d;
    while (!this.#stopped) {
      let acquired = false;
      try {
        acquired = await this.#d.leader.tryAcquire();
      } catch (err) {
        logger.warn({ err: (err as Error).message }, "scheduler: cannot reach the leader lock; retrying");
      }
      if (!acquired) {
        await this.#sleep(settings.leaderRetryMs);
        continue;
      }
      this.#leading = true;
      logger.info("scheduler: leading; this replica fires schedules");
      try {
        await this.#lead();
      } catch (err) {
        logger.error({ err: (err as Error).message }, "scheduler: leading failed; starting over");
        await this.#sleep(settings.leaderRetryMs);
      } finally {
        this.#leading = false;
        await this.#drain();
      }
    }
    await this.#d.leader.release().catch(() => undefined);
  }

  get #stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  async #lead(): Promise<void> {
    const { clock, settings } = this.#d;
    this.#jobs.clear();
    const snapshot = await this.#readSnapshot();
    const startedAt = clock.now();
    this.#register(await this.#d.schedules(), snapshot, startedAt, true);
    let nextReload = startedAt + settings.reloadMs;
    let nextSnapshot = startedAt + settings.snapshotMs;
    while (!this.#stopped) {
      if (!(await this.#d.leader.held())) {
        this.#d.logger.warn("scheduler: lost the lead");
        return;
      }
      const now = clock.now();
      this.#fireDue(now);
      if (now >= nextReload) {
        this.#register(await this.#d.schedules(), undefined, now, false);
        nextReload = now + settings.reloadMs;
      }
      if (now >= nextSnapshot) {
        await this.#writeSnapshot();
        nextSnapshot = now + settings.snapshotMs;
      }
      await this.#sleep(Math.max(0, Math.min(this.#nextFireAt(), nextReload, nextSnapshot) - clock.now()));
    }
    await this.#drain();
    await this.#writeSnapshot();
  }

  /**
   * Brings the job table in line with the rows: inactive rows are dropped, active ones added. At start (`catchUp`)
   * a schedule counts from its last fire (snapshot) or activation, whichever is later, and missed fires are made
   * up; a schedule that appears later starts from its activation without making anything up (FlyteAdmin's rule).
   */
  #register(
    rows: StoredSchedulableEntity[],
    snapshot: Map<string, number> | undefined,
    now: number,
    catchUp: boolean,
  ): void {
    for (const row of rows) {
      const name = scheduleName(row);
      if (!row.active) {
        if (this.#jobs.delete(name)) this.#d.logger.info({ schedule: keyOf(row) }, "scheduler: schedule removed");
        continue;
      }
      if (this.#jobs.has(name)) continue;
      let schedule: Schedule;
      try {
        schedule = scheduleOf(row, this.#d.settings.utc);
      } catch (err) {
        this.#d.logger.error({ schedule: keyOf(row), err: (err as Error).message }, "scheduler: schedule refused");
        continue;
      }
      const activated = Math.floor(row.updatedAt / 1000);
      const anchor = Math.max(activated, snapshot?.get(name) ?? Number.NEGATIVE_INFINITY);
      const job: Job = { name, entity: row, schedule, last: anchor, next: undefined };
      if (catchUp) this.#catchUp(job, now);
      job.next = firstAfter(schedule, job.last, now);
      this.#jobs.set(name, job);
      this.#d.logger.info(
        { schedule: keyOf(row), next: job.next === undefined ? undefined : new Date(job.next).toISOString() },
        "scheduler: schedule added",
      );
    }
  }

  #catchUp(job: Job, now: number): void {
    const plan = missedFires(job.schedule, job.last, now, this.#d.settings.catchUpLimit);
    if (plan.skipped) {
      this.#d.logger.warn(
        {
          schedule: keyOf(job.entity),
          skippedFrom: new Date(plan.skipped.first).toISOString(),
          skippedBefore: new Date(plan.times[0] as number).toISOString(),
          limit: this.#d.settings.catchUpLimit,
        },
        "scheduler: missed fires older than the catch-up limit are skipped",
      );
    }
    for (const t of plan.times) this.#launch(job, t, true);
    const last = plan.times.at(-1);
    if (last !== undefined) job.last = last;
  }

  /**
   * Starts the fires that are due: the job's next time and any later ones up to now (when the loop woke late);
   * a schedule that fell behind by more than `catchUpLimit` fires makes up only the latest of them.
   */
  #fireDue(now: number): void {
    const limit = Math.max(1, this.#d.settings.catchUpLimit);
    for (const job of this.#jobs.values()) {
      if (job.next === undefined || job.next > now) continue;
      const times = [job.next, ...missedFires(job.schedule, job.next, now, limit).times].slice(-limit);
      for (const t of times) this.#launch(job, t, false);
      job.last = times.at(-1) as number;
      job.next = job.schedule.next(job.last);
    }
  }

  #launch(job: Job, scheduledMs: number, catchUp: boolean): void {
    const run = (async () => {
      // A semaphore, not a wait on the set of fires in flight: that set holds the waiting fires too, so once more
      // fires waited than there are slots they waited on each other for ever, and every new fire raced the whole
      // (growing) set, which grew memory without bound.
      const release = await this.#slots.acquire();
      let outcome: FireOutcome;
      try {
        await this.#d.limiter.take();
        outcome = await this.#d.fire(job.entity, scheduledMs).catch(() => "failed" as const);
      } finally {
        release();
      }
      const event = { schedule: job.name, scheduledMs, firedMs: this.#d.clock.now(), outcome, catchUp };
      this.#d.logger.info(
        { schedule: keyOf(job.entity), scheduledAt: new Date(scheduledMs).toISOString(), outcome, catchUp },
        "scheduler: fired",
      );
      this.#d.onFire?.(event);
    })();
    const tracked = run.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  async #drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #nextFireAt(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const job of this.#jobs.values()) if (job.next !== undefined && job.next < min) min = job.next;
    return min;
  }

  async #readSnapshot(): Promise<Map<string, number>> {
    const bytes = await this.#d.snapshots.read();
    if (bytes === undefined) return new Map();
    const decoded = decodeSnapshot(bytes);
    if (decoded === undefined)
      this.#d.logger.warn("scheduler: snapshot not readable (not ours?); starting from activation times");
    return decoded ?? new Map();
  }

  async #writeSnapshot(): Promise<void> {
    const times = new Map<string, number>();
    for (const job of this.#jobs.values()) if (Number.isFinite(job.last)) times.set(job.name, job.last);
    const bytes = encodeSnapshot(times);
    const text = Buffer.from(bytes).toString("utf8");
    if (text === this.#written) return;
    try {
      await this.#d.snapshots.write(bytes);
      this.#written = text;
    } catch (err) {
      this.#d.logger.warn({ err: (err as Error).message }, "scheduler: snapshot not written");
    }
  }

  #sleep(ms: number): Promise<void> {
    return this.#d.clock.sleep(ms, this.#stop.signal);
  }
}

/** The first fire strictly after `now`, counting from `anchor` (a fixed rate keeps its phase). */
function firstAfter(schedule: Schedule, anchor: number, now: number): number | undefined {
  if (schedule instanceof ConstantDelaySchedule && Number.isFinite(anchor)) {
    const base = Math.floor(anchor / 1000) * 1000;
    const steps = Math.max(1, Math.floor((now - base) / schedule.delayMs) + 1);
    return base + steps * schedule.delayMs;
  }
  return schedule.next(Math.max(anchor, now));
}

function keyOf(e: StoredSchedulableEntity): string {
  return `${e.project}/${e.domain}/${e.name}/${e.version}`;
}
