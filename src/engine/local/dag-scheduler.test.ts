import assert from "node:assert/strict";
import { test } from "node:test";
import { DagScheduler } from "./dag-scheduler.js";

const chain = () =>
  new DagScheduler(["start-node", "n0", "n1", "end-node"], { n0: ["start-node"], n1: ["n0"], "end-node": ["n1"] });

test("a chain starts one node after the other", () => {
  const dag = chain();
  assert.deepEqual(dag.initial(), { start: ["start-node"], skip: [] });
  dag.started("start-node");
  assert.deepEqual(dag.complete("start-node", "succeeded"), { start: ["n0"], skip: [] });
  dag.started("n0");
  assert.deepEqual(dag.complete("n0", "succeeded"), { start: ["n1"], skip: [] });
  dag.started("n1");
  assert.deepEqual(dag.complete("n1", "succeeded"), { start: ["end-node"], skip: [] });
  dag.started("end-node");
  assert.deepEqual(dag.complete("end-node", "succeeded"), { start: [], skip: [] });
  assert.equal(dag.done, true);
});

test("a join waits for every upstream node and starts in workflow order", () => {
  const dag = new DagScheduler(["start-node", "a", "b", "c", "end-node"], {
    a: ["start-node"],
    b: ["start-node"],
    c: ["a", "b"],
    "end-node": ["c"],
  });
  dag.started("start-node");
  assert.deepEqual(dag.complete("start-node", "succeeded").start, ["a", "b"]);
  dag.started("a");
  dag.started("b");
  assert.deepEqual(dag.complete("b", "succeeded").start, []);
  assert.deepEqual(dag.running(), ["a"]);
  assert.deepEqual(dag.complete("a", "succeeded").start, ["c"]);
});

test("nodes behind a failure, timeout or skip are skipped, transitively", () => {
  for (const outcome of ["failed", "timedOut", "skipped", "aborted"] as const) {
    const dag = chain();
    dag.started("start-node");
    dag.complete("start-node", "succeeded");
    dag.started("n0");
    assert.deepEqual(dag.complete("n0", outcome), { start: [], skip: ["n1", "end-node"] }, outcome);
    assert.equal(dag.done, true);
  }
});

test("a node with one failed and one succeeded upstream is skipped once both finished", () => {
  const dag = new DagScheduler(["start-node", "a", "b", "c"], { a: ["start-node"], b: ["start-node"], c: ["a", "b"] });
  dag.started("start-node");
  dag.complete("start-node", "succeeded");
  dag.started("a");
  dag.started("b");
  assert.deepEqual(dag.complete("a", "failed"), { start: [], skip: [] });
  assert.deepEqual(dag.complete("b", "succeeded"), { start: [], skip: ["c"] });
});

test("unknown and self upstream ids are ignored; misuse is refused", () => {
  const dag = new DagScheduler(["start-node", "a"], { a: ["start-node", "ghost", "a"] });
  dag.started("start-node");
  assert.deepEqual(dag.complete("start-node", "succeeded").start, ["a"]);
  assert.throws(() => dag.started("start-node"), /expected waiting/);
  assert.throws(() => dag.complete("start-node", "succeeded"), /already finished/);
});

test("a 1,000-wide fan-out releases every node at once", () => {
  const ids = Array.from({ length: 1000 }, (_, i) => `n${i}`);
  const upstream: Record<string, string[]> = { "end-node": ids };
  for (const id of ids) upstream[id] = ["start-node"];
  const dag = new DagScheduler(["start-node", ...ids, "end-node"], upstream);
  dag.started("start-node");
  const ready = dag.complete("start-node", "succeeded");
  assert.equal(ready.start.length, 1000);
  assert.equal(ready.start[999], "n999");
});
