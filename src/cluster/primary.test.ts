import assert from "node:assert/strict";
import { test } from "node:test";
import { workerExecArgv } from "./primary.js";

test("workers get the larger young generation unless the operator gave one", () => {
  assert.deepEqual(workerExecArgv(["--enable-source-maps"]), ["--enable-source-maps", "--max-semi-space-size=64"]);
  assert.deepEqual(workerExecArgv(["--max-semi-space-size=16"]), ["--max-semi-space-size=16"]);
});
