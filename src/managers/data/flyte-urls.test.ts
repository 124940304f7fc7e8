import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AdminError, Code } from "../../errors/admin-error.js";
import {
  NodeExecutionIdentifierSchema,
  TaskExecutionIdentifierSchema,
} from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { nodeFlyteUrls, parseFlyteUrl, taskFlyteUrls } from "./flyte-urls.js";

describe("parseFlyteUrl", () => {
  const ok: [string, Partial<ReturnType<typeof parseFlyteUrl>>][] = [
    [
      "flyte://v1/p/d/e/n/i",
      { project: "p", domain: "d", name: "e", nodeId: "n", attempt: undefined, ioType: "i", literalName: "" },
    ],
    ["flyte://v1/p/d/e/n/o", { ioType: "o" }],
    ["flyte://v1/p/d/e/n/d", { ioType: "d" }],
    ["flyte://v1/p/d/e/n/3/i", { nodeId: "n", attempt: 3, ioType: "i" }],
    ["flyte://v1/p/d/e/n/o/o0", { attempt: undefined, ioType: "o", literalName: "o0" }],
    ["flyte://v1/p/d/e/n/0/o/my_out-1", { attempt: 0, ioType: "o", literalName: "my_out-1" }],
    ["flyte://v1/p/d/e/n/o/3", { attempt: undefined, ioType: "o", literalName: "3" }],
    ["flyte://v1/p/d/e/3/i", { nodeId: "3", attempt: undefined }],
    ["flyte://v1//p/d//e/n/i/", { project: "p", nodeId: "n", ioType: "i" }],
  ];
  for (const [url, want] of ok) {
    test(`parses ${url}`, () => {
      const got = parseFlyteUrl(url);
      for (const [k, v] of Object.entries(want)) assert.equal(got[k as keyof typeof got], v, k);
    });
  }
  const bad: [string, string][] = [
    ["", "failed to validate resolve artifact request. Error: source is required. Provided empty string"],
    ["s3://x", "failed to validate resolve artifact request. Error: request does not start with the correct prefix"],
    ["flyte://v2/p/d/e/n/i", "failed to parse artifact url Error: failed to parse [flyte://v2/p/d/e/n/i]"],
    ["flyte://v1/p/d/e/n/x", "failed to parse artifact url Error: failed to parse [flyte://v1/p/d/e/n/x]"],
    ["flyte://v1/p/d/e/n/d/name", "failed to parse artifact url Error: failed to parse [flyte://v1/p/d/e/n/d/name]"],
    ["flyte://v1/p/d/e/n", "failed to parse artifact url Error: failed to parse [flyte://v1/p/d/e/n]"],
    ["flyte://v1/p/d/e/n.x/i", "failed to parse artifact url Error: failed to parse [flyte://v1/p/d/e/n.x/i]"],
    ["flyte://v1/p/d/e/n/1/i/a/b", "failed to parse artifact url Error: failed to parse [flyte://v1/p/d/e/n/1/i/a/b]"],
  ];
  for (const [url, message] of bad) {
    test(`refuses ${JSON.stringify(url)}`, () =>
      assert.throws(
        () => parseFlyteUrl(url),
        (e: unknown) => e instanceof AdminError && e.code === Code.INVALID_ARGUMENT && e.message === message,
      ));
  }
});

test("URLs handed out", () => {
  const node = create(NodeExecutionIdentifierSchema, {
    nodeId: "n0",
    executionId: { project: "p", domain: "d", name: "e" },
  });
  const urls = nodeFlyteUrls(node, true);
  assert.deepEqual(
    [urls.inputs, urls.outputs, urls.deck],
    ["flyte://v1/p/d/e/n0/i", "flyte://v1/p/d/e/n0/o", "flyte://v1/p/d/e/n0/d"],
  );
  assert.equal(nodeFlyteUrls(node, false).deck, "");
  const task = create(TaskExecutionIdentifierSchema, { nodeExecutionId: node, retryAttempt: 2 });
  assert.equal(taskFlyteUrls(task).outputs, "flyte://v1/p/d/e/n0/2/o");
  assert.equal(taskFlyteUrls(task).deck, "");
  for (const url of [nodeFlyteUrls(node, true).deck, taskFlyteUrls(task).inputs]) assert.ok(parseFlyteUrl(url));
});
