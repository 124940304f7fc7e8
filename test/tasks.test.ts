/** Tasks over gRPC and HTTP, on every database (entities.md §2). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "../src/errors/codes.js";
import { ResourceType } from "../src/proto/gen/flyteidl/core/identifier_pb.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { describeEachDatabase } from "./support/server.js";
import { createTaskRequest, DOMAIN, PROJECT, taskId } from "./fixtures/tasks.js";
import { INTEGER, STRING } from "./fixtures/types.js";

describeEachDatabase("tasks", (srv) => {
  test("CreateTask then GetTask returns the compiled template with the row's creation time", async () => {
    const { admin } = srv();
    await admin.registerProject({ project: { id: PROJECT, name: PROJECT } });
    const id = taskId("workflows.example.say_hello", "v1");
    await admin.createTask(createTaskRequest(id, { inputs: { name: STRING }, outputs: { o0: STRING } }));
    const t = await admin.getTask({ id });
    assert.equal(t.id?.resourceType, ResourceType.TASK);
    assert.equal(t.closure?.compiledTask?.template?.type, "python-task");
    assert.equal(t.closure?.compiledTask?.template?.id?.name, id.name);
    assert.ok(t.closure?.createdAt);
    assert.equal(t.shortDescription, "workflows.example.say_hello task");
    await rejectsWith(
      admin.createTask(createTaskRequest(id, { inputs: { name: STRING }, outputs: { o0: STRING } })),
      Code.ALREADY_EXISTS,
      "task with identical structure already exists",
    );
    const err = await rejectsWith(
      admin.createTask(createTaskRequest(id, { inputs: { name: INTEGER }, outputs: { o0: STRING } })),
      Code.INVALID_ARGUMENT,
    );
    console.log(err.details);
  });
});
