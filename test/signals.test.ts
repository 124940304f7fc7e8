/** SignalService (transport-auth.md §4.5) over gRPC and HTTP, on every database. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "../src/errors/codes.js";
import { SimpleType } from "../src/proto/gen/flyteidl/core/types_pb.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { describeEachDatabase } from "./support/server.js";

const exec = { project: "flytesnacks", domain: "development", name: "sig1" };
const boolType = { type: { case: "simple" as const, value: SimpleType.BOOLEAN } };
const intType = { type: { case: "simple" as const, value: SimpleType.INTEGER } };
const bool = (v: boolean) => ({
  value: {
    case: "scalar" as const,
    value: { value: { case: "primitive" as const, value: { value: { case: "boolean" as const, value: v } } } },
  },
});
const str = (v: string) => ({
  value: {
    case: "scalar" as const,
    value: { value: { case: "primitive" as const, value: { value: { case: "stringValue" as const, value: v } } } },
  },
});

describeEachDatabase("signals", (srv) => {
  test("GetOrCreateSignal creates once and returns the same signal after", async () => {
    const { signals } = srv();
    const first = await signals.getOrCreateSignal({ id: { executionId: exec, signalId: "approve" }, type: boolType });
    assert.equal(first.id?.signalId, "approve");
    assert.equal(first.type?.type.case, "simple");
    assert.equal(first.value, undefined);
    const again = await signals.getOrCreateSignal({ id: { executionId: exec, signalId: "approve" }, type: boolType });
    assert.deepEqual(again.id, first.id);
    const concurrent = await Promise.all(
      Array.from({ length: 8 }, () =>
        signals.getOrCreateSignal({ id: { executionId: exec, signalId: "race" }, type: intType }),
      ),
    );
    assert.equal(new Set(concurrent.map((s) => s.id?.signalId)).size, 1);
    await rejectsWith(
      signals.getOrCreateSignal({ id: { executionId: exec, signalId: "approve" }, type: intType }),
      Code.ALREADY_EXISTS,
      /^value with matching already exists \(signal \[\{\{flytesnacks development sig1\} approve\}\] exists with type \[simple:BOOLEAN\]\)$/,
    );
  });

  test("validation", async () => {
    const { signals } = srv();
    const cases: [Parameters<typeof signals.getOrCreateSignal>[0], string][] = [
      [{ type: boolType }, "missing id"],
      [{ id: { signalId: "s" }, type: boolType }, "missing execution_id"],
      [{ id: { executionId: exec }, type: boolType }, "missing signal_id"],
      [{ id: { executionId: { ...exec, project: "" }, signalId: "s" }, type: boolType }, "missing project"],
      [{ id: { executionId: exec, signalId: "s" } }, "missing type"],
    ];
    for (const [req, message] of cases)
      await rejectsWith(signals.getOrCreateSignal(req), Code.INVALID_ARGUMENT, message);
    await rejectsWith(signals.setSignal({ value: bool(true) }), Code.INVALID_ARGUMENT, "missing id");
    await rejectsWith(
      signals.setSignal({ id: { executionId: exec, signalId: "x" } }),
      Code.INVALID_ARGUMENT,
      "missing value",
    );
    await rejectsWith(signals.listSignals({ limit: 1 }), Code.INVALID_ARGUMENT, "missing execution_id");
    await rejectsWith(
      signals.listSignals({ workflowExecutionId: exec }),
      Code.INVALID_ARGUMENT,
      "invalid value for limit",
    );
    await rejectsWith(
      signals.listSignals({ workflowExecutionId: exec, limit: 1, token: "t" }),
      Code.INVALID_ARGUMENT,
      "invalid pagination token t for ListSignals",
    );
  });

  test("SetSignal: the signal must exist and the value's type must be castable", async () => {
    const { signals } = srv();
    const id = { executionId: exec, signalId: "gate" };
    await rejectsWith(
      signals.setSignal({ id, value: bool(true) }),
      Code.INVALID_ARGUMENT,
      "failed to validate that signal [{{flytesnacks development sig1} gate}] exists, err: [signal does not exist]",
    );
    await signals.getOrCreateSignal({ id, type: boolType });
    await rejectsWith(
      signals.setSignal({ id, value: str("yes") }),
      Code.INVALID_ARGUMENT,
      'requested signal value [scalar:{primitive:{string_value:"yes"}}] is not castable to existing signal type [simple:BOOLEAN]',
    );
    await rejectsWith(
      signals.setSignal({ id, value: { value: { case: "collection", value: { literals: [{}] } } } }),
      Code.INVALID_ARGUMENT,
      /^Failed to validate literal type for \[\] with err: got unknown literal type: \[<nil>\]/,
    );
    await signals.setSignal({ id, value: bool(true) });
    const got = await signals.getOrCreateSignal({ id, type: boolType });
    assert.equal(got.value?.value.case, "scalar");
    await signals.setSignal({ id, value: bool(false) });
  });

  test("ListSignals: one execution's signals, filters, paging, and over HTTP", async () => {
    const { signals } = srv();
    const other = { ...exec, name: "sig-list" };
    for (const s of ["a", "b", "c"])
      await signals.getOrCreateSignal({ id: { executionId: other, signalId: s }, type: boolType });
    await signals.getOrCreateSignal({
      id: { executionId: { ...other, name: "elsewhere" }, signalId: "z" },
      type: boolType,
    });
    const page = await signals.listSignals({
      workflowExecutionId: other,
      limit: 2,
      sortBy: { key: "signal_id", direction: 1 },
    });
    assert.deepEqual(
      page.signals.map((s) => s.id?.signalId),
      ["a", "b"],
    );
    assert.equal(page.token, "2");
    const rest = await signals.listSignals({
      workflowExecutionId: other,
      limit: 2,
      token: "2",
      sortBy: { key: "signal_id", direction: 1 },
    });
    assert.deepEqual(
      rest.signals.map((s) => s.id?.signalId),
      ["c"],
    );
    const one = await signals.listSignals({ workflowExecutionId: other, limit: 5, filters: "eq(signal_id,b)" });
    assert.deepEqual(
      one.signals.map((s) => s.id?.signalId),
      ["b"],
    );

    const res = await srv().http(`/api/v1/signals/${other.project}/${other.domain}/${other.name}?limit=10`, {
      headers: { Accept: "application/json" },
    });
    const body = (await res.json()) as { signals: { id: { signal_id: string } }[] };
    assert.equal(body.signals.length, 3);
    const set = await srv().http("/api/v1/signals", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        id: { execution_id: other, signal_id: "a" },
        value: { scalar: { primitive: { boolean: true } } },
      }),
    });
    assert.equal(set.status, 200);
    const bad = await srv().http("/api/v1/signals", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        id: { execution_id: other, signal_id: "nope" },
        value: { scalar: { primitive: { boolean: true } } },
      }),
    });
    await httpError(bad, 400, Code.INVALID_ARGUMENT, /^failed to validate that signal/);
  });
});
