import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { pino } from "pino";
import { AdminError, Code, detail } from "../errors/admin-error.js";
import { Metrics } from "../observability/metrics.js";
import { InactiveProjectSchema } from "../proto/gen/flyteidl/admin/project_pb.js";
import { AdminService } from "../proto/gen/flyteidl/service/admin_pb.js";
import type { Handler } from "../services/types.js";
import { CallPipeline, newCallContext, requestIdFrom } from "./pipeline.js";

type AnyHandler = Handler<never, never>;

function pipelineWith(handlers: Record<string, AnyHandler>): CallPipeline {
  return new CallPipeline({
    services: [AdminService],
    handlers: new Map([[AdminService.typeName, handlers as never]]),
    logger: pino({ level: "silent" }),
    metrics: new Metrics(),
  });
}

const ctx = () => newCallContext("grpc", new Map());
const getVersion = AdminService.method.getVersion;
const request = () => create(getVersion.input, {});

test("a method without a handler is UNIMPLEMENTED and names the method", async () => {
  const r = await pipelineWith({}).call(getVersion, request(), ctx());
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.status.code, Code.UNIMPLEMENTED);
    assert.match(r.status.message, /flyteidl\.service\.AdminService\/GetVersion/);
  }
});

test("an unexpected exception is INTERNAL, never UNKNOWN", async () => {
  const r = await pipelineWith({
    getVersion: () => {
      throw new TypeError("boom");
    },
  }).call(getVersion, request(), ctx());
  assert.ok(!r.ok && r.status.code === Code.INTERNAL && /boom/.test(r.status.message));
});

test("AdminErrors keep their code, message and details", async () => {
  const d = detail(InactiveProjectSchema, create(InactiveProjectSchema, { id: "p" }));
  const r = await pipelineWith({
    getVersion: () => {
      throw new AdminError(Code.INVALID_ARGUMENT, "project [p] is not active", [d]);
    },
  }).call(getVersion, request(), ctx());
  assert.ok(!r.ok);
  if (!r.ok) {
    assert.equal(r.status.code, Code.INVALID_ARGUMENT);
    assert.equal(r.status.message, "project [p] is not active");
    assert.equal(r.status.details[0]?.typeUrl, "type.googleapis.com/flyteidl.admin.InactiveProject");
  }
});

test("messages over 32000 bytes are cut there and lose their details, as FlyteAdmin does", async () => {
  const d = detail(InactiveProjectSchema, create(InactiveProjectSchema, { id: "p" }));
  const r = await pipelineWith({
    getVersion: () => {
      throw new AdminError(Code.INVALID_ARGUMENT, "é".repeat(20000), [d]);
    },
  }).call(getVersion, request(), ctx());
  assert.ok(!r.ok);
  if (!r.ok) {
    assert.ok(Buffer.byteLength(r.status.message) <= 32000);
    assert.ok(Buffer.byteLength(r.status.message) >= 31999);
    assert.ok(!r.status.message.includes("\uFFFD"), "never cut inside a character");
    assert.equal(r.status.details.length, 0);
  }
});

test("handlers may return an init shape; the pipeline completes the message", async () => {
  const r = await pipelineWith({ getVersion: () => ({}) as never }).call(getVersion, request(), ctx());
  assert.ok(r.ok && r.response.$typeName === "flyteidl.admin.GetVersionResponse");
});

test("request ids come from x-request-id or are generated as FlyteAdmin does", () => {
  assert.equal(requestIdFrom(new Map([["x-request-id", ["abc"]]])), "abc");
  assert.match(requestIdFrom(new Map()), /^a-[a-z0-9]{20}$/);
});
