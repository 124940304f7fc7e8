import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AdminError, Code } from "../../errors/admin-error.js";
import { ExecutionErrorSchema } from "../../proto/gen/flyteidl/core/execution_pb.js";
import { LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { checkOutputSize, literalMapSize, planOutput } from "./output-result.js";

const data = create(LiteralMapSchema, {
  literals: {
    a: {
      value: {
        case: "scalar",
        value: { value: { case: "primitive", value: { value: { case: "stringValue", value: "hello" } } } },
      },
    },
  },
});

test("output plans per result and policy", () => {
  const none = { case: undefined };
  const uri = { case: "outputUri" as const, value: "s3://x" };
  const err = { case: "error" as const, value: create(ExecutionErrorSchema, { code: "c" }) };
  const inline = { case: "outputData" as const, value: data };
  for (const policy of ["Offload", "StoreInline"] as const) {
    assert.deepEqual(planOutput(none, policy), { kind: "keep" });
    assert.deepEqual(planOutput(uri, policy), { kind: "store", result: uri });
    assert.deepEqual(planOutput(err, policy), { kind: "store", result: err });
  }
  assert.deepEqual(planOutput(inline, "Offload"), { kind: "offload", data });
  assert.deepEqual(planOutput(inline, "StoreInline"), { kind: "store", result: inline });
});

test("inline output data is limited to maxSizeInBytes", () => {
  const size = literalMapSize(data);
  checkOutputSize({ case: "outputData", value: data }, size);
  checkOutputSize({ case: "outputUri", value: "x" }, 0);
  assert.throws(
    () => checkOutputSize({ case: "outputData", value: data }, size - 1),
    (e: unknown) =>
      e instanceof AdminError &&
      e.code === Code.RESOURCE_EXHAUSTED &&
      e.message === `Output data size exceeds platform configured threshold (${size} > ${size - 1})`,
  );
});
