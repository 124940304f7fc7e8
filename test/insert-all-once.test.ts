/** Registration inserts on both databases: a task and its description row are written together or not at all. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { nowMicros } from "../src/common/time.js";
import type { Database } from "../src/store/database.js";
import { insertAllOnce, type RowInsert } from "../src/store/repositories/versioned-entities.js";
import { describeEachDatabaseStore } from "./support/database.js";

function task(db: Database, version: string, type = "python-task"): RowInsert {
  const now = db.codec.time(nowMicros());
  const bytes = db.codec.bytes(new Uint8Array([1]));
  return {
    table: "tasks",
    row: {
      project: "p",
      domain: "d",
      name: "t",
      version,
      closure: bytes,
      digest: bytes,
      type,
      short_description: "",
      created_at: now,
      updated_at: now,
    },
  };
}

function description(db: Database, version: string, link: string | undefined = ""): RowInsert {
  const now = db.codec.time(nowMicros());
  return {
    table: "description_entities",
    row: {
      resource_type: 1,
      project: "p",
      domain: "d",
      name: "t",
      version,
      short_description: "short",
      long_description: db.codec.bytes(new Uint8Array()),
      link,
      created_at: now,
      updated_at: now,
    },
  };
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

  test("each call writes its own values, and a column left undefined takes its default", async () => {
    const db = database();
    for (const [version, type] of [
      ["v3", "spark"],
      ["v4", "container"],
      ["v5", "raw"],
    ] as const)
      assert.equal(await insertAllOnce(db, [task(db, version, type), description(db, version, `l-${version}`)]), true);
    const rows = await db.kysely
      .selectFrom("tasks")
      .innerJoin("description_entities", (j) => j.onRef("description_entities.version", "=", "tasks.version"))
      .select(["tasks.version", "tasks.type", "description_entities.link"])
      .where("tasks.version", "in", ["v3", "v4", "v5"])
      .orderBy("tasks.version")
      .execute();
    assert.deepEqual(rows, [
      { version: "v3", type: "spark", link: "l-v3" },
      { version: "v4", type: "container", link: "l-v4" },
      { version: "v5", type: "raw", link: "l-v5" },
    ]);
    assert.equal(await insertAllOnce(db, [task(db, "v6"), description(db, "v6", undefined)]), true);
    const v6 = await db.kysely.selectFrom("description_entities").select("link").where("version", "=", "v6").execute();
    assert.deepEqual(v6, [{ link: "" }]);
  });

  test("an empty list writes nothing and succeeds", async () => {
    assert.equal(await insertAllOnce(database(), []), true);
  });
});
