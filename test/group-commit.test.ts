/**
 * Group commit on a real database: concurrent units share transactions, each
 * gets its own answer, and one failing unit fails neither the others nor
 * loses their writes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { nowMicros } from "../src/common/time.js";
import type { Database } from "../src/store/database.js";
import { GroupCommit } from "../src/store/group-commit.js";
import { describeEachDatabaseStore } from "./support/database.js";

function insertProject(db: Database, id: string) {
  return async (trx: Parameters<Parameters<Database["transaction"]>[0]>[0]) => {
    const now = db.codec.time(nowMicros());
    await trx
      .insertInto("projects")
      .values({
        identifier: id,
        name: id,
        description: "",
        labels: null,
        state: 0,
        created_at: now,
        updated_at: now,
      } as never)
      .execute();
    return id;
  };
}

async function projectIds(db: Database, prefix: string): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom("projects")
    .select("identifier")
    .where("identifier", "like", `${prefix}%`)
    .execute();
  return rows.map((r) => r.identifier).sort();
}

describeEachDatabaseStore("group commit", (db) => {
  test("concurrent units share transactions and each gets its own answer", async () => {
    let transactions = 0;
    const groups = new GroupCommit(db(), {
      groups: 1,
      groupSize: 8,
      single: (unit) => {
        transactions++;
        return db().transaction(unit);
      },
    });
    const ids = Array.from({ length: 20 }, (_, i) => `gc-a-${String(i).padStart(2, "0")}`);
    const answers = await Promise.all(ids.map((id) => groups.run(id, insertProject(db(), id))));
    assert.deepEqual(answers, ids);
    assert.deepEqual(await projectIds(db(), "gc-a-"), ids);
    // Units arriving together go in groups of at most 8: none runs in a transaction of its own.
    assert.equal(transactions, 0);
  });

  test("a failing unit fails alone: the rest of its group is committed and answered", async () => {
    const groups = new GroupCommit(db(), { groups: 1, groupSize: 16, single: (unit) => db().transaction(unit) });
    const ids = Array.from({ length: 10 }, (_, i) => `gc-b-${i}`);
    const results = await Promise.allSettled([
      ...ids.map((id) => groups.run(id, insertProject(db(), id))),
      // A duplicate key (a SQL error) and a refusal thrown by the unit itself.
      groups.run("gc-b-3", insertProject(db(), "gc-b-3")),
      groups.run("gc-b-x", async () => {
        throw new Error("refused");
      }),
    ]);
    const rejected = results.filter((r) => r.status === "rejected");
    assert.equal(rejected.length, 2);
    assert.match(String((rejected[1] as PromiseRejectedResult).reason), /refused/);
    assert.deepEqual(await projectIds(db(), "gc-b-"), [...ids].sort());
  });
});
