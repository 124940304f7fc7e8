/**
 * Rows written as arrays (PostgreSQL: one statement for a group's event
 * writes): every value comes back as it went in, whatever characters it
 * holds, and nulls stay null.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { nowMicros } from "../src/common/time.js";
import { insertRows, updateRowsById } from "../src/store/postgres/array-writes.js";
import { describeEachDatabaseStore } from "./support/database.js";

// Text an array literal must escape: quotes, backslashes, commas, braces, NULL as a word, empty and non-ASCII.
const AWKWARD = ['a"b', "c\\d", "e,f", "{g}", "NULL", "", "ünï ☃", " spaced "];

describeEachDatabaseStore("rows written as arrays", (database) => {
  test("inserts and updates by id keep every value, and skip taken keys when asked", async (t) => {
    const db = database();
    if (db.dialect !== "postgres") return t.skip("PostgreSQL only: SQLite writes each row");
    const now = db.codec.time(nowMicros());
    const rows = AWKWARD.map((s, i) => ({
      project: "p",
      domain: "d",
      name: `array-${i}`,
      version: s,
      closure: db.codec.bytes(new Uint8Array([0, 92, 34, 44, 123, i])),
      digest: i % 2 === 0 ? null : db.codec.bytes(new Uint8Array([i])),
      type: s,
      short_description: s,
      created_at: now,
      updated_at: now,
    }));
    await db.transaction((trx) => insertRows(trx, db.kysely, "tasks", rows));
    const read = async () =>
      db.kysely
        .selectFrom("tasks")
        .select(["id", "name", "version", "closure", "digest", "type", "short_description"])
        .where("name", "like", "array-%")
        .orderBy("name")
        .execute();
    const stored = await read();
    assert.deepEqual(
      stored.map((r) => [r.version, r.type, r.short_description, [...r.closure], r.digest && [...r.digest]]),
      AWKWARD.map((s, i) => [s, s, s, [0, 92, 34, 44, 123, i], i % 2 === 0 ? null : [i]]),
    );

    // The same keys again, skipped; then an update of every row by id.
    await db.transaction((trx) => insertRows(trx, db.kysely, "tasks", rows, { skipTaken: true }));
    assert.equal((await read()).length, AWKWARD.length);
    await assert.rejects(db.transaction((trx) => insertRows(trx, db.kysely, "tasks", rows.slice(0, 1))));
    const updates = stored.map((r, i) => ({ id: r.id, type: `${AWKWARD.at(-1 - i)}!`, digest: null }));
    await db.transaction((trx) => updateRowsById(trx, db.kysely, "tasks", updates));
    assert.deepEqual(
      (await read()).map((r) => [r.version, r.type, r.digest]),
      stored.map((r, i) => [r.version, `${AWKWARD.at(-1 - i)}!`, null]),
    );
  });
});
