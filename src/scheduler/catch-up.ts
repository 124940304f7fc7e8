/**
 * Which missed fires to make up after downtime. FlyteAdmin fires every time
 * between the last fire and now, which after a long outage is a storm of
 * executions (and a known outage cause); we fire at most `limit` of them per
 * schedule, the most recent ones, and report how the older ones were skipped.
 */
import type { Schedule } from "./schedule.js";

/** The fires to make up, oldest first, and the range of the ones left out (if any). */
export interface CatchUpPlan {
  readonly times: number[];
  /** When older fires were skipped: the first of them; all skipped ones are before `times[0]`. */
  readonly skipped?: { readonly first: number } | undefined;
}

/**
 * The fire times `t` with `from < t <= to` (FlyteAdmin includes a time equal to `to`), at most `limit` of the
 * latest ones. The search widens a window backwards from `to`, so a long outage costs about `limit` steps, not
 * one step per missed fire.
 *
 * @example
 * missedFires(new ConstantDelaySchedule(60_000), lastFire, Date.now(), 10).times;
 */
export function missedFires(schedule: Schedule, from: number, to: number, limit: number): CatchUpPlan {
  if (limit <= 0 || from >= to) return { times: [] };
  let windowMs = 60_000 * limit;
  for (;;) {
    const start = Math.max(from, to - windowMs);
    const times = firesBetween(schedule, start, to, Number.POSITIVE_INFINITY);
    if (times.length >= limit || start === from) {
      const kept = times.slice(-limit);
      const first = schedule.next(from);
      const keptFirst = kept[0];
      if (first === undefined || keptFirst === undefined || first >= keptFirst) return { times: kept };
      return { times: kept, skipped: { first } };
    }
    windowMs *= 4;
  }
}

/** Fire times in `(from, to]`, at most `max`. */
function firesBetween(schedule: Schedule, from: number, to: number, max: number): number[] {
  const out: number[] = [];
  let t = schedule.next(from);
  while (t !== undefined && t <= to && out.length < max) {
    out.push(t);
    t = schedule.next(t);
  }
  return out;
}
