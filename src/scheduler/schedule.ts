/**
 * When a launch plan's schedule fires (executions.md §6.2): cron expressions
 * (see `cron.ts`) and fixed rates. A fixed rate is robfig's constant-delay
 * schedule: the next time is the previous one (whole seconds) plus the delay,
 * so a fixed-rate schedule keeps the phase of the time it was anchored at.
 */
import type { SchedulableEntity } from "../store/repositories/schedulable-entity-repository.js";
import { parseCron } from "./cron.js";

/** The times a schedule fires at. */
export interface Schedule {
  /** The first fire time strictly after `afterMs` (epoch milliseconds), or undefined when there is none. */
  next(afterMs: number): number | undefined;
}

/** FixedRateUnit: MINUTE 0, HOUR 1, DAY 2. */
const UNIT_MS: ReadonlyMap<number, number> = new Map([
  [0, 60_000],
  [1, 3_600_000],
  [2, 86_400_000],
]);

/**
 * robfig's ConstantDelaySchedule: `next(t) = t` truncated to the second, plus the delay.
 *
 * @example
 * new ConstantDelaySchedule(60_000).next(Date.parse("2026-01-01T00:00:30.5Z")); // 00:01:30
 */
export class ConstantDelaySchedule implements Schedule {
  readonly delayMs: number;

  constructor(delayMs: number) {
    this.delayMs = delayMs;
  }

  next(afterMs: number): number {
    return Math.floor(afterMs / 1000) * 1000 + this.delayMs;
  }
}

/**
 * The schedule of a schedulable entity: its cron expression when it has one, else its fixed rate. Throws for an
 * unparsable expression, an unknown unit, a rate of zero (FlyteAdmin would loop forever on it) and a cron that
 * never fires.
 */
export function scheduleOf(
  e: Pick<SchedulableEntity, "cronExpression" | "fixedRateValue" | "unit">,
  utc: boolean,
): Schedule {
  if (e.cronExpression !== "") {
    const schedule = parseCron(e.cronExpression, { utc });
    if (schedule.next(Date.now()) === undefined) {
      throw new Error(`invalid crontab string configuration: ${e.cronExpression}`);
    }
    return schedule;
  }
  const unitMs = UNIT_MS.get(e.unit);
  if (unitMs === undefined) throw new Error(`unsupported unit ${e.unit} for fixed rate scheduling `);
  if (e.fixedRateValue <= 0) throw new Error(`invalid fixed rate value ${e.fixedRateValue}: it must be positive`);
  return new ConstantDelaySchedule(e.fixedRateValue * unitMs);
}
