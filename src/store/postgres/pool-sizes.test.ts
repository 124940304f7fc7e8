import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { test } from "node:test";
import { poolSizes } from "./postgres-dialect.js";

test("reads get four connections per core, at most half; transactions the rest of maxOpenConnections", () => {
  const cores = availableParallelism();
  const big = poolSizes(1000);
  assert.deepEqual(big, { statements: 4 * cores, transactions: 1000 - 4 * cores });
  const small = poolSizes(6);
  assert.equal(small.statements, Math.min(4 * cores, 3));
  assert.equal(small.statements + small.transactions, 6);
});

test("a single connection is not split", () => {
  assert.deepEqual(poolSizes(1), { statements: 1, transactions: 0 });
  assert.deepEqual(poolSizes(2), { statements: 1, transactions: 1 });
});
