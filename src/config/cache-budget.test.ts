import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../test/support/temp-dir.js";
import { cacheBudget, DEFAULT_IMMUTABLE_CACHE_MB } from "./cache-budget.js";
import { loadConfig } from "./load.js";

const MiB = 1024 * 1024;

function budgetOf(yaml: string) {
  const file = join(tempDir("cfg-"), "c.yaml");
  writeFileSync(file, yaml);
  return cacheBudget(loadConfig({ files: [file] }).config);
}

test("without storage.cache the immutable caches share the default budget, half of it for closures", () => {
  const b = budgetOf("storage:\n  type: local\n");
  assert.equal(b.projects, (DEFAULT_IMMUTABLE_CACHE_MB / 64) * MiB);
  assert.equal(b.blobs, (DEFAULT_IMMUTABLE_CACHE_MB / 2) * MiB - b.projects);
  assert.equal(b.rows, (DEFAULT_IMMUTABLE_CACHE_MB / 8) * MiB);
  assert.equal(b.responses, (DEFAULT_IMMUTABLE_CACHE_MB / 16) * MiB);
  // Two row caches (tasks, workflows), four answer caches (tasks, workflows, launch plans, executions) and the
  // projects': the budget.
  assert.equal(b.blobs + 2 * b.rows + 4 * b.responses + b.projects, DEFAULT_IMMUTABLE_CACHE_MB * MiB);
});

test("FlyteAdmin's storage.cache.max_size_mbs sets the budget; the charts' 0 keeps the default", () => {
  const b = budgetOf("storage:\n  cache:\n    max_size_mbs: 16\n    target_gc_percent: 70\n");
  assert.equal(b.blobs, 8 * MiB - b.projects);
  assert.equal(b.rows, 2 * MiB);
  assert.deepEqual(budgetOf("storage:\n  cache:\n    max_size_mbs: 0\n    target_gc_percent: 70\n"), budgetOf(""));
});

test("a negative storage.cache.max_size_mbs is refused", () => {
  assert.throws(() => budgetOf("storage:\n  cache:\n    max_size_mbs: -1\n"), /max_size_mbs/);
});
