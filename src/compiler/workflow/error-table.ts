/**
 * Fixtures and the table runner shared by the compile-error tests: a small task library, a launch plan, and
 * `runErrorTable`, which compiles each case and compares every error (`Code @ node id`) in FlyteAdmin's order.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { create } from "@bufbuild/protobuf";
import type { CompiledTask } from "../../proto/gen/flyteidl/core/compiler_pb.js";
import type { Identifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { Binding } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { type Node, TaskNodeSchema, type WorkflowTemplate } from "../../proto/gen/flyteidl/core/workflow_pb.js";
import { type CompileError, formatCompileError } from "../errors.js";
import { iface, launchPlan, t, task, taskNode, wire, workflow } from "../test-support.js";
import { compileWorkflow } from "./compile.js";
import type { LaunchPlanInterfaceProvider } from "./context.js";

const dataclass = t.struct(undefined, { a: t.int(), inner: t.struct(undefined, { b: t.str() }) });
export const TASKS: CompiledTask[] = [
  task("sq", iface({ x: t.int() }, { o0: t.int() })),
  task("add", iface({ a: t.int(), b: t.int() }, { o0: t.int() })),
  task("greet", iface({ name: t.str() }, { o0: t.str() })),
  task("pick", iface({ color: t.enum("red", "green") }, { o0: t.str() })),
  task("dc", iface({}, { o0: dataclass })),
  task("ints", iface({}, { o0: t.list(t.int()) })),
  task("opt", iface({ x: t.optional(t.int()) }, { o0: t.int() })),
  task("choice", iface({ u: t.union(t.list(t.int()), t.list(t.str())) }, { o0: t.int() })),
  task("unionint", iface({ u: t.union(t.int(), t.str()) }, { o0: t.int() })),
  task("csv", iface({ f: t.blob("csv") }, { o0: t.int() })),
];
export const LPS: LaunchPlanInterfaceProvider[] = [launchPlan("lp", { x: t.int() }, { y: t.int() }, { o0: t.int() })];

/** The workflow `wf(x: int)`, returning `y: int` when an output binding is given. */
export function wf(nodes: WorkflowTemplate["nodes"], outputs: Binding[] = []): WorkflowTemplate {
  return workflow("wf", iface({ x: t.int() }, outputs.length > 0 ? { y: t.int() } : {}), nodes, outputs);
}
export const fromInput = (variable: string) => wire(variable, "", variable);
export const taskTarget = (ref: Identifier | undefined): Node["target"] => ({
  case: "taskNode",
  value: create(TaskNodeSchema, { reference: ref === undefined ? undefined : { case: "referenceId", value: ref } }),
});
export const sq = (nodeId: string, from = "", output = "x") => taskNode(nodeId, "sq", [wire("x", from, output)]);

export interface Case {
  readonly name: string;
  readonly wf: WorkflowTemplate;
  readonly subs?: WorkflowTemplate[];
  readonly tasks?: CompiledTask[];
  readonly lps?: LaunchPlanInterfaceProvider[];
  /** Every error, as `Code @ node id`, in FlyteAdmin's order. */
  readonly errors: string[];
  /** Optionally, one error's exact rendering. */
  readonly rendered?: string;
}

function compileErrors(c: Case): CompileError[] {
  const r = compileWorkflow(c.wf, c.subs ?? [], c.tasks ?? TASKS, c.lps ?? LPS);
  return "errors" in r ? r.errors : [];
}

/** One test per case: the exact error list, and the exact rendering of one error when the case gives it. */
export function runErrorTable(cases: readonly Case[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const errors = compileErrors(c);
      const rendered = errors.map(formatCompileError);
      assert.deepEqual(
        errors.map((e) => `${e.code} @ ${e.nodeId}`),
        c.errors,
        rendered.join("\n"),
      );
      if (c.rendered !== undefined) assert.ok(rendered.includes(c.rendered), rendered.join("\n"));
    });
  }
}
