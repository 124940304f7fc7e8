/**
 * The scheduler's storage on both databases: the snapshot table keeps one
 * row, and schedulable entities read back with their state and activation
 * time; on PostgreSQL, the leader lock (a session advisory lock on its own
 * connection) admits one holder and is lost with its session.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import { nowMicros } from "../src/common/time.js";
import { loadConfig } from "../src/config/load.js";
import { PostgresLeaderLock } from "../src/scheduler/leader-lock.js";
import { decodeSnapshot, encodeSnapshot } from "../src/scheduler/snapshot.js";
import {
  listSchedulableEntities,
  SchedulableEntityRepository,
} from "../src/store/repositories/schedulable-entity-repository.js";
import { ScheduleSnapshotRepository } from "../src/store/repositories/schedule-snapshot-repository.js";
import { describeEachDatabaseStore } from "./support/database.js";
import { createTestPgDatabase } from "./support/postgres.js";

describeEachDatabaseStore("scheduler storage", (db) => {
  test("the snapshot: none at first, then the newest only, one row kept", async () => {
    const repo = new ScheduleSnapshotRepository(db());
    assert.equal(await repo.read(), undefined);
    await repo.write(encodeSnapshot(new Map([["1", Date.parse("2026-01-01T00:00:00Z")]])));
    await repo.write(encodeSnapshot(new Map([["1", Date.parse("2026-01-01T00:01:00Z")]])));
    const read = await repo.read();
    assert.equal(decodeSnapshot(read as Uint8Array)?.get("1"), Date.parse("2026-01-01T00:01:00Z"));
    const rows = await db().kysely.selectFrom("schedule_entities_snapshots").select("id").execute();
    assert.equal(rows.length, 1);
    // A blob that is not ours (FlyteAdmin's gob) reads as no snapshot.
    assert.equal(decodeSnapshot(new Uint8Array([0x0e, 0xff, 0x83])), undefined);
  });

  test("schedulable entities read back with their state and last change", async () => {
    const before = nowMicros();
    const repo = new SchedulableEntityRepository(db().codec);
    const key = { project: "p", domain: "d", name: "lp", version: "v1" };
    await repo.activate(db().kysely, {
      ...key,
      cronExpression: "",
      fixedRateValue: 5,
      unit: 1,
      kickoffTimeInputArg: "t",
    });
    await repo.deactivate(db().kysely, key);
    const [row] = await listSchedulableEntities(db().kysely, db().codec);
    assert.deepEqual(
      { ...row, updatedAt: undefined },
      {
        ...key,
        cronExpression: "",
        fixedRateValue: 5,
        unit: 1,
        kickoffTimeInputArg: "t",
        active: false,
        updatedAt: undefined,
      },
    );
    assert.ok((row?.updatedAt ?? 0) >= before);
  });
});

test("the PostgreSQL leader lock admits one holder, is released on stop, and is lost with its session", {
  skip: process.env.FLYTEADMIN_TEST_PG_URL ? false : "PostgreSQL is not available",
}, async () => {
  const { config } = loadConfig({ overrides: { database: await createTestPgDatabase("lock") } });
  const a = PostgresLeaderLock.fromConfig(config.database);
  const b = PostgresLeaderLock.fromConfig(config.database);
  try {
    assert.equal(await a.tryAcquire(), true);
    assert.equal(await a.tryAcquire(), true, "re-entrant for its holder");
    assert.equal(await b.tryAcquire(), false);
    await a.release();
    assert.equal(await b.tryAcquire(), true);
    assert.equal(await a.tryAcquire(), false);
    // The holder's session dies (a network partition, a killed process): the lock goes with it.
    const admin = new pg.Client({ connectionString: process.env.FLYTEADMIN_TEST_PG_URL });
    await admin.connect();
    try {
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'flyteadmin-ts scheduler' AND datname = $1 AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)",
        [config.database.postgres.dbname],
      );
    } finally {
      await admin.end();
    }
    assert.equal(await b.held(), false);
    assert.equal(await a.tryAcquire(), true);
  } finally {
    await a.release();
    await b.release();
  }
});
