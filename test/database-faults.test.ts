/**
 * The database failing under a running server, as an operator sees it.
 *
 * PostgreSQL: a cluster of its own (durable commits) is stopped for 5 s while
 * 8 clients create executions: calls fail fast with UNAVAILABLE, the server
 * stays up, the pool recovers by itself within seconds of the database
 * returning, and every acknowledged execution reads back. (The server used
 * to die here: pg emits 'error' on a connection the database cut, and an
 * 'error' event nobody listens to ends a Node process; clients then saw
 * UNAVAILABLE from the dead port until a restart.)
 *
 * SQLite: a database locked by another process, a read-only file system and
 * a full disk each answer with a clear status (UNAVAILABLE or
 * RESOURCE_EXHAUSTED, never INTERNAL), the server keeps serving reads, writes
 * work again once the cause is gone, and `PRAGMA integrity_check` is clean.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import SQLite from "better-sqlite3";
import { pyflyteRunRequest, registerHello } from "./fixtures/executions.js";
import { intLiteral } from "./fixtures/types.js";
import { launchPlanId } from "./fixtures/workflows.js";
import { findPgBinDir, type PgCluster, startPgCluster } from "./support/postgres.js";
import { ensureProjects } from "./support/registration.js";
import { startTestServer, type TestServer } from "./support/server.js";

const PROJECT = "flytesnacks";
const DOMAIN = "development";
const TARGET = launchPlanId("wf.hello.hello_wf", "v1");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  readonly at: number;
  readonly ms: number;
  readonly code: number;
  readonly name?: string;
  readonly message?: string;
}

async function createOne(srv: TestServer, t0: number): Promise<Outcome> {
  const started = Date.now();
  try {
    const r = await srv.admin.createExecution(pyflyteRunRequest(TARGET, { times: intLiteral(1) }));
    return { at: started - t0, ms: Date.now() - started, code: 0, name: r.id?.name };
  } catch (e) {
    const err = e as { code: number; details?: string };
    return { at: started - t0, ms: Date.now() - started, code: err.code, message: err.details };
  }
}

/** `n` clients creating executions back to back until `until()` is true. */
async function writers(srv: TestServer, n: number, t0: number, until: () => boolean): Promise<Outcome[]> {
  const out: Outcome[] = [];
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (!until()) {
        out.push(await createOne(srv, t0));
        await sleep(10);
      }
    }),
  );
  return out;
}

async function assertAllReadBack(srv: TestServer, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const got = await srv.admin.getExecution({ id: { project: PROJECT, domain: DOMAIN, name } });
    assert.equal(got.id?.name, name);
  }
  const listed = new Set<string>();
  let token = "";
  do {
    const page = await srv.admin.listExecutions({ id: { project: PROJECT, domain: DOMAIN }, limit: 500, token });
    for (const e of page.executions) listed.add(e.id?.name ?? "");
    token = page.token;
  } while (token);
  const missing = names.filter((n) => !listed.has(n));
  assert.deepEqual(missing, [], "acknowledged executions missing from ListExecutions");
}

describe("PostgreSQL stopped and started again while 8 clients create executions", {
  skip: (!findPgBinDir() || process.env.FLYTEADMIN_TEST_SKIP_PG === "1") && "PostgreSQL not installed or skipped",
}, () => {
  let cluster: PgCluster | undefined;
  let srv: TestServer | undefined;
  before(async () => {
    cluster = await startPgCluster({ durable: true });
    const url = new URL(cluster.url);
    srv = await startTestServer("sqlite", {
      database: {
        postgres: { host: url.hostname, port: Number(url.port), dbname: "postgres" },
        maxOpenConnections: 10,
      },
    });
    assert.equal(srv.server.database.dialect, "postgres");
    await ensureProjects(srv, PROJECT);
    await registerHello(srv.admin, "v1");
  });
  after(async () => {
    await srv?.close();
    cluster?.stop();
  });

  test("fails fast with UNAVAILABLE while down, recovers within seconds, loses no acknowledged write", async () => {
    const s = srv as TestServer;
    const c = cluster as PgCluster;
    const t0 = Date.now();
    let stopAt = Number.POSITIVE_INFINITY;
    let haltedAt = 0;
    let resumedAt = 0;
    const running = writers(s, 8, t0, () => Date.now() - t0 > stopAt);
    await sleep(1500);
    haltedAt = Date.now() - t0;
    c.halt("immediate");
    await sleep(5000);
    c.resume();
    resumedAt = Date.now() - t0;
    stopAt = resumedAt + 8000;
    const outcomes = await running;

    const before = outcomes.filter((o) => o.at < haltedAt - 200);
    const down = outcomes.filter((o) => o.at > haltedAt + 500 && o.at + o.ms < resumedAt - 500);
    const failedCodes = new Set(outcomes.filter((o) => o.code !== 0).map((o) => o.code));
    assert.ok(before.length > 0 && before.every((o) => o.code === 0), "writes succeed before the stop");
    assert.ok(down.length > 0, "calls were made while the database was down");
    assert.ok(
      down.every((o) => o.code === 14),
      `every call while down is UNAVAILABLE: ${JSON.stringify(down.find((o) => o.code !== 14))}`,
    );
    assert.deepEqual([...failedCodes], [14], "failures are UNAVAILABLE only");
    const slowest = Math.max(...down.map((o) => o.ms));
    assert.ok(slowest < 2000, `calls fail fast while down (slowest ${slowest} ms)`);

    const firstOk = outcomes.filter((o) => o.code === 0 && o.at >= resumedAt).sort((a, b) => a.at - b.at)[0];
    assert.ok(firstOk, "a write succeeds after the database is back");
    const recoveryMs = firstOk.at + firstOk.ms - resumedAt;
    assert.ok(recoveryMs < 5000, `recovered within 5 s (took ${recoveryMs} ms)`);
    const afterRecovery = outcomes.filter((o) => o.at > firstOk.at + 1000);
    assert.ok(afterRecovery.length > 0 && afterRecovery.every((o) => o.code === 0), "every later write succeeds");

    const acked = outcomes.flatMap((o) => (o.code === 0 && o.name ? [o.name] : []));
    await assertAllReadBack(s, acked);
    console.log(
      `postgres fault: ${outcomes.length} calls, ${acked.length} acknowledged and read back, ` +
        `${down.length} UNAVAILABLE while down (slowest ${slowest} ms), recovered ${recoveryMs} ms after restart`,
    );
  });
});

/** Whether this process may mount file systems (root in CI; skipped with the reason elsewhere). */
function canMount(): boolean {
  const dir = mkdtempSync(join(tmpdir(), "flyteadmin-mnt-"));
  const ok = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]).status === 0;
  if (ok) spawnSync("umount", [dir]);
  rmSync(dir, { recursive: true, force: true });
  return ok;
}

function mountOrThrow(args: string[]): void {
  const r = spawnSync("mount", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`mount ${args.join(" ")}: ${r.stderr}`);
}

function integrityCheck(file: string): string {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    return String(db.pragma("integrity_check", { simple: true }));
  } finally {
    db.close();
  }
}

/** Starts a SQLite server whose data dir (database and blobs) is `dir`. */
async function sqliteServerIn(dir: string): Promise<TestServer> {
  const srv = await startTestServer("sqlite", {
    database: { sqlite: { file: join(dir, "flyteadmin.db") } },
    storage: { local: { root: join(dir, "blobs") } },
  });
  await ensureProjects(srv, PROJECT);
  await registerHello(srv.admin, "v1");
  return srv;
}

describe("SQLite faults", () => {
  const mountable = canMount();
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) {
      spawnSync("umount", [d]);
      rmSync(d, { recursive: true, force: true });
    }
  });

  test("a database locked by another process: UNAVAILABLE after the busy timeout, the server answering meanwhile, then writes resume", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flyteadmin-locked-"));
    dirs.push(dir);
    const srv = await sqliteServerIn(dir);
    try {
      const first = await createOne(srv, Date.now());
      assert.equal(first.code, 0);
      const other = new SQLite(join(dir, "flyteadmin.db"));
      other.pragma("busy_timeout = 0");
      other.exec("BEGIN EXCLUSIVE");
      let blocked: Outcome;
      // The server keeps serving while it waits for the lock (better-sqlite3 is
      // synchronous: SQLite's own busy wait used to freeze it for 5 s per write).
      let last = Date.now();
      let stall = 0;
      const probe = setInterval(() => {
        stall = Math.max(stall, Date.now() - last - 20);
        last = Date.now();
      }, 20);
      try {
        const write = createOne(srv, Date.now());
        await sleep(500);
        const t0 = Date.now();
        await srv.admin.getVersion({});
        const versionMs = Date.now() - t0;
        blocked = await write;
        assert.ok(versionMs < 1000, `GetVersion answered in ${versionMs} ms while a write waited for the lock`);
        assert.ok(stall < 1000, `the event loop stalled ${stall} ms`);
      } finally {
        clearInterval(probe);
        other.exec("ROLLBACK");
        other.close();
      }
      assert.equal(blocked.code, 14, `locked: ${blocked.message}`);
      assert.match(blocked.message ?? "", /database busy/);
      const again = await createOne(srv, Date.now());
      assert.equal(again.code, 0, again.message);
      await assertAllReadBack(srv, [first.name as string, again.name as string]);
    } finally {
      await srv.close();
    }
    assert.equal(integrityCheck(join(dir, "flyteadmin.db")), "ok");
  });

  test("a database on a read-only file system: the server refuses to start and says why; the file is intact", {
    skip: !mountable && "cannot mount (needs root)",
  }, async () => {
    // A mount in use for writing cannot be remounted read-only (EBUSY), so
    // the database is written first and then served through a read-only bind mount.
    const dir = mkdtempSync(join(tmpdir(), "flyteadmin-ro-"));
    dirs.push(join(dir, "ro"));
    dirs.push(dir);
    mkdirSync(join(dir, "rw"));
    mkdirSync(join(dir, "ro"));
    const srv = await sqliteServerIn(join(dir, "rw"));
    const first = await createOne(srv, Date.now());
    assert.equal(first.code, 0);
    await srv.close();
    mountOrThrow(["--bind", join(dir, "rw"), join(dir, "ro")]);
    mountOrThrow(["-o", "remount,ro,bind", join(dir, "ro")]);
    await assert.rejects(sqliteServerIn(join(dir, "ro")), (err: Error) => {
      assert.match(err.message, /cannot open the SQLite database .*ro\/flyteadmin\.db/);
      assert.match(err.message, /read-only/);
      return true;
    });
    assert.equal(integrityCheck(join(dir, "rw", "flyteadmin.db")), "ok");
    const again = await sqliteServerIn(join(dir, "rw"));
    try {
      await assertAllReadBack(again, [first.name as string]);
    } finally {
      await again.close();
    }
  });

  test("a full disk: RESOURCE_EXHAUSTED (database or blob writes), no corruption, writes resume once space is freed", {
    skip: !mountable && "cannot mount (needs root)",
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "flyteadmin-full-"));
    dirs.push(dir);
    mountOrThrow(["-t", "tmpfs", "-o", "size=8m", "tmpfs", dir]);
    const srv = await sqliteServerIn(dir);
    const acked: string[] = [];
    try {
      mkdirSync(join(dir, "filler"));
      // Leave a little room, then fill it with registrations until the disk is full.
      const free = Number(spawnSync("df", ["--output=avail", "-B1", dir], { encoding: "utf8" }).stdout.split("\n")[1]);
      writeFileSync(join(dir, "filler", "f"), Buffer.alloc(Math.max(0, free - 256 * 1024)));
      const failures: { code: number; message: string }[] = [];
      for (let i = 0; i < 2000 && failures.length < 20; i++) {
        const o = await createOne(srv, Date.now());
        if (o.code === 0) acked.push(o.name as string);
        else failures.push({ code: o.code, message: o.message ?? "" });
      }
      assert.ok(failures.length > 0, "the disk filled up");
      for (const f of failures) {
        assert.equal(f.code, 8, `full disk answered ${f.code}: ${f.message}`);
        assert.match(f.message, /out of space/);
      }
      await assertAllReadBack(srv, acked);
      rmSync(join(dir, "filler"), { recursive: true });
      const again = await createOne(srv, Date.now());
      assert.equal(again.code, 0, again.message);
      acked.push(again.name as string);
      await assertAllReadBack(srv, acked);
      console.log(
        `full disk: ${acked.length} executions acknowledged, ${failures.length} refused (${[...new Set(failures.map((f) => f.code))]})`,
      );
    } finally {
      await srv.close();
    }
    assert.equal(integrityCheck(join(dir, "flyteadmin.db")), "ok");
  });
});
