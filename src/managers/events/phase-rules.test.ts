import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  NodeExecution_Phase as N,
  TaskExecution_Phase as T,
  WorkflowExecution_Phase as W,
} from "../../proto/gen/flyteidl/core/execution_pb.js";
import {
  clusterAccepts,
  type EventDecision,
  nodeEventDecision,
  reassignsCluster,
  taskEventDecision,
  workflowEventDecision,
} from "./phase-rules.js";

/** One letter per decision, so the expectations below read as a grid. */
const LETTER: Record<EventDecision["kind"], string> = {
  accept: "A",
  duplicate: "D",
  terminal: "T",
  "cluster-mismatch": "M",
  backwards: "B",
  aborting: "X",
};

const WORKFLOW_PHASES = [
  W.UNDEFINED,
  W.QUEUED,
  W.RUNNING,
  W.SUCCEEDING,
  W.SUCCEEDED,
  W.FAILING,
  W.FAILED,
  W.ABORTED,
  W.TIMED_OUT,
  W.ABORTING,
];

// Rows: stored phase; columns: event phase, both in the order of WORKFLOW_PHASES
// (UNDEFINED QUEUED RUNNING SUCCEEDING SUCCEEDED FAILING FAILED ABORTED TIMED_OUT ABORTING).
const WORKFLOW_GRID: Record<string, string> = {
  UNDEFINED: "DAAAAAAAAA",
  QUEUED: "AAAAAAAAAA",
  RUNNING: "ABDAAAAAAA",
  SUCCEEDING: "AAADAAAAAA",
  SUCCEEDED: "TTTTDTTTTT",
  FAILING: "AAAAADAAAA",
  FAILED: "TTTTTTDTTT",
  ABORTED: "TTTTTTTDTT",
  TIMED_OUT: "TTTTTTTTDT",
  ABORTING: "XXXXAXAAAD",
};

// The same with an event from another cluster: everything but QUEUED (and duplicates) is refused first.
const WORKFLOW_OTHER_CLUSTER_GRID: Record<string, string> = {
  UNDEFINED: "DAMMMMMMMM",
  QUEUED: "MAMMMMMMMM",
  RUNNING: "MBDMMMMMMM",
  SUCCEEDING: "MAMDMMMMMM",
  SUCCEEDED: "MTMMDMMMMM",
  FAILING: "MAMMMDMMMM",
  FAILED: "MTMMMMDMMM",
  ABORTED: "MTMMMMMDMM",
  TIMED_OUT: "MTMMMMMMDM",
  ABORTING: "MXMMMMMMMD",
};

describe("workflowEventDecision", () => {
  for (const stored of WORKFLOW_PHASES) {
    test(`from ${W[stored]}`, () => {
      const same = WORKFLOW_PHASES.map((ev) => LETTER[workflowEventDecision(stored, ev, "c1", "c1").kind]).join("");
      assert.equal(same, WORKFLOW_GRID[W[stored]], "same cluster");
      const none = WORKFLOW_PHASES.map((ev) => LETTER[workflowEventDecision(stored, ev, "c1", "").kind]).join("");
      assert.equal(none, WORKFLOW_GRID[W[stored]], "empty producer");
      const dflt = WORKFLOW_PHASES.map((ev) => LETTER[workflowEventDecision(stored, ev, "c1", "propeller").kind]).join(
        "",
      );
      assert.equal(dflt, WORKFLOW_GRID[W[stored]], "default producer");
      const other = WORKFLOW_PHASES.map((ev) => LETTER[workflowEventDecision(stored, ev, "c1", "c2").kind]).join("");
      assert.equal(other, WORKFLOW_OTHER_CLUSTER_GRID[W[stored]], "other cluster");
    });
  }
});

const NODE_PHASES = [
  N.UNDEFINED,
  N.QUEUED,
  N.RUNNING,
  N.SUCCEEDED,
  N.FAILING,
  N.FAILED,
  N.ABORTED,
  N.SKIPPED,
  N.TIMED_OUT,
  N.DYNAMIC_RUNNING,
  N.RECOVERED,
];

// UNDEFINED QUEUED RUNNING SUCCEEDED FAILING FAILED ABORTED SKIPPED TIMED_OUT DYNAMIC_RUNNING RECOVERED
const NODE_GRID: Record<string, string> = {
  UNDEFINED: "DAAAAAAAAAA",
  QUEUED: "ADAAAAAAAAA",
  RUNNING: "AADAAAAAAAA",
  SUCCEEDED: "TTTDTTTTTTT",
  FAILING: "AAAADAAAAAA",
  FAILED: "TTTTTDTTTTT",
  ABORTED: "TTTTTTDTTTT",
  SKIPPED: "TTTTTTTDTTT",
  TIMED_OUT: "TTTTTTTTDTT",
  DYNAMIC_RUNNING: "AAAAAAAAADA",
  RECOVERED: "TTTTTTTTTTD",
};

describe("nodeEventDecision", () => {
  for (const stored of NODE_PHASES) {
    test(`from ${N[stored]}`, () => {
      const got = NODE_PHASES.map((ev) => LETTER[nodeEventDecision(stored, ev, "c1", "c1").kind]).join("");
      assert.equal(got, NODE_GRID[N[stored]]);
      const other = NODE_PHASES.map((ev) => LETTER[nodeEventDecision(stored, ev, "c1", "c2").kind]).join("");
      assert.equal(other, "M".repeat(NODE_PHASES.length), "every node event is checked against the cluster");
    });
  }
  test("a first event creates the node in any phase, unless from another cluster", () => {
    for (const ev of NODE_PHASES) {
      assert.equal(nodeEventDecision(undefined, ev, "", "").kind, "accept");
      assert.equal(nodeEventDecision(undefined, ev, "c1", "propeller").kind, "accept");
      assert.equal(nodeEventDecision(undefined, ev, "c1", "c2").kind, "cluster-mismatch");
    }
  });
});

const TASK_PHASES = [
  T.UNDEFINED,
  T.QUEUED,
  T.RUNNING,
  T.SUCCEEDED,
  T.ABORTED,
  T.FAILED,
  T.INITIALIZING,
  T.WAITING_FOR_RESOURCES,
  T.RETRYABLE_FAILED,
];

// UNDEFINED QUEUED RUNNING SUCCEEDED ABORTED FAILED INITIALIZING WAITING_FOR_RESOURCES RETRYABLE_FAILED,
// stored at version 1 and events at version 1 (a duplicate when the phase repeats).
const TASK_GRID: Record<string, string> = {
  UNDEFINED: "DAAAAAAAA",
  QUEUED: "ADAAAAAAA",
  RUNNING: "AADAAAAAA",
  SUCCEEDED: "TTTDTTTTT",
  ABORTED: "TTTTDTTTT",
  FAILED: "TTTTTDTTT",
  INITIALIZING: "AAAAAADAA",
  WAITING_FOR_RESOURCES: "AAAAAAADA",
  RETRYABLE_FAILED: "AAAAAAAAD",
};

describe("taskEventDecision", () => {
  for (const stored of TASK_PHASES) {
    test(`from ${T[stored]}`, () => {
      const at = (version: number) =>
        TASK_PHASES.map(
          (ev) => LETTER[taskEventDecision({ phase: stored, version: 1 }, { phase: ev, version }, "", "").kind],
        ).join("");
      assert.equal(at(1), TASK_GRID[T[stored]], "same version");
      assert.equal(at(0), TASK_GRID[T[stored]], "lower version of the same phase is a duplicate too");
      // A higher version of the same phase is an update, unless the attempt is terminal.
      const higher = TASK_GRID[T[stored]]?.replace(
        "D",
        T[stored] === "SUCCEEDED" || T[stored] === "FAILED" || T[stored] === "ABORTED" ? "T" : "A",
      );
      assert.equal(at(2), higher, "higher version");
      const other = TASK_PHASES.map(
        (ev) => LETTER[taskEventDecision({ phase: stored, version: 0 }, { phase: ev, version: 0 }, "c1", "c2").kind],
      ).join("");
      assert.equal(other, "M".repeat(TASK_PHASES.length));
    });
  }
  test("a new attempt is created in any phase", () => {
    for (const ev of TASK_PHASES)
      assert.equal(taskEventDecision(undefined, { phase: ev, version: 3 }, "", "").kind, "accept");
  });
});

describe("clusters", () => {
  test("empty and default producers are accepted anywhere", () => {
    assert.ok(clusterAccepts("c1", ""));
    assert.ok(clusterAccepts("c1", "propeller"));
    assert.ok(clusterAccepts("", ""));
    assert.ok(clusterAccepts("c1", "c1"));
    assert.ok(!clusterAccepts("c1", "c2"));
    assert.ok(!clusterAccepts("", "c2"), "an execution recorded without a cluster refuses a named producer");
  });
  test("only UNDEFINED and QUEUED workflow events from a named producer reassign the cluster", () => {
    for (const ev of WORKFLOW_PHASES) {
      const expected = ev === W.UNDEFINED || ev === W.QUEUED;
      assert.equal(reassignsCluster(ev, "c2"), expected, W[ev]);
      assert.equal(reassignsCluster(ev, ""), false);
      assert.equal(reassignsCluster(ev, "propeller"), false);
    }
  });
});
