import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { type Identifier, ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { WorkflowTemplateSchema } from "../../proto/gen/flyteidl/core/workflow_pb.js";
import { identifierText } from "../identifier.js";
import {
  arrayNode,
  branchNode,
  eq,
  iface,
  launchPlanNode,
  operand,
  subWorkflowNode,
  taskNode,
  workflow,
} from "../test-support.js";
import { getRequirements } from "./requirements.js";

const names = (ids: Identifier[]) => ids.map((i) => i.name);
const when = eq(operand({ value: 1n }), operand({ value: 1n }));

describe("getRequirements", () => {
  it("collects tasks and launch plans from every kind of node, sorted", () => {
    const main = workflow(
      "main",
      iface(),
      [
        taskNode("a", "zeta"),
        taskNode("b", "alpha"),
        taskNode("c", "alpha"),
        branchNode(
          "d",
          [
            { when, node: taskNode("x", "in_then") },
            { when, node: launchPlanNode("y", "lp_elif") },
          ],
          taskNode("z", "in_else"),
        ),
        arrayNode("e", taskNode("m", "mapped")),
        launchPlanNode("f", "lp_main"),
        subWorkflowNode("g", "sub"),
      ],
      [],
      taskNode("fail", "on_failure"),
    );
    const sub = workflow("sub", iface(), [taskNode("s", "in_sub"), subWorkflowNode("t", "sub")]);
    const r = getRequirements(main, [sub]);
    assert.deepEqual(names(r.taskIds), ["alpha", "in_else", "in_sub", "in_then", "mapped", "on_failure", "zeta"]);
    assert.deepEqual(names(r.launchPlanIds), ["lp_elif", "lp_main"]);
    assert.deepEqual(r.errors, []);
  });

  it("orders by resource type, project, domain, name, version", () => {
    const ids = ["b/v2", "b/v1", "a/v9"].map((s) => {
      const node = taskNode(s, s.split("/")[0]);
      if (node.target.case === "taskNode" && node.target.value.reference.case === "referenceId") {
        node.target.value.reference.value.version = s.split("/")[1];
      }
      return node;
    });
    const lpNode = launchPlanNode("l", "a");
    const r = getRequirements(workflow("w", iface(), [...ids, lpNode]), []);
    assert.deepEqual(
      r.taskIds.map((i) => `${i.name}/${i.version}`),
      ["a/v9", "b/v1", "b/v2"],
    );
    assert.equal(r.launchPlanIds[0]?.resourceType, ResourceType.LAUNCH_PLAN);
  });

  it("reports two sub-workflows with one id", () => {
    const sub = workflow("sub", iface(), [taskNode("s", "t")]);
    const r = getRequirements(workflow("w", iface(), [subWorkflowNode("n", "sub")]), [sub, sub]);
    assert.deepEqual(
      r.errors.map((e) => [e.code, e.nodeId]),
      [["DuplicateId", identifierText(sub.id)]],
    );
    assert.deepEqual([r.taskIds, r.launchPlanIds], [[], []]);
  });

  it("reports a sub-workflow without id instead of failing silently", () => {
    const r = getRequirements(workflow("w", iface(), []), [create(WorkflowTemplateSchema)]);
    assert.deepEqual(
      r.errors.map((e) => [e.code, e.nodeId]),
      [["ValueRequired", "subworkflow"]],
    );
  });

  it("leaves a missing sub-workflow for compileWorkflow to report, as FlyteAdmin does", () => {
    const r = getRequirements(workflow("w", iface(), [subWorkflowNode("n", "nowhere"), taskNode("t", "x")]), []);
    assert.deepEqual([names(r.taskIds), r.errors], [["x"], []]);
  });
});
