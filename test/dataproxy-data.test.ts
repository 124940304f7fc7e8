/** DataProxyService CreateDownloadLink and GetData (transport-auth.md §4.4), on every database. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { toBinary } from "@bufbuild/protobuf";
import { Code } from "../src/errors/codes.js";
import { NodeExecution_Phase as N, TaskExecution_Phase as T } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { LiteralMapSchema } from "../src/proto/gen/flyteidl/core/literals_pb.js";
import { ArtifactType } from "../src/proto/gen/flyteidl/service/dataproxy_pb.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { type ExecId, eventExecution, ints, nodeIdText, taskRef, tick } from "./support/propeller.js";
import { describeEachDatabase, type TestServer } from "./support/server.js";

const intOf = (l: unknown): bigint | undefined => {
  const v = (l as { value?: { case?: string; value?: { value?: { value?: { value?: { value?: unknown } } } } } })
    ?.value;
  return v?.case === "scalar" ? (v.value?.value?.value?.value?.value as bigint) : undefined;
};

let counter = 0;

/** An execution whose node n0 has inputs {a:1} and outputs {o:2}, a deck, and a task attempt 1 with outputs {t:3}. */
async function scenario(srv: TestServer): Promise<{ id: ExecId; deckRef: string }> {
  const id = await eventExecution(srv, `dp${++counter}`);
  const blobs = srv.server.blobs;
  const inRef = blobs.ref("test", id.name, "inputs.pb");
  const outRef = blobs.ref("test", id.name, "outputs.pb");
  const deckRef = blobs.ref("test", id.name, "deck.html");
  await blobs.write(inRef, toBinary(LiteralMapSchema, ints({ a: 1 })));
  await blobs.write(outRef, toBinary(LiteralMapSchema, ints({ o: 2 })));
  await blobs.write(deckRef, Buffer.from("<html>deck</html>"));
  const nodeId = { executionId: id, nodeId: "n0" };
  await srv.admin.createNodeEvent({
    event: { id: nodeId, phase: N.RUNNING, occurredAt: tick(), inputValue: { case: "inputUri", value: inRef } },
  });
  for (const retryAttempt of [0, 1]) {
    await srv.admin.createTaskEvent({
      event: {
        taskId: taskRef(),
        parentNodeExecutionId: nodeId,
        retryAttempt,
        phase: T.SUCCEEDED,
        occurredAt: tick(),
        outputResult: { case: "outputData", value: ints({ t: 3 + retryAttempt }) },
      },
    });
  }
  await srv.admin.createNodeEvent({
    event: {
      id: nodeId,
      phase: N.SUCCEEDED,
      occurredAt: tick(),
      outputResult: { case: "outputUri", value: outRef },
      deckUri: deckRef,
    },
  });
  return { id, deckRef };
}

describeEachDatabase("dataproxy execution data", (srv) => {
  test("GetData resolves node and task attempt URLs, whole maps and single literals", async () => {
    const { id } = await scenario(srv());
    const base = `flyte://v1/${id.project}/${id.domain}/${id.name}/n0`;
    const { dataProxy } = srv();
    const inputs = await dataProxy.getData({ flyteUrl: `${base}/i` });
    assert.equal(inputs.data.case, "literalMap");
    assert.equal(intOf(inputs.data.value?.literals.a), 1n);
    const one = await dataProxy.getData({ flyteUrl: `${base}/o/o` });
    assert.equal(one.data.case, "literal");
    assert.equal(intOf(one.data.value), 2n);
    const attempt = await dataProxy.getData({ flyteUrl: `${base}/1/o` });
    assert.equal(attempt.data.case, "literalMap");
    assert.equal(intOf(attempt.data.value?.literals.t), 4n, "retry attempt 1, not 0");
    const deck = await dataProxy.getData({ flyteUrl: `${base}/d` });
    assert.equal(deck.data.case, "preSignedUrls");
    const url = deck.data.value?.signedUrl[0] as string;
    assert.equal(await (await fetch(url)).text(), "<html>deck</html>");
  });

  test("GetData refusals", async () => {
    const { id } = await scenario(srv());
    const base = `flyte://v1/${id.project}/${id.domain}/${id.name}/n0`;
    const { dataProxy } = srv();
    await rejectsWith(
      dataProxy.getData({ flyteUrl: "" }),
      Code.INVALID_ARGUMENT,
      "failed to validate resolve artifact request. Error: source is required. Provided empty string",
    );
    await rejectsWith(
      dataProxy.getData({ flyteUrl: "s3://b/k" }),
      Code.INVALID_ARGUMENT,
      "failed to validate resolve artifact request. Error: request does not start with the correct prefix",
    );
    await rejectsWith(
      dataProxy.getData({ flyteUrl: `${base}/q` }),
      Code.INVALID_ARGUMENT,
      `failed to parse artifact url Error: failed to parse [${base}/q]`,
    );
    await rejectsWith(
      dataProxy.getData({ flyteUrl: `${base}/o/nope` }),
      Code.INVALID_ARGUMENT,
      `name [nope] not found in node execution [${nodeIdText(id, "n0")}]`,
    );
    await rejectsWith(
      dataProxy.getData({ flyteUrl: `${base}/1/o/nope` }),
      Code.INVALID_ARGUMENT,
      /^name \[nope\] not found in task execution \[task_id:\{resource_type:TASK project:"flytesnacks"/,
    );
    await rejectsWith(
      dataProxy.getData({ flyteUrl: `${base}/7/o` }),
      Code.INVALID_ARGUMENT,
      `no task executions were listed [node_execution_id:{${nodeIdText(id, "n0")}} retry_attempt:7]. Error: <nil>`,
    );
    await rejectsWith(
      dataProxy.getData({ flyteUrl: `${base}/1/d` }),
      Code.INVALID_ARGUMENT,
      "deck type cannot be specified with a retry attempt, just use the node instead",
    );
    await rejectsWith(
      dataProxy.getData({ flyteUrl: `flyte://v1/${id.project}/${id.domain}/${id.name}/zz/i` }),
      Code.NOT_FOUND,
      `missing entity of type node execution with identifier ${nodeIdText(id, "zz")}`,
    );
  });

  test("CreateDownloadLink signs the deck URL of a node", async () => {
    const { id } = await scenario(srv());
    const source = { case: "nodeExecutionId" as const, value: { executionId: id, nodeId: "n0" } };
    const link = await srv().dataProxy.createDownloadLink({
      artifactType: ArtifactType.DECK,
      source,
      expiresIn: { seconds: 60n },
    });
    assert.equal(link.signedUrl.length, 1);
    assert.deepEqual(link.preSignedUrls?.signedUrl, link.signedUrl);
    assert.deepEqual(link.preSignedUrls?.expiresAt, link.expiresAt);
    const inAMinute = Date.now() / 1000 + 60;
    assert.ok(Math.abs(Number(link.expiresAt?.seconds) - inAMinute) < 5);
    assert.equal(await (await fetch(link.signedUrl[0] as string)).text(), "<html>deck</html>");
    const res = await srv().http("/api/v1/dataproxy/artifact_link", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        artifact_type: "ARTIFACT_TYPE_DECK",
        node_execution_id: { execution_id: id, node_id: "n0" },
      }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { pre_signed_urls: { signed_url: string[] } };
    assert.equal(body.pre_signed_urls.signed_url.length, 1);
  });

  test("CreateDownloadLink refusals", async () => {
    const { id, deckRef } = await scenario(srv());
    const source = { case: "nodeExecutionId" as const, value: { executionId: id, nodeId: "n0" } };
    const { dataProxy } = srv();
    await rejectsWith(
      dataProxy.createDownloadLink({ artifactType: ArtifactType.DECK, source, expiresIn: { seconds: 7200n } }),
      Code.INVALID_ARGUMENT,
      "error while validating request. Error: expiresIn is invalid. Error: input duration [2h0m0s] cannot exceed max allowed expiration [1h0m0s]",
    );
    await rejectsWith(
      dataProxy.createDownloadLink({ source }),
      Code.INVALID_ARGUMENT,
      "error while validating request. Error: invalid artifact type [ARTIFACT_TYPE_UNDEFINED]",
    );
    await rejectsWith(
      dataProxy.createDownloadLink({ artifactType: ArtifactType.DECK }),
      Code.INVALID_ARGUMENT,
      "error while validating request. Error: source is required. Provided nil",
    );
    await rejectsWith(
      dataProxy.createDownloadLink({
        artifactType: ArtifactType.DECK,
        source: { case: "nodeExecutionId", value: { executionId: id, nodeId: "zz" } },
      }),
      Code.INVALID_ARGUMENT,
      `failed to find node execution [${nodeIdText(id, "zz")}]. Error: missing entity of type node execution with identifier ${nodeIdText(id, "zz")}`,
    );
    await srv().admin.createNodeEvent({
      event: { id: { executionId: id, nodeId: "plain" }, phase: N.SUCCEEDED, occurredAt: tick() },
    });
    await rejectsWith(
      dataProxy.createDownloadLink({
        artifactType: ArtifactType.DECK,
        source: { case: "nodeExecutionId", value: { executionId: id, nodeId: "plain" } },
      }),
      Code.NOT_FOUND,
      /^no deckUrl found for request \[artifact_type:ARTIFACT_TYPE_DECK expires_in:\{seconds:3600\} node_execution_id:\{node_id:"plain"/,
    );
    await srv().admin.createNodeEvent({
      event: {
        id: { executionId: id, nodeId: "gone" },
        phase: N.SUCCEEDED,
        occurredAt: tick(),
        deckUri: `${deckRef}.missing`,
      },
    });
    await rejectsWith(
      dataProxy.createDownloadLink({
        artifactType: ArtifactType.DECK,
        source: { case: "nodeExecutionId", value: { executionId: id, nodeId: "gone" } },
      }),
      Code.NOT_FOUND,
      "object not found",
    );
    const res = await srv().http(`/api/v1/data?flyte_url=${encodeURIComponent("flyte://v1/x")}`, {
      headers: { Accept: "application/json" },
    });
    await httpError(
      res,
      400,
      Code.INVALID_ARGUMENT,
      "failed to parse artifact url Error: failed to parse [flyte://v1/x]",
    );
  });
});
