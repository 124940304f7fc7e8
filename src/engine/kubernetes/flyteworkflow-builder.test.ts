import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import {
  arrayClosure,
  arrayInputs,
  branchClosure,
  configuredParameters,
  defaultParameters,
  executionData,
  gatesClosure,
  intInputs,
  launchPlanClosure,
  subWorkflowClosure,
  tasksClosure,
  tasksInputs,
} from "../../../test/fixtures/flyteworkflows.js";
import { WorkflowExecutionIdentifierSchema } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { type FlyteWorkflowSettings, flyteWorkflowFor } from "./flyteworkflow-builder.js";

const GOLDEN_DIR = resolve(import.meta.dirname, "../../../test/fixtures/flyteworkflow");
const PLAIN: FlyteWorkflowSettings = { useOffloadedWorkflowClosure: false, useOffloadedInputs: false, consoleUrl: "" };

/**
 * Compares with `test/fixtures/flyteworkflow/<name>.json`. `UPDATE_GOLDEN=1` rewrites the file instead (then
 * `npx biome format --write test/fixtures/flyteworkflow` and review the diff against compiler.md §4).
 */
function golden(name: string, actual: unknown): void {
  const file = join(GOLDEN_DIR, `${name}.json`);
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, text);
    if (process.env.UPDATE_GOLDEN !== "1") assert.fail(`golden file ${name}.json was missing; written, review it`);
    return;
  }
  // Compared as compact text, so that key order is pinned too (the file's layout is biome's): Go struct order and
  // sorted Go maps; inside jsonpb parts, protobuf-es order (declaration order; map entries as stored), which
  // Kubernetes and FlytePropeller ignore.
  assert.equal(JSON.stringify(actual), JSON.stringify(JSON.parse(readFileSync(file, "utf8"))));
}

describe("FlyteWorkflow builder golden files", () => {
  test("tasks: retries, deadlines, overrides, aliases, metadata stripping, configured security and labels", () => {
    golden("tasks", flyteWorkflowFor(executionData(tasksClosure(), configuredParameters(tasksInputs())), PLAIN));
  });

  test("branches: if/elif/else, nested branch with else-fail, flattened children", () => {
    golden("branch", flyteWorkflowFor(executionData(branchClosure(), defaultParameters(intInputs({ x: 2 }))), PLAIN));
  });

  test("sub-workflows: reference, unreferenced sub-workflow, failure node", () => {
    const data = executionData(subWorkflowClosure(), defaultParameters(intInputs({ a: 1 })));
    golden("subworkflow", flyteWorkflowFor(data, PLAIN));
  });

  test("launch plan node", () => {
    golden(
      "launchplan",
      flyteWorkflowFor(executionData(launchPlanClosure(), defaultParameters(intInputs({ a: 1 }))), PLAIN),
    );
  });

  test("gates: approve, signal, sleep", () => {
    golden("gates", flyteWorkflowFor(executionData(gatesClosure(), defaultParameters(intInputs({ a: 1 }))), PLAIN));
  });

  test("array node: parallelism, min success ratio, bound inputs", () => {
    golden("array", flyteWorkflowFor(executionData(arrayClosure(), defaultParameters(arrayInputs())), PLAIN));
  });

  test("offloaded closure and inputs, console URL, recovery execution, no security context", () => {
    const params = defaultParameters(intInputs({ a: 1 }), {
      recoveryExecution: create(WorkflowExecutionIdentifierSchema, {
        project: "flytesnacks",
        domain: "development",
        name: "abc",
      }),
      eventVersion: 0,
    });
    params.executionConfig.securityContext = undefined;
    const data = executionData(launchPlanClosure(), params);
    golden(
      "offloaded",
      flyteWorkflowFor(data, {
        useOffloadedWorkflowClosure: true,
        useOffloadedInputs: true,
        consoleUrl: "https://flyte.example.com/console",
      }),
    );
  });
});
