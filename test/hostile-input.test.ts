/**
 * Regressions for what the fuzzer (test/fuzz.test.ts) found: each request here
 * used to answer INTERNAL / HTTP 500 or to hang the server.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { Code } from "../src/errors/codes.js";
import { registerHello } from "./fixtures/executions.js";
import { taskId } from "./fixtures/tasks.js";
import { rejectsWith } from "./support/assertions.js";
import { ensureProjects } from "./support/registration.js";
import { describeEachDatabase } from "./support/server.js";

async function codeOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return Code.OK;
  } catch (e) {
    return (e as { code: number }).code;
  }
}

describeEachDatabase("hostile input found by fuzzing", (srv) => {
  test("a 2 MB filter without parentheses: INVALID_ARGUMENT at once (the filter pattern backtracked for minutes, stalling every call)", async () => {
    const started = Date.now();
    await rejectsWith(
      srv().admin.listExecutions({
        id: { project: "flytesnacks", domain: "development" },
        limit: 10,
        filters: "h".repeat(2_000_000),
      }),
      Code.INVALID_ARGUMENT,
      "invalid value for filters",
    );
    assert.ok(Date.now() - started < 5000, `answered in ${Date.now() - started} ms`);
  });

  test("CreateUploadLocation with a file name longer than the file system allows: INVALID_ARGUMENT (was INTERNAL ENAMETOOLONG)", async () => {
    await rejectsWith(
      srv().dataProxy.createUploadLocation({
        project: "flytesnacks",
        domain: "development",
        contentMd5: createHash("md5").update("x").digest(),
        filename: "f".repeat(300),
      }),
      Code.INVALID_ARGUMENT,
      /storage reference too long/,
    );
  });

  test("CreateWorkflow with a 70,000-character version: INVALID_ARGUMENT (was INTERNAL: blob name too long, PostgreSQL index row too large)", async () => {
    await ensureProjects(srv(), "flytesnacks");
    const r = await registerHello(srv().admin, "v1");
    const workflow = structuredClone(r.workflow);
    const version = "h".repeat(70_000);
    if (workflow.id) workflow.id.version = version;
    if (workflow.spec?.template?.id) workflow.spec.template.id.version = version;
    await rejectsWith(srv().admin.createWorkflow(workflow), Code.INVALID_ARGUMENT);
  });

  test("a NUL character in a name: a client error, never INTERNAL (PostgreSQL refuses NUL in text)", async () => {
    const code = await codeOf(srv().admin.getTask({ id: taskId("a\u0000b", "v1") }));
    assert.ok(code === Code.INVALID_ARGUMENT || code === Code.NOT_FOUND, `answered ${code}`);
    const res = await srv().http("/api/v1/tasks/flytesnacks/development/a%00b/v1", {
      headers: { Accept: "application/json" },
    });
    const text = await res.text();
    assert.ok(res.status === 400 || res.status === 404, `HTTP ${res.status}: ${text}`);
    const body = JSON.parse(text) as { code: number };
    assert.ok(body.code === Code.INVALID_ARGUMENT || body.code === Code.NOT_FOUND);
  });
});
