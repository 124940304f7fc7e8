/**
 * Which replica fires schedules. On PostgreSQL every replica runs a
 * scheduler but only the holder of a session advisory lock fires: the lock
 * lives on a dedicated connection, is tried again while another replica holds
 * it, and is gone the moment that connection is (a crashed or partitioned
 * leader loses it with its session). On SQLite one process owns the database,
 * so it always leads.
 */
import pg from "pg";
import type { Config } from "../config/schema.js";
import { poolConfig } from "../store/postgres/postgres-dialect.js";

/** Leadership of the scheduler. */
export interface LeaderLock {
  /** Tries to become (or confirms being) the leader; false while someone else is. */
  tryAcquire(): Promise<boolean>;
  /** Whether leadership is still held (checked cheaply; a lost connection means no). */
  held(): Promise<boolean>;
  /** Gives leadership up. */
  release(): Promise<void>;
}

/**
 * The single-process lock of SQLite deployments: always the leader.
 *
 * @example
 * const lock: LeaderLock = new SoleLeader();
 */
export class SoleLeader implements LeaderLock {
  async tryAcquire(): Promise<boolean> {
    return true;
  }

  async held(): Promise<boolean> {
    return true;
  }

  async release(): Promise<void> {}
}

/** `pg_try_advisory_lock(SCHEDULER_LOCK_CLASS, SCHEDULER_LOCK_ID)`: "SC" 1, apart from the other advisory keys. */
const SCHEDULER_LOCK_CLASS = 0x5343;
const SCHEDULER_LOCK_ID = 1;

/**
 * A PostgreSQL session advisory lock on its own connection.
 *
 * @example
 * const lock = PostgresLeaderLock.fromConfig(config.database);
 * if (await lock.tryAcquire()) { ... fire ... }
 * await lock.release();
 */
export class PostgresLeaderLock implements LeaderLock {
  readonly #config: pg.ClientConfig;
  #client: pg.Client | undefined;
  #leading = false;

  constructor(config: pg.ClientConfig) {
    this.#config = config;
  }

  static fromConfig(settings: Config["database"], url?: string): PostgresLeaderLock {
    const { max: _max, idleTimeoutMillis: _idle, maxLifetimeSeconds: _life, ...client } = poolConfig(settings, url);
    return new PostgresLeaderLock({ ...client, application_name: "flyteadmin-ts scheduler" });
  }

  async tryAcquire(): Promise<boolean> {
    if (this.#leading && (await this.held())) return true;
    const client = await this.#connect();
    const res = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS locked", [
      SCHEDULER_LOCK_CLASS,
      SCHEDULER_LOCK_ID,
    ]);
    this.#leading = res.rows[0]?.locked === true;
    return this.#leading;
  }

  async held(): Promise<boolean> {
    if (!this.#leading || this.#client === undefined) return false;
    try {
      await this.#client.query("SELECT 1");
      return true;
    } catch {
      this.#drop();
      return false;
    }
  }

  async release(): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    try {
      if (this.#leading)
        await client.query("SELECT pg_advisory_unlock($1, $2)", [SCHEDULER_LOCK_CLASS, SCHEDULER_LOCK_ID]);
    } catch {
      // Closing the session releases the lock anyway.
    }
    this.#drop();
    await client.end().catch(() => undefined);
  }

  async #connect(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    const client = new pg.Client(this.#config);
    // A broken session has lost the lock; forget it and reconnect on the next try.
    client.on("error", () => this.#drop());
    client.on("end", () => this.#drop());
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.#client = client;
    return client;
  }

  #drop(): void {
    this.#leading = false;
    this.#client = undefined;
  }
}

/** The lock the configured database calls for. */
export function leaderLockFor(dialect: "sqlite" | "postgres", config: Config): LeaderLock {
  return dialect === "postgres" ? PostgresLeaderLock.fromConfig(config.database) : new SoleLeader();
}
