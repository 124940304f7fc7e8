/**
 * Executions with authentication on: the caller is the principal of what it
 * creates, aborts and archives (executions.md §1.1 step 8, §2.3, §2.4), over
 * gRPC and HTTP; child executions inherit the parent's principal and nesting
 * (§1.1 step 9).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code } from "../src/errors/codes.js";
import { ExecutionMetadata_ExecutionMode, ExecutionState } from "../src/proto/gen/flyteidl/admin/execution_pb.js";
import { NodeExecution_Phase } from "../src/proto/gen/flyteidl/core/execution_pb.js";
import { NodeExecutionIdentifierSchema } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import { HELLO_WF, pyflyteRunRequest, registerHello } from "./fixtures/executions.js";
import { DOMAIN, PROJECT } from "./fixtures/tasks.js";
import { intLiteral } from "./fixtures/types.js";
import { launchPlanId } from "./fixtures/workflows.js";
import { rejectsWith } from "./support/assertions.js";
import { type AuthTestServer, clientToken, ROBOT, startAuthServer } from "./support/auth.js";
import { tick } from "./support/propeller.js";
import { testDialects } from "./support/server.js";

const idOf = (name: string) => ({ project: PROJECT, domain: DOMAIN, name });

for (const dialect of testDialects()) {
  describe(`executions with authentication [${dialect}]`, () => {
    let a: AuthTestServer;
    let md: Record<string, string>;
    before(async () => {
      a = await startAuthServer(dialect, { withIdp: false });
      md = { authorization: `Bearer ${await clientToken(a.base, ROBOT)}` };
      await a.srv.admin.registerProject({ project: { id: PROJECT, name: PROJECT } }, md);
      await registerHello(a.srv.admin, "v1", { metadata: md });
    });
    after(async () => {
      await a?.close();
    });

    test("without a token: UNAUTHENTICATED", async () => {
      await rejectsWith(a.srv.admin.getExecution({ id: idOf("x") }), Code.UNAUTHENTICATED);
    });

    test("the token's subject is the principal (flytekit's 'placeholder' is replaced), of aborts and archives too", async () => {
      const { admin } = a.srv;
      const req = pyflyteRunRequest(launchPlanId(HELLO_WF, "v1"), { times: intLiteral(1) });
      req.name = "by-robot";
      await admin.createExecution(req, md);
      let e = await admin.getExecution({ id: idOf("by-robot") }, md);
      assert.equal(e.spec?.metadata?.principal, ROBOT.id);
      assert.equal(e.closure?.stateChangeDetails?.principal, ROBOT.id);
      assert.equal(e.spec?.securityContext?.runAs?.executionIdentity, ROBOT.id);
      await admin.terminateExecution({ id: idOf("by-robot"), cause: "stop" }, md);
      await admin.updateExecution({ id: idOf("by-robot"), state: ExecutionState.EXECUTION_ARCHIVED }, md);
      e = await admin.getExecution({ id: idOf("by-robot") }, md);
      const abort = e.closure?.outputResult;
      assert.equal(abort?.case === "abortMetadata" && abort.value.principal, ROBOT.id);
      assert.equal(e.closure?.stateChangeDetails?.principal, ROBOT.id);
      const listed = await admin.listExecutions(
        { id: { project: PROJECT, domain: DOMAIN }, limit: 10, filters: `eq(user,${ROBOT.id})+eq(state,1)` },
        md,
      );
      assert.deepEqual(
        listed.executions.map((x) => x.id?.name),
        ["by-robot"],
      );
    });

    test("a child execution (launch plan node) takes the parent's principal and nesting + 1; a missing node is NOT_FOUND", async () => {
      const { admin } = a.srv;
      const parent = pyflyteRunRequest(launchPlanId(HELLO_WF, "v1"), { times: intLiteral(1) });
      parent.name = "parent";
      await admin.createExecution(parent, md);
      await admin.createNodeEvent(
        {
          requestId: "n0-running",
          event: {
            id: { nodeId: "n0", executionId: idOf("parent") },
            phase: NodeExecution_Phase.RUNNING,
            occurredAt: tick(),
            producerId: "propeller",
            specNodeId: "n0",
            inputValue: { case: "inputUri", value: "s3://bucket/in.pb" },
          },
        },
        md,
      );
      const child = pyflyteRunRequest(launchPlanId(HELLO_WF, "v1"), { times: intLiteral(2) });
      child.name = "child";
      if (child.spec?.metadata) {
        child.spec.metadata.mode = ExecutionMetadata_ExecutionMode.CHILD_WORKFLOW;
        child.spec.metadata.parentNodeExecution = create(NodeExecutionIdentifierSchema, {
          nodeId: "n0",
          executionId: idOf("parent"),
        });
      }
      await admin.createExecution(child, md);
      const e = await admin.getExecution({ id: idOf("child") }, md);
      assert.equal(e.spec?.metadata?.principal, ROBOT.id);
      assert.equal(e.spec?.metadata?.nesting, 1);
      assert.equal(e.spec?.metadata?.mode, ExecutionMetadata_ExecutionMode.CHILD_WORKFLOW);
      if (child.spec?.metadata?.parentNodeExecution) child.spec.metadata.parentNodeExecution.nodeId = "n9";
      child.name = "orphan";
      await rejectsWith(
        admin.createExecution(child, md),
        Code.NOT_FOUND,
        'missing entity of type node execution with identifier node_id:"n9" execution_id:{project:"flytesnacks" domain:"development" name:"parent"}',
      );
    });

    test("over HTTP with the bearer token", async () => {
      const res = await a.srv.http(`/api/v1/executions/${PROJECT}/${DOMAIN}/by-robot`, {
        headers: { accept: "application/json", ...md },
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { spec: { metadata: { principal: string } } };
      assert.equal(body.spec.metadata.principal, ROBOT.id);
      const anonymous = await a.srv.http(`/api/v1/executions/${PROJECT}/${DOMAIN}/by-robot`);
      assert.equal(anonymous.status, 401);
    });
  });
}
