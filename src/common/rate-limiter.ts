/**
 * A token bucket (Go's `golang.org/x/time/rate` limiter as FlyteAdmin and
 * client-go use it): `tps` tokens per second, at most `burst` saved up. A
 * waiter takes one token, sleeping until it is there; waiters are served in
 * arrival order.
 */

/** Time and sleeping, replaceable so that schedulers can run on a simulated clock. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  sleep: (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    }),
});

/**
 * Limits a rate of operations.
 *
 * @example
 * const limiter = new RateLimiter({ tps: 100, burst: 10 });
 * await limiter.take(); // then do the operation
 */
export class RateLimiter {
  readonly #tps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: { tps: number; burst: number; clock?: Clock }) {
    this.#tps = options.tps;
    this.#burst = Math.max(1, options.burst);
    this.#clock = options.clock ?? systemClock;
    this.#tokens = this.#burst;
    this.#last = this.#clock.now();
  }

  /** Waits for a token. With `tps <= 0` there is no limit (Go's `rate.Inf` is the usual spelling of that). */
  take(): Promise<void> {
    if (!(this.#tps > 0) || !Number.isFinite(this.#tps)) return Promise.resolve();
    const turn = this.#queue.then(() => this.#takeNow());
    this.#queue = turn;
    return turn;
  }

  async #takeNow(): Promise<void> {
    this.#refill();
    if (this.#tokens < 1) {
      await this.#clock.sleep(((1 - this.#tokens) / this.#tps) * 1000);
      this.#refill();
    }
    this.#tokens = Math.max(0, this.#tokens - 1);
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#tps);
    this.#last = now;
  }
}
