/** The README's method table is derived from the descriptors and the handler table; it must be current. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { methodTable, withTable } from "../scripts/method-table.js";

test("README.md lists every method with its current state", async () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const expected = withTable(readme, await methodTable());
  assert.ok(readme === expected, "README.md method table is stale: run `npx tsx scripts/method-table.ts --write`");
});
