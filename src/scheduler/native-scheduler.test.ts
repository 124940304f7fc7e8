import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pino from "pino";
import { RateLimiter } from "../common/rate-limiter.js";
import type { StoredSchedulableEntity } from "../store/repositories/schedulable-entity-repository.js";
import type { FireOutcome } from "./execution-firer.js";
import { executionName, scheduleName } from "./identity.js";
import type { LeaderLock } from "./leader-lock.js";
import {
  type FireEvent,
  NativeScheduler,
  type NativeSchedulerDeps,
  type SchedulerSettings,
} from "./native-scheduler.js";
import { SimulatedClock } from "./simulated-clock.js";
import { decodeSnapshot, encodeSnapshot } from "./snapshot.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

function entity(name: string, o: Partial<StoredSchedulableEntity> = {}): StoredSchedulableEntity {
  return {
    project: "p",
    domain: "d",
    name,
    version: "v1",
    cronExpression: "",
    fixedRateValue: 1,
    unit: 0,
    kickoffTimeInputArg: "",
    active: true,
    updatedAt: T0 * 1000,
    ...o,
  };
}

/** A switchable lock, standing in for the advisory lock. */
class FakeLock implements LeaderLock {
  free = true;
  #mine = false;
  async tryAcquire() {
    if (this.#mine) return true;
    if (!this.free) return false;
    this.free = false;
    this.#mine = true;
    return true;
  }
  async held() {
    return this.#mine;
  }
  async release() {
    if (this.#mine) this.free = true;
    this.#mine = false;
  }
  /** Another replica took over (say, our session died). */
  lose() {
    this.#mine = false;
  }
}

interface Harness {
  clock: SimulatedClock;
  rows: StoredSchedulableEntity[];
  fires: FireEvent[];
  names: string[];
  snapshot: { bytes: Uint8Array | undefined };
  lock: FakeLock;
  deps(over?: Partial<SchedulerSettings>): NativeSchedulerDeps;
  make(over?: Partial<SchedulerSettings>): NativeScheduler;
}

function harness(
  start = T0,
  shared?: Pick<Harness, "snapshot" | "lock" | "names">,
  rate = { tps: 100, burst: 10 },
): Harness {
  const clock = new SimulatedClock(start);
  const h: Harness = {
    clock,
    rows: [],
    fires: [],
    names: shared?.names ?? [],
    snapshot: shared?.snapshot ?? { bytes: undefined },
    lock: shared?.lock ?? new FakeLock(),
    make: (over = {}) => new NativeScheduler(h.deps(over)),
    deps: (over = {}) => ({
      schedules: async () => h.rows.map((r) => ({ ...r })),
      snapshots: {
        read: async () => h.snapshot.bytes,
        write: async (b) => {
          h.snapshot.bytes = b;
        },
      },
      fire: async (e, at): Promise<FireOutcome> => {
        const name = executionName(e, at);
        const dup = h.names.includes(name);
        h.names.push(name);
        await clock.sleep(20); // a CreateExecution's cost
        return dup ? "already_exists" : "created";
      },
      leader: h.lock,
      limiter: new RateLimiter({ ...rate, clock }),
      clock,
      logger: pino({ level: "silent" }),
      settings: {
        utc: true,
        catchUpLimit: 5,
        reloadMs: 30_000,
        snapshotMs: 30_000,
        leaderRetryMs: 5_000,
        maxConcurrentFires: 16,
        ...over,
      },
      onFire: (e) => h.fires.push(e),
    }),
  };
  return h;
}

describe("native scheduler (simulated clock)", () => {
  test("a one-minute fixed rate fires every minute from its activation, on time, named deterministically", async () => {
    const h = harness();
    h.rows.push(entity("every-minute", { updatedAt: (T0 + 15_500) * 1000 }));
    const s = h.make();
    s.start();
    await h.clock.runUntil(T0 + 10 * MIN + 30_000);
    await h.clock.drive(s.stop());
    assert.deepEqual(
      h.fires.map((f) => iso(f.scheduledMs)),
      Array.from({ length: 10 }, (_, i) => iso(T0 + 15_000 + (i + 1) * MIN)),
    );
    assert.ok(h.fires.every((f) => f.outcome === "created" && f.firedMs - f.scheduledMs <= 100));
    assert.equal(h.names[0], executionName(h.rows[0] as StoredSchedulableEntity, T0 + 75_000));
  });

  test("cron schedules fire at their times; a schedule deactivated (and one activated) is seen at the next reload", async () => {
    const h = harness();
    h.rows.push(entity("quarter", { cronExpression: "*/15 * * * *", fixedRateValue: 0 }));
    const s = h.make();
    s.start();
    await h.clock.runUntil(T0 + 31 * MIN);
    h.rows[0] = { ...(h.rows[0] as StoredSchedulableEntity), active: false };
    h.rows.push(
      entity("late", { cronExpression: "*/15 * * * *", fixedRateValue: 0, updatedAt: (T0 + 31 * MIN) * 1000 }),
    );
    await h.clock.runUntil(T0 + 61 * MIN);
    await h.clock.drive(s.stop());
    const byName = (n: string) =>
      h.fires.filter((f) => f.schedule === scheduleName(entity(n))).map((f) => iso(f.scheduledMs));
    assert.deepEqual(byName("quarter"), ["2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z"]);
    // Added without catch-up: its first fire is the first time after it was seen.
    assert.deepEqual(byName("late"), ["2026-01-01T00:45:00Z", "2026-01-01T01:00:00Z"]);
  });

  test("after downtime, catch-up makes up only the latest `catchUpLimit` fires, then fires on time", async () => {
    const shared = { snapshot: { bytes: undefined as Uint8Array | undefined }, lock: new FakeLock(), names: [] };
    const row = entity("minutely", { cronExpression: "* * * * *", fixedRateValue: 0 });
    const name = scheduleName(row);
    shared.snapshot.bytes = encodeSnapshot(new Map([[name, T0]]));
    // Back up two hours later: 120 fires were missed.
    const h = harness(T0 + 2 * 60 * MIN + 10_000, shared);
    h.rows.push(row);
    const s = h.make({ catchUpLimit: 5 });
    s.start();
    await h.clock.runUntil(T0 + 2 * 60 * MIN + 2 * MIN + 10_000);
    await h.clock.drive(s.stop());
    const caught = h.fires.filter((f) => f.catchUp).map((f) => iso(f.scheduledMs));
    assert.deepEqual(caught, [
      "2026-01-01T01:56:00Z",
      "2026-01-01T01:57:00Z",
      "2026-01-01T01:58:00Z",
      "2026-01-01T01:59:00Z",
      "2026-01-01T02:00:00Z",
    ]);
    assert.deepEqual(
      h.fires.filter((f) => !f.catchUp).map((f) => iso(f.scheduledMs)),
      ["2026-01-01T02:01:00Z", "2026-01-01T02:02:00Z"],
    );
    // The snapshot written at stop holds the last fire.
    assert.equal(decodeSnapshot(shared.snapshot.bytes as Uint8Array)?.get(name), T0 + 122 * MIN);
  });

  test("a restart resumes from the snapshot without firing anything twice", async () => {
    const shared = {
      snapshot: { bytes: undefined as Uint8Array | undefined },
      lock: new FakeLock(),
      names: [] as string[],
    };
    const first = harness(T0, shared);
    first.rows.push(entity("r", { updatedAt: T0 * 1000 }));
    const a = first.make();
    a.start();
    await first.clock.runUntil(T0 + 5 * MIN + 5_000);
    await first.clock.drive(a.stop());
    const second = harness(T0 + 8 * MIN + 1_000, shared);
    second.rows.push(entity("r", { updatedAt: T0 * 1000 }));
    const b = second.make();
    b.start();
    await second.clock.runUntil(T0 + 10 * MIN + 5_000);
    await second.clock.drive(b.stop());
    assert.equal(new Set(shared.names).size, shared.names.length, "no name twice");
    assert.equal(shared.names.length, 10, "minutes 1..10, the 6th to 8th made up at restart");
  });

  test("only the leader fires: a follower waits, takes over when the lock is free, and stops when it loses it", async () => {
    const h = harness();
    h.rows.push(entity("led"));
    h.lock.free = false; // someone else leads
    const s = h.make();
    s.start();
    await h.clock.runUntil(T0 + 3 * MIN + 10_000);
    assert.equal(h.fires.length, 0);
    assert.equal(s.leading, false);
    h.lock.free = true;
    await h.clock.runUntil(T0 + 6 * MIN + 10_000);
    assert.equal(s.leading, true);
    const whileLeading = h.fires.length;
    assert.ok(whileLeading >= 3, `took over and fired (${whileLeading})`);
    h.lock.lose();
    await h.clock.runUntil(T0 + 6 * MIN + 20_000);
    assert.equal(s.leading, false);
    h.lock.free = false;
    await h.clock.runUntil(T0 + 12 * MIN);
    assert.equal(h.fires.length, whileLeading);
    await h.clock.drive(s.stop());
  });

  test("fires are rate limited (tps/burst): 30 schedules due at once spread over the limiter's pace", async () => {
    const h = harness(T0, undefined, { tps: 10, burst: 5 });
    for (let i = 0; i < 30; i++) h.rows.push(entity(`s${i}`, { cronExpression: "0 * * * *", fixedRateValue: 0 }));
    const s = h.make();
    s.start();
    await h.clock.runUntil(T0 + 61 * MIN);
    await h.clock.drive(s.stop());
    assert.equal(h.fires.length, 30);
    const late = h.fires.map((f) => f.firedMs - f.scheduledMs).sort((x, y) => x - y);
    // A burst of 5 at once, then one every 100 ms: the last starts 2.5 s late (plus the 20 ms a fire takes).
    assert.ok((late[4] as number) <= 20, `burst (${late[4]})`);
    assert.ok(Math.abs((late[29] as number) - 2520) <= 20, `paced (${late[29]})`);
  });

  test("many more fires due at once than `maxConcurrentFires`: all are made every minute, never more at once than allowed", async () => {
    // Fires waiting for a slot once waited on the set of fires in flight, which holds the waiting ones too: with
    // more waiters than slots they waited on each other for ever and the backlog (and memory) grew every minute.
    const h = harness();
    for (let i = 0; i < 40; i++) h.rows.push(entity(`c${i}`, { cronExpression: "* * * * *", fixedRateValue: 0 }));
    let running = 0;
    let peak = 0;
    const s = new NativeScheduler({
      ...h.deps({ maxConcurrentFires: 4 }),
      fire: async (): Promise<FireOutcome> => {
        peak = Math.max(peak, ++running);
        await h.clock.sleep(20);
        running--;
        return "created";
      },
    });
    s.start();
    for (let minute = 1; minute <= 30; minute++) {
      await h.clock.runUntil(T0 + minute * MIN + 30_000);
      assert.equal(h.fires.length, 40 * minute, `all fires of minute ${minute} made within it`);
    }
    await h.clock.drive(s.stop());
    assert.equal(peak, 4);
    assert.equal(new Set(h.fires.map((f) => `${f.schedule}@${f.scheduledMs}`)).size, h.fires.length);
  });
});
