import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { type ArrayNode, ArrayNodeSchema } from "../../proto/gen/flyteidl/core/workflow_pb.js";
import {
  ArrayPlanError,
  arrayParallelism,
  arraySize,
  arrayVerdict,
  minSuccesses,
  subNodeInputs,
} from "./array-plan.js";
import { int, list, lmap, str } from "./test-literals.js";

const node = (init: Parameters<typeof create<typeof ArrayNodeSchema>>[1] = {}): ArrayNode =>
  create(ArrayNodeSchema, init);

test("the size is the common length of the unbound lists", () => {
  assert.equal(arraySize(lmap({ xs: list(int(1), int(2), int(3)), y: int(1) }), []), 3);
  assert.equal(arraySize(lmap({ xs: list(int(1)), ys: list(str("a")) }), []), 1);
  assert.equal(arraySize(lmap({ xs: list(int(1), int(2)), bound: list(int(1)) }), ["bound"]), 2);
  assert.equal(arraySize(lmap({ a: int(1) }), ["a"]), 1);
  assert.throws(
    () => arraySize(lmap({ xs: list(int(1)), ys: list() }), []),
    (e: unknown) =>
      e instanceof ArrayPlanError &&
      e.code === "InvalidArrayLength" &&
      e.message === "input arrays have different lengths: expecting '1' found '0'",
  );
  assert.throws(() => arraySize(lmap({ y: int(1) }), []), /no input array provided/);
});

test("a sub-node gets element i of each unbound list and everything else whole", () => {
  const inputs = lmap({ xs: list(int(10), int(20)), bound: list(int(7)), y: str("k") });
  const sub = subNodeInputs(inputs, 1, ["bound"]);
  assert.deepEqual(Object.keys(sub.literals).sort(), ["bound", "xs", "y"]);
  assert.equal(sub.literals.xs?.value.case, "scalar");
  assert.equal(sub.literals.bound?.value.case, "collection");
  assert.throws(() => subNodeInputs(inputs, 2, ["bound"]), /out of bounds/);
});

test("parallelism: explicit, 0 = all, unset = what max_parallelism allows", () => {
  assert.equal(arrayParallelism(node({ parallelismOption: { case: "parallelism", value: 4 } }), 10, 25), 4);
  assert.equal(arrayParallelism(node({ parallelismOption: { case: "parallelism", value: 40 } }), 10, 25), 10);
  assert.equal(arrayParallelism(node({ parallelismOption: { case: "parallelism", value: 0 } }), 10, 2), 10);
  assert.equal(arrayParallelism(node(), 10, 3), 3);
  assert.equal(arrayParallelism(node(), 10, 0), 10);
  assert.equal(arrayParallelism(node(), 0, 0), 1);
});

test("required successes and the verdict", () => {
  assert.equal(minSuccesses(node(), 10), 10);
  assert.equal(minSuccesses(node({ successCriteria: { case: "minSuccesses", value: 3 } }), 10), 3);
  assert.equal(minSuccesses(node({ successCriteria: { case: "minSuccessRatio", value: 0.75 } }), 10), 8);
  assert.equal(arrayVerdict({ size: 10, succeeded: 8, failed: 2 }, 8), "succeeding");
  assert.equal(arrayVerdict({ size: 10, succeeded: 5, failed: 3 }, 8), "failing");
  assert.equal(arrayVerdict({ size: 10, succeeded: 7, failed: 2 }, 8), "running");
  assert.equal(arrayVerdict({ size: 10, succeeded: 9, failed: 0 }, 8), "running");
});
