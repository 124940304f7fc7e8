import assert from "node:assert/strict";
import { test } from "node:test";
import { taskEnvironment } from "./task-environment.js";

test("a task's environment: base, config, container, execution, then Flyte's own variables", () => {
  const env = taskEnvironment({
    configured: { PATH: "/venv/bin:/usr/bin", SHARED: "config" },
    container: [
      { key: "SHARED", value: "container" },
      { key: "FLYTE_ATTEMPT_NUMBER", value: "spoofed" },
    ],
    execution: { RUN: "x" },
    executionId: { project: "p", domain: "d", name: "e1" } as never,
    taskId: { project: "p", domain: "d", name: "t", version: "v" } as never,
    workflowName: "wf",
    launchPlanName: "lp",
    attempt: 2,
    arrayIndex: 3,
    home: "/w",
  });
  assert.deepEqual(env, {
    PATH: "/venv/bin:/usr/bin",
    HOME: "/w",
    LANG: "C.UTF-8",
    SHARED: "container",
    FLYTE_ATTEMPT_NUMBER: "2",
    RUN: "x",
    FLYTE_INTERNAL_EXECUTION_WORKFLOW: "wf",
    FLYTE_INTERNAL_EXECUTION_LAUNCHPLAN: "lp",
    FLYTE_INTERNAL_EXECUTION_ID: "e1",
    FLYTE_INTERNAL_EXECUTION_PROJECT: "p",
    FLYTE_INTERNAL_EXECUTION_DOMAIN: "d",
    FLYTE_INTERNAL_TASK_PROJECT: "p",
    FLYTE_INTERNAL_TASK_DOMAIN: "d",
    FLYTE_INTERNAL_TASK_NAME: "t",
    FLYTE_INTERNAL_TASK_VERSION: "v",
    BATCH_JOB_ARRAY_INDEX_VAR_NAME: "FLYTE_K8S_ARRAY_INDEX",
    FLYTE_K8S_ARRAY_INDEX: "3",
  });
});
