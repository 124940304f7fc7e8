/** The executions repository on both databases: create, get, locking read-modify-write, list joins, concurrency guard. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { nowMicros } from "../src/common/time.js";
import { AdminError, Code } from "../src/errors/admin-error.js";
import {
  ExecutionClosureSchema,
  ExecutionSpecSchema,
  ExecutionStateChangeDetailsSchema,
} from "../src/proto/gen/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import type { Database } from "../src/store/database.js";
import { parseFilters } from "../src/store/list/filters.js";
import {
  closureBytes,
  closureOf,
  type ExecutionKey,
  executionFromRow,
  newExecutionColumns,
  tagRowsOf,
} from "../src/store/repositories/execution-mapper.js";
import { type ConcurrencyGuard, ExecutionRepository } from "../src/store/repositories/execution-repository.js";
import { describeEachDatabaseStore } from "./support/database.js";

async function insertLaunchPlan(db: Database, name: string, version: string): Promise<number> {
  const now = db.codec.time(nowMicros());
  const empty = db.codec.bytes(new Uint8Array());
  const row = await db.kysely
    .insertInto("launch_plans")
    .values({
      project: "p",
      domain: "d",
      name,
      version,
      spec: empty,
      workflow_id: 1,
      closure: empty,
      state: 0,
      digest: empty,
      schedule_type: "NONE",
      launch_condition_type: null,
      created_at: now,
      updated_at: now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

function columns(
  db: Database,
  key: ExecutionKey,
  extra: { launchPlanId?: number; labels?: Record<string, string> } = {},
) {
  const now = nowMicros();
  const spec = create(ExecutionSpecSchema, {
    labels: extra.labels ? { values: extra.labels } : undefined,
    tags: ["t1", "t1"],
  });
  const closure = create(ExecutionClosureSchema, {
    stateChangeDetails: create(ExecutionStateChangeDetailsSchema, { principal: "me" }),
  });
  return {
    row: newExecutionColumns(
      {
        key,
        spec,
        closure,
        launchPlanId: extra.launchPlanId,
        workflowId: 7,
        cluster: "",
        inputsUri: "",
        userInputsUri: "",
        principal: "me",
        launchEntity: "launch_plan",
        createdAt: now,
      },
      db.codec,
    ),
    tags: tagRowsOf(key, spec, now, db.codec),
  };
}

describeEachDatabaseStore("execution repository", (database) => {
  test("create, get by key and id, duplicate key is ALREADY_EXISTS and writes nothing", async () => {
    const db = database();
    const repo = new ExecutionRepository(db);
    const key = { project: "p", domain: "d", name: "e1" };
    const { row, tags } = columns(db, key, { labels: { a: "b" } });
    const id = await repo.create(row, tags);
    const got = await repo.get(key);
    assert.equal(got?.id, id);
    assert.equal((await repo.getById(id))?.execution_name, "e1");
    assert.deepEqual(await repo.tags(key), [
      { key: "a", value: "b" },
      { key: "t1", value: "" },
    ]);
    const again = columns(db, key, { labels: { c: "d" } });
    await assert.rejects(repo.create(again.row, again.tags), (e: unknown) => {
      assert.ok(e instanceof AdminError);
      assert.equal(e.code, Code.ALREADY_EXISTS);
      assert.match(e.message, /^value with matching already exists \(/);
      return true;
    });
    assert.equal((await repo.tags(key)).length, 2, "the failed create left no tag rows");
    const ex = executionFromRow(got as NonNullable<typeof got>, db.codec);
    assert.equal(ex.id?.name, "e1");
    assert.equal(ex.closure?.stateChangeDetails?.principal, "me");
  });

  test("getForUpdate serialises concurrent read-modify-writes (no lost update)", async () => {
    const db = database();
    const repo = new ExecutionRepository(db);
    const key = { project: "p", domain: "d", name: "counter" };
    const { row } = columns(db, key);
    const id = await repo.create(row, []);
    const bump = () =>
      db.transaction(async (trx) => {
        const cur = await repo.getForUpdate(trx, key);
        assert.ok(cur);
        const closure = closureOf(cur);
        closure.phase = WorkflowExecution_Phase.RUNNING;
        await new Promise((r) => setTimeout(r, 2));
        await repo.update(trx, id, { closure: closureBytes(closure, db.codec), duration: Number(cur.duration) + 1 });
      });
    await Promise.all(Array.from({ length: 20 }, bump));
    assert.equal((await repo.get(key))?.duration, 20);
  });

  test("list joins launch plans only when a filter names them, and tag filters match the execution's own tags", async () => {
    const db = database();
    const repo = new ExecutionRepository(db);
    const lpA = await insertLaunchPlan(db, "lp-a", "v1");
    await repo.create(columns(db, { project: "p", domain: "d", name: "la1" }, { launchPlanId: lpA }).row, []);
    const tagged = columns(
      db,
      { project: "p", domain: "d", name: "la2" },
      { launchPlanId: lpA, labels: { team: "x" } },
    );
    await repo.create(tagged.row, tagged.tags);
    // A same-named execution elsewhere must not lend its tags (FlyteAdmin joins tags by name only).
    const other = columns(db, { project: "q", domain: "d", name: "la1" }, { labels: { team: "x" } });
    await repo.create(other.row, other.tags);
    const scope = "eq(execution_project,p)+eq(execution_domain,d)";
    const byLp = await repo.list({
      filters: parseFilters(`${scope}+eq(launch_plan.name,lp-a)`, "e"),
      sort: { column: "created_at", direction: "asc" },
      limit: 10,
      offset: 0,
    });
    assert.deepEqual(
      byLp.map((r) => r.execution_name),
      ["la1", "la2"],
    );
    const byTag = await repo.list({
      filters: parseFilters(`${scope}+eq(execution_tag.key,team)+eq(execution_tag.value,x)`, "e"),
      limit: 10,
      offset: 0,
    });
    assert.deepEqual(
      byTag.map((r) => r.execution_name),
      ["la2"],
    );
    const byAdminTag = await repo.list({
      filters: parseFilters(`${scope}+eq(admin_tag.name,t1)`, "e"),
      limit: 10,
      offset: 0,
    });
    assert.ok(byAdminTag.some((r) => r.execution_name === "la2"));
    assert.equal(new Set(byAdminTag.map((r) => r.id)).size, byAdminTag.length, "no duplicate rows");
  });

  test("the concurrency guard admits exactly max of many simultaneous creates", async () => {
    const db = database();
    const repo = new ExecutionRepository(db);
    const v1 = await insertLaunchPlan(db, "limited", "v1");
    const v2 = await insertLaunchPlan(db, "limited", "v2");
    const max = 3;
    const guard: ConcurrencyGuard = {
      launchPlan: { project: "p", domain: "d", name: "limited" },
      activePhases: ["UNDEFINED", "QUEUED", "RUNNING"],
      admit: (n) => {
        if (n >= max) throw AdminError.alreadyExists(`concurrency limit (${max}) reached`);
      },
    };
    const results = await Promise.allSettled(
      Array.from({ length: 25 }, (_, i) =>
        repo.create(
          columns(db, { project: "p", domain: "d", name: `c${i}` }, { launchPlanId: i % 2 ? v1 : v2 }).row,
          [],
          guard,
        ),
      ),
    );
    const failures = results
      .filter((r) => r.status === "rejected")
      .map((r) => String((r as PromiseRejectedResult).reason));
    assert.equal(results.filter((r) => r.status === "fulfilled").length, max, failures.slice(0, 2).join("; "));
    const done = await repo.get({
      project: "p",
      domain: "d",
      name: `c${results.findIndex((r) => r.status === "fulfilled")}`,
    });
    assert.ok(done);
    await repo.update(db.kysely, done.id, { phase: "SUCCEEDED" });
    const next = await repo.create(
      columns(db, { project: "p", domain: "d", name: "after" }, { launchPlanId: v1 }).row,
      [],
      guard,
    );
    assert.ok(next > 0, "a terminal execution frees its slot");
  });
});
