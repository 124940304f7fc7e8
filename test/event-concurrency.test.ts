/**
 * About 200 events for one execution at once, on every database: many nodes
 * in parallel, each with racing duplicates, racing updates of the same task
 * attempt, and late events after the end. Every event must be either applied
 * or refused as FlytePropeller expects, and nothing an applied event wrote may
 * be lost to a concurrent one.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ServiceError } from "@grpc/grpc-js";
import {
  NodeExecution_Phase as N,
  TaskExecution_Phase as T,
  WorkflowExecution_Phase as W,
} from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { type EventErrorKind, eventExecution, taskRef, tick, wrapEventError } from "./support/propeller.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

const NODES = 14;
const BUMPS = 5;

type Outcome = { ok: true } | { ok: false; kind: EventErrorKind; detail?: string };

async function outcome(call: Promise<unknown>): Promise<Outcome> {
  try {
    await call;
    return { ok: true };
  } catch (e) {
    const w = wrapEventError(e as ServiceError);
    return { ok: false, kind: w.kind, detail: w.detail };
  }
}

describeEachDatabase("concurrent events on one execution", (srv) => {
  test("nothing lost, every rule held", async () => {
    const s: TestServer = srv();
    const id = await eventExecution(s, "concurrent");
    let sent = 0;
    const nodeEvent = (nodeId: string, phase: N, extra: Record<string, unknown> = {}) => {
      sent++;
      return outcome(
        s.admin.createNodeEvent({ event: { id: { executionId: id, nodeId }, phase, occurredAt: tick(), ...extra } }),
      );
    };
    const taskEvent = (nodeId: string, phase: T, phaseVersion: number, extra: Record<string, unknown> = {}) => {
      sent++;
      return outcome(
        s.admin.createTaskEvent({
          event: {
            taskId: taskRef(),
            parentNodeExecutionId: { executionId: id, nodeId },
            phase,
            phaseVersion,
            occurredAt: tick(),
            ...extra,
          },
        }),
      );
    };
    const workflowEvent = (phase: W) => {
      sent++;
      return outcome(s.admin.createWorkflowEvent({ event: { executionId: id, phase, occurredAt: tick() } }));
    };

    const one = (results: Outcome[], label: string) => {
      assert.equal(results.filter((r) => r.ok).length, 1, `${label}: exactly one applied`);
      for (const r of results) if (!r.ok) assert.equal(r.kind, "AlreadyExists", `${label}: the other is a duplicate`);
    };

    /** One node as propeller drives it, with the races a restart or a retry produces. */
    const driveNode = async (n: number) => {
      const nodeId = `n${n}`;
      assert.ok((await nodeEvent(nodeId, N.QUEUED)).ok);
      // Different phases at once (no ordering rule for nodes): both applied, both flags kept.
      const [running, dynamic] = await Promise.all([
        nodeEvent(nodeId, N.RUNNING, { isParent: true }),
        nodeEvent(nodeId, N.DYNAMIC_RUNNING, { isDynamic: true }),
      ]);
      assert.ok(running.ok && dynamic.ok, `${nodeId}: RUNNING and DYNAMIC_RUNNING both applied`);
      one(await Promise.all([nodeEvent(nodeId, N.FAILING), nodeEvent(nodeId, N.FAILING)]), `${nodeId} duplicate`);
      assert.ok((await taskEvent(nodeId, T.QUEUED, 0)).ok);
      // Version bumps of one attempt at once: every applied one keeps its log link and reason.
      const bumps = await Promise.all(
        Array.from({ length: BUMPS }, (_, v) =>
          taskEvent(nodeId, T.RUNNING, v + 1, {
            logs: [{ uri: `log://${nodeId}/${v + 1}`, name: `log ${v + 1}` }],
            reasons: [{ reason: `bump ${v + 1}`, occurredAt: tick() }],
          }),
        ),
      );
      for (const b of bumps)
        if (!b.ok) assert.equal(b.kind, "AlreadyExists", `${nodeId}: a lower version is a duplicate`);
      const done = await Promise.all([
        taskEvent(nodeId, T.SUCCEEDED, 0, { outputResult: { case: "outputUri", value: `s3://out/${nodeId}` } }),
        taskEvent(nodeId, T.SUCCEEDED, 0, { outputResult: { case: "outputUri", value: `s3://out/${nodeId}` } }),
      ]);
      one(done, `${nodeId} task SUCCEEDED`);
      assert.ok(
        (await nodeEvent(nodeId, N.SUCCEEDED, { outputResult: { case: "outputUri", value: `s3://out/${nodeId}` } })).ok,
      );
      const late = await Promise.all([
        nodeEvent(nodeId, N.RUNNING),
        taskEvent(nodeId, T.RUNNING, 9),
        nodeEvent(nodeId, N.SUCCEEDED),
        taskEvent(nodeId, T.FAILED, 0),
      ]);
      assert.deepEqual(
        late.map((r) => (r.ok ? "ok" : `${r.kind}:${r.detail ?? ""}`)),
        [
          "EventAlreadyInTerminalStateError:SUCCEEDED",
          "EventAlreadyInTerminalStateError:SUCCEEDED",
          "AlreadyExists:",
          "EventAlreadyInTerminalStateError:SUCCEEDED",
        ],
        `${nodeId}: late events`,
      );
      return bumps.map((b, v) => (b.ok ? v + 1 : 0)).filter((v) => v > 0);
    };

    const [wfRunning, wfDuplicate, ...applied] = await Promise.all([
      workflowEvent(W.RUNNING),
      workflowEvent(W.RUNNING),
      ...Array.from({ length: NODES }, (_, n) => driveNode(n)),
    ]);
    one([wfRunning as Outcome, wfDuplicate as Outcome], "workflow RUNNING");
    const [succeeding, succeeded] = await Promise.all([workflowEvent(W.SUCCEEDING), workflowEvent(W.SUCCEEDED)]);
    assert.ok(succeeded?.ok, "SUCCEEDED applied");
    // The two race: SUCCEEDING is applied when it gets there first, and refused once the execution is terminal.
    if (!succeeding?.ok) {
      assert.equal(`${succeeding?.kind}:${succeeding?.detail ?? ""}`, "EventAlreadyInTerminalStateError:SUCCEEDED");
    }
    const lateWf = await Promise.all([workflowEvent(W.RUNNING), workflowEvent(W.FAILED), workflowEvent(W.SUCCEEDED)]);
    const execution = await s.admin.getExecution({ id });
    assert.equal(W[execution.closure?.phase ?? 0], "SUCCEEDED");
    assert.deepEqual(
      lateWf.map((r) => (r.ok ? "ok" : `${r.kind}:${r.detail ?? ""}`)),
      ["EventAlreadyInTerminalStateError:SUCCEEDED", "EventAlreadyInTerminalStateError:SUCCEEDED", "AlreadyExists:"],
    );
    assert.ok(sent >= 200, `sent ${sent} events`);

    // Nothing lost.
    const list = await s.admin.listNodeExecutions({ workflowExecutionId: id, limit: 100 });
    assert.equal(list.nodeExecutions.length, NODES);
    for (const [n, versions] of (applied as number[][]).entries()) {
      const nodeId = `n${n}`;
      const ne = list.nodeExecutions.find((x) => x.id?.nodeId === nodeId);
      assert.equal(ne?.closure?.phase, N.SUCCEEDED, nodeId);
      assert.equal(ne?.metadata?.isParentNode, true, `${nodeId}: is_parent kept`);
      assert.equal(ne?.metadata?.isDynamic, true, `${nodeId}: is_dynamic kept`);
      const attempts = await s.admin.listTaskExecutions({ nodeExecutionId: { executionId: id, nodeId }, limit: 10 });
      assert.equal(attempts.taskExecutions.length, 1, `${nodeId}: one attempt`);
      const closure = attempts.taskExecutions[0]?.closure;
      assert.equal(closure?.phase, T.SUCCEEDED);
      assert.ok(versions.includes(BUMPS), `${nodeId}: the highest version is always applied`);
      const logs = new Set(closure?.logs.map((l) => l.uri));
      const reasons = new Set(closure?.reasons.map((r) => r.message));
      for (const v of versions) {
        assert.ok(logs.has(`log://${nodeId}/${v}`), `${nodeId}: log of applied version ${v} kept`);
        assert.ok(reasons.has(`bump ${v}`), `${nodeId}: reason of applied version ${v} kept`);
      }
      assert.equal(closure?.reasons.length, versions.length, `${nodeId}: only applied versions left reasons`);
    }
    const db = s.server.database.kysely;
    const logged = await db
      .selectFrom("node_execution_events")
      .select(["node_id", "phase"])
      .where("execution_name", "=", id.name)
      .execute();
    assert.equal(logged.length, NODES * 5, "QUEUED, RUNNING, DYNAMIC_RUNNING, FAILING, SUCCEEDED per node, once each");
  });
  test("events of several executions at once are each checked against their own rows", async () => {
    // On PostgreSQL a group of events reads (and locks) its rows in one statement per table.
    const s: TestServer = srv();
    const a = await eventExecution(s, "together-a");
    const b = await eventExecution(s, "together-b");
    const c = await eventExecution(s, "together-c", "cluster-1");
    const missing = { project: "flytesnacks", domain: "development", name: "together-none" };
    const node = (executionId: typeof a, nodeId: string, phase: N, extra: Record<string, unknown> = {}) =>
      outcome(s.admin.createNodeEvent({ event: { id: { executionId, nodeId }, phase, occurredAt: tick(), ...extra } }));
    const task = (executionId: typeof a, nodeId: string, phase: T, extra: Record<string, unknown> = {}) =>
      outcome(
        s.admin.createTaskEvent({
          event: {
            taskId: taskRef(),
            parentNodeExecutionId: { executionId, nodeId },
            phase,
            occurredAt: tick(),
            ...extra,
          },
        }),
      );
    /** The outcomes of events sent at once, as text. */
    const atOnce = async (calls: Promise<Outcome>[]) =>
      (await Promise.all(calls)).map((r) => (r.ok ? "ok" : `${r.kind}:${r.detail ?? ""}`));
    assert.deepEqual(
      await atOnce([
        node(a, "n0", N.QUEUED),
        node(missing, "n0", N.QUEUED),
        node(b, "n0", N.QUEUED),
        node(c, "n0", N.QUEUED, { producerId: "cluster-2" }),
        node(b, "n1", N.QUEUED),
        node(c, "n0", N.QUEUED, { producerId: "cluster-1" }),
      ]),
      ["ok", "ExecutionNotFound:", "ok", "EventIncompatibleClusterError:cluster-1", "ok", "ok"],
    );
    assert.deepEqual(
      await atOnce([
        task(b, "n1", T.QUEUED),
        task(a, "n9", T.QUEUED),
        task(missing, "n0", T.QUEUED),
        task(a, "n0", T.RUNNING),
        node(b, "n0", N.SUCCEEDED),
        task(b, "n0", T.QUEUED),
      ]),
      ["ok", "ExecutionNotFound:", "ExecutionNotFound:", "ok", "ok", "ok"],
    );
    const phases = async (id: typeof a) =>
      (await s.admin.listNodeExecutions({ workflowExecutionId: id, limit: 10 })).nodeExecutions
        .map((n) => `${n.id?.nodeId}:${N[n.closure?.phase ?? 0]}`)
        .sort();
    assert.deepEqual(await phases(a), ["n0:QUEUED"]);
    assert.deepEqual(await phases(b), ["n0:SUCCEEDED", "n1:QUEUED"]);
    assert.deepEqual(await phases(c), ["n0:QUEUED"]);
    const attempt = async (id: typeof a, nodeId: string) =>
      (
        await s.admin.listTaskExecutions({ nodeExecutionId: { executionId: id, nodeId }, limit: 10 })
      ).taskExecutions.map((t) => T[t.closure?.phase ?? 0]);
    assert.deepEqual(await attempt(a, "n0"), ["RUNNING"]);
    assert.deepEqual(await attempt(b, "n1"), ["QUEUED"]);
    assert.deepEqual(await attempt(b, "n0"), ["QUEUED"]);

    // Updates of many nodes at once: each lands on its own row.
    const d = await eventExecution(s, "together-d");
    const nodes = ["n0", "n1", "n2", "n3", "n4", "n5"];
    for (const n of nodes) assert.ok((await node(d, n, N.QUEUED)).ok);
    const next = [N.RUNNING, N.FAILED, N.SUCCEEDED, N.RUNNING, N.ABORTED, N.SUCCEEDED];
    assert.deepEqual(
      await atOnce(nodes.map((n, i) => node(d, n, next[i] as N))),
      nodes.map(() => "ok"),
    );
    assert.deepEqual(
      await phases(d),
      nodes.map((n, i) => `${n}:${N[next[i] as N]}`),
    );
  });
});
