/** GetExecutionData (executions.md §2.6) over gRPC and HTTP on every database. */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code } from "../src/errors/codes.js";
import { LiteralMapBlobSchema } from "../src/proto/gen/flyteidl/admin/execution_pb.js";
import { LiteralMapSchema } from "../src/proto/gen/flyteidl/core/literals_pb.js";
import { closureBytes, closureOf } from "../src/store/repositories/execution-mapper.js";
import { ExecutionRepository } from "../src/store/repositories/execution-repository.js";
import { DOMAIN, PROJECT } from "./fixtures/tasks.js";
import { intLiteral, stringLiteral } from "./fixtures/types.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { seedExecution } from "./support/executions.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

const JSON_HEADERS = { "Content-Type": "application/json", Accept: "application/json" };
const idOf = (name: string) => ({ project: PROJECT, domain: DOMAIN, name });

async function run(s: TestServer, name: string): Promise<void> {
  await seedExecution(s, name, { inputs: { times: intLiteral(3), name: stringLiteral("world") } });
}

/** Records outputs as the event path would: a URI in the closure (written to the store) or inline data. */
async function setOutputs(s: TestServer, name: string, how: "uri" | "inline"): Promise<string> {
  const db = s.server.database;
  const repo = new ExecutionRepository(db);
  const outputs = create(LiteralMapSchema, { literals: { o0: stringLiteral("hello world") } });
  const row = await repo.get({ project: PROJECT, domain: DOMAIN, name });
  assert.ok(row);
  const closure = closureOf(row);
  const uri = row.inputs_uri.replace(/inputs$/, "outputs.pb");
  if (how === "uri") {
    writeFileSync(fileURLToPath(uri), toBinary(LiteralMapSchema, outputs));
    closure.outputResult = {
      case: "outputs",
      value: create(LiteralMapBlobSchema, { data: { case: "uri", value: uri } }),
    };
  } else {
    closure.outputResult = { case: "outputData", value: outputs };
  }
  await repo.update(db.kysely, row.id, { closure: closureBytes(closure, db.codec), phase: "SUCCEEDED" });
  return uri;
}

describeEachDatabase("GetExecutionData", (srv) => {
  test("inputs inline (merged, defaults included), outputs from a URI or inline; URL blobs empty when unsigned", async () => {
    const s = srv();
    await run(s, "data-1");
    let data = await s.admin.getExecutionData({ id: idOf("data-1") });
    assert.deepEqual(Object.keys(data.fullInputs?.literals ?? {}).sort(), ["name", "times"]);
    assert.equal(data.inputs?.url, "");
    assert.deepEqual(data.fullOutputs?.literals, {});
    await setOutputs(s, "data-1", "uri");
    data = await s.admin.getExecutionData({ id: idOf("data-1") });
    assert.deepEqual(data.fullOutputs?.literals.o0, stringLiteral("hello world"));
    await setOutputs(s, "data-1", "inline");
    data = await s.admin.getExecutionData({ id: idOf("data-1") });
    assert.deepEqual(data.fullOutputs?.literals.o0, stringLiteral("hello world"));
    const res = await s.http(`/api/v1/data/executions/${PROJECT}/${DOMAIN}/data-1`, { headers: JSON_HEADERS });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { full_inputs: { literals: Record<string, unknown> }; inputs: { url: string } };
    assert.deepEqual(Object.keys(body.full_inputs.literals).sort(), ["name", "times"]);
    assert.equal(body.inputs.url, "");
  });

  test("errors: the id is validated; an unknown execution is NOT_FOUND", async () => {
    const s = srv();
    await rejectsWith(s.admin.getExecutionData({}), Code.INVALID_ARGUMENT, "missing id");
    await rejectsWith(
      s.admin.getExecutionData({ id: idOf("nope") }),
      Code.NOT_FOUND,
      /^missing entity of type execution/,
    );
    const res = await s.http(`/api/v1/data/executions/${PROJECT}/${DOMAIN}/nope`, { headers: JSON_HEADERS });
    await httpError(res, 404, Code.NOT_FOUND, /^missing entity of type execution/);
  });
});

describeEachDatabase(
  "GetExecutionData with signed URLs",
  (srv) => {
    test("URL blobs are signed store URLs with the object's size; above maxSizeInBytes nothing is inlined", async () => {
      const s = srv();
      await run(s, "signed-1");
      await setOutputs(s, "signed-1", "uri");
      const data = await s.admin.getExecutionData({ id: idOf("signed-1") });
      assert.ok(data.inputs?.url.startsWith("http"), data.inputs?.url);
      assert.ok(Number(data.inputs?.bytes) > 10);
      assert.deepEqual(data.fullInputs?.literals, {}, "bigger than maxSizeInBytes: not inlined");
      assert.deepEqual(data.fullOutputs?.literals, {});
      const fetched = await fetch(data.inputs?.url ?? "");
      assert.equal(fetched.status, 200);
      const inputs = fromBinary(LiteralMapSchema, new Uint8Array(await fetched.arrayBuffer()));
      assert.deepEqual(inputs.literals.times, intLiteral(3));
      assert.ok(data.outputs?.url.startsWith("http"));
    });
  },
  { remoteData: { scheme: "aws", maxSizeInBytes: 10, signedUrls: { enabled: true, durationMinutes: 5 } } },
);
