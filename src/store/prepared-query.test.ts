import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Database } from "./database.js";
import { PreparedQuery, placeholders } from "./prepared-query.js";
import { openSqlite } from "./sqlite/sqlite-dialect.js";

let db: Database;
before(async () => {
  db = new Database(openSqlite(":memory:"));
  await db.migrate();
});
after(() => db.close());

test("a prepared query compiles once and binds each call's values by name", async () => {
  let builds = 0;
  const insert = new PreparedQuery((k, arg, first) => {
    builds++;
    return k.insertInto("projects").values(placeholders(arg, first) as never);
  });
  const byState = new PreparedQuery((k, arg) => {
    builds++;
    return k
      .selectFrom("projects")
      .select(["identifier", "labels"])
      .where("state", "=", arg<number>("state"))
      .orderBy("identifier");
  });
  for (const [id, state] of [
    ["a", 0],
    ["b", 1],
    ["c", 0],
  ] as const) {
    await insert.execute(db.kysely, {
      identifier: id,
      name: id,
      description: "",
      labels: null,
      state,
      created_at: 1,
      updated_at: 1,
    });
  }
  assert.deepEqual(await byState.execute(db.kysely, { state: 0 }), [
    { identifier: "a", labels: null },
    { identifier: "c", labels: null },
  ]);
  assert.deepEqual(await byState.first(db.kysely, { state: 1 }), { identifier: "b", labels: null });
  assert.equal(await byState.first(db.kysely, { state: 7 }), undefined);
  assert.equal(builds, 2, "each query was built once");
  await db.transaction(async (trx) => assert.equal((await byState.execute(trx, { state: 0 })).length, 2));
  await assert.rejects(byState.execute(db.kysely, {}), /prepared query: no value for state/);
});
