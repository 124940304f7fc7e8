/**
 * Virtual time for the scheduler's tests and benchmark: sleeping costs no
 * real time. The driver lets the program run until it is idle (everything
 * waits on a sleep), then jumps to the earliest wake-up, so a simulated day
 * of schedules runs in seconds with the scheduler's real code, rate limiter
 * included. Only for code whose waits are all `clock.sleep` (no real I/O).
 */
import type { Clock } from "../common/rate-limiter.js";

interface Sleeper {
  readonly at: number;
  readonly seq: number;
  readonly wake: () => void;
}

/**
 * A clock the caller moves.
 *
 * @example
 * const clock = new SimulatedClock(Date.parse("2026-01-01T00:00:00Z"));
 * scheduler.start();
 * await clock.runUntil(clock.now() + 86_400_000);
 */
export class SimulatedClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #sleepers: Sleeper[] = [];

  constructor(startMs: number) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper: Sleeper = {
        at: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        wake: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const i = this.#sleepers.indexOf(sleeper);
        if (i >= 0) this.#sleepers.splice(i, 1);
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#sleepers.push(sleeper);
    });
  }

  /** Runs the program until virtual time `until` (or until nothing sleeps any more). */
  async runUntil(until: number): Promise<void> {
    for (;;) {
      await settle();
      const next = this.#earliest();
      if (next === undefined || next.at > until) break;
      this.#sleepers.splice(this.#sleepers.indexOf(next), 1);
      this.#now = Math.max(this.#now, next.at);
      next.wake();
    }
    this.#now = Math.max(this.#now, until);
    await settle();
  }

  /**
   * Runs the program until `work` settles, moving time on as needed (for waits such as a scheduler's stop, which
   * lets the fires in flight finish their virtual sleeps). Returns what `work` resolves to.
   */
  async drive<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const watched = work.finally(() => {
      done = true;
    });
    for (;;) {
      await settle();
      if (done) return watched;
      const next = this.#earliest();
      if (next === undefined) return watched;
      this.#sleepers.splice(this.#sleepers.indexOf(next), 1);
      this.#now = Math.max(this.#now, next.at);
      next.wake();
    }
  }

  #earliest(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.#sleepers) if (!best || s.at < best.at || (s.at === best.at && s.seq < best.seq)) best = s;
    return best;
  }
}

/** Lets pending promise chains and immediates run (a few rounds, for chains that hop through several awaits). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
