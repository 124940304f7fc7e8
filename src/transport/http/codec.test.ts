import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ExecutionSpecSchema } from "../../proto/gen/flyteidl/admin/execution_pb.js";
import { TaskListSchema } from "../../proto/gen/flyteidl/admin/task_pb.js";
import { chooseMarshalers, decodeMessage, toGatewayJson } from "./codec.js";

test("marshaler choice follows grpc-gateway v2", () => {
  const cases: [string[] | undefined, string[] | undefined, string, string][] = [
    [undefined, undefined, "default", "default"],
    [["application/json"], undefined, "default", "json"],
    [["application/octet-stream"], ["application/json"], "json", "binary"],
    [undefined, ["application/octet-stream"], "binary", "binary"],
    [["application/json"], ["application/octet-stream"], "binary", "json"],
    [["application/json, text/plain, */*"], undefined, "default", "default"],
    [["text/html", "application/json"], undefined, "default", "json"],
    [undefined, ["application/json; charset=utf-8"], "json", "json"],
    [["*"], ["application/json"], "json", "default"],
  ];
  for (const [accept, ct, inbound, outbound] of cases) {
    assert.deepEqual(chooseMarshalers(accept, ct), { inbound, outbound }, JSON.stringify([accept, ct]));
  }
});

test("JSON emits unset messages as null, empty lists, zero scalars and enum names", () => {
  const list = create(TaskListSchema, { tasks: [{ id: { name: "t" } }] });
  const json = toGatewayJson(TaskListSchema, list, true) as Record<string, unknown>;
  assert.equal(json.token, "");
  const task = (json.tasks as Record<string, unknown>[])[0] as Record<string, unknown>;
  assert.equal(task.closure, null);
  assert.equal(task.short_description, "");
  const id = task.id as Record<string, unknown>;
  assert.equal(id.resource_type, "UNSPECIFIED");
  assert.equal(id.name, "t");
  const spec = toGatewayJson(ExecutionSpecSchema, create(ExecutionSpecSchema, {}), false) as Record<string, unknown>;
  assert.equal(spec.launchPlan, null);
  assert.equal(spec.interruptible, null, "wrapper fields are messages: null when unset");
  assert.ok(!("notifications" in spec) && !("disableAll" in spec), "unset oneof members are left out");
  assert.deepEqual(spec.tags, []);
});

test("decoding: empty bodies are empty messages; strict JSON refuses unknown fields", () => {
  assert.equal(decodeMessage("json", TaskListSchema, Buffer.alloc(0)).$typeName, "flyteidl.admin.TaskList");
  assert.throws(() => decodeMessage("json", TaskListSchema, Buffer.from('{"nope":1}')));
  assert.equal(
    decodeMessage("default", TaskListSchema, Buffer.from('{"nope":1,"token":"5"}')).$typeName,
    "flyteidl.admin.TaskList",
  );
});
