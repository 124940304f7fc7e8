/** Registration inserts on both databases: a task and its description row are written together or not at all. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { nowMicros } from "../src/common/time.js";
import type { Database } from "../src/store/database.js";
import { type InsertStatement, insertAllOnce } from "../src/store/repositories/versioned-entities.js";
import { describeEachDatabaseStore } from "./support/database.js";

function task(db: Database, version: string): InsertStatement {
  const now = db.codec.time(nowMicros());
  const bytes = db.codec.bytes(new Uint8Array([1]));
  return (q) =>
    q.insertInto("tasks").values({
      project: "p",
      domain: "d",
      name: "t",
      version,
      closure: bytes,
      digest: bytes,
      type: "python-task",
      short_description: "",
      created_at: now,
      updated_at: now,
    });
}

function description(db: Database, version: string): InsertStatement {
  const now = db.codec.time(nowMicros());
  return (q) =>
    q.insertInto("description_entities").values({
      resource_type: 1,
      project: "p",
      domain: "d",
      name: "t",
      version,
      short_description: "short",
      long_description: db.codec.bytes(new Uint8Array()),
      link: "",
      created_at: now,
      updated_at: now,
    });
}

const count = async (db: Database, table: "tasks" | "description_entities", version: string) =>
  (await db.kysely.selectFrom(table).select("id").where("version", "=", version).execute()).length;

describeEachDatabaseStore("insertAllOnce", (database) => {
  test("writes every row, and reports a taken key by writing none of them", async () => {
    const db = database();
    assert.equal(await insertAllOnce(db, [task(db, "v1"), description(db, "v1")]), true);
    assert.equal(await count(db, "tasks", "v1"), 1);
    assert.equal(await count(db, "description_entities", "v1"), 1);

    // The description's key is free, the task's is taken: neither row is written.
    await db.kysely.deleteFrom("description_entities").where("version", "=", "v1").execute();
    assert.equal(await insertAllOnce(db, [task(db, "v1"), description(db, "v1")]), false);
    assert.equal(await count(db, "description_entities", "v1"), 0);

    // The task's key is free, the description's is taken (the last statement fails): no task row either.
    await insertAllOnce(db, [description(db, "v2")]);
    assert.equal(await insertAllOnce(db, [task(db, "v2"), description(db, "v2")]), false);
    assert.equal(await count(db, "tasks", "v2"), 0);
    assert.equal(await count(db, "description_entities", "v2"), 1);
  });

  test("an empty list writes nothing and succeeds", async () => {
    assert.equal(await insertAllOnce(database(), []), true);
  });
});
