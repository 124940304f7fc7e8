/**
 * WorkflowSpecs (the primary workflow's `spec` and each of `subWorkflows`)
 * and the task map of a FlyteWorkflow, from a compiled closure whose
 * interfaces the caller has already stripped of metadata.
 */
import type { JsonValue } from "@bufbuild/protobuf";
import { CompileErrorCode, type ErrorScope, identifierText } from "../../compiler/index.js";
import type { CompiledWorkflow, CompiledWorkflowClosure } from "../../proto/gen/flyteidl/core/compiler_pb.js";
import { VariableMapSchema } from "../../proto/gen/flyteidl/core/interface_pb.js";
import { BindingSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { TaskTemplateSchema } from "../../proto/gen/flyteidl/core/tasks_pb.js";
import type { Node } from "../../proto/gen/flyteidl/core/workflow_pb.js";
import type { NodeSpec, WorkflowSpec } from "./flyteworkflow-types.js";
import { jsonpb, omitUndefined, sortedRecord } from "./json-parts.js";
import { buildNodeSpec, type TaskIndex } from "./node-spec.js";

/** One workflow's spec; `undefined` when a node failed (the errors are in `errs`). */
export function buildWorkflowSpec(
  wf: CompiledWorkflow | undefined,
  tasks: TaskIndex,
  errs: ErrorScope,
): WorkflowSpec | undefined {
  const template = wf?.template;
  let onFailure: NodeSpec | undefined;
  if (template?.failureNode !== undefined) {
    const built = buildNodeSpec(template.failureNode, tasks, errs.child());
    if (built === undefined) return undefined;
    onFailure = built[0];
  }
  const nodes = buildNodes(template?.nodes ?? [], tasks, errs.child());
  if (errs.hasErrors() || nodes === undefined) return undefined;
  const downstream = idLists(wf?.connections?.downstream);
  const outputs = template?.interface?.outputs;
  return omitUndefined<WorkflowSpec>({
    id: workflowIdText(template?.id),
    nodes,
    // The deprecated `connections` carries the downstream edges only.
    connections: downstream,
    edges: { downstream, upstream: idLists(wf?.connections?.upstream) },
    onFailure,
    outputs: outputs ? jsonpb(VariableMapSchema, outputs) : {},
    outputBindings:
      template && template.outputs.length > 0 ? template.outputs.map((b) => jsonpb(BindingSchema, b)) : undefined,
    onFailurePolicy: template?.metadata?.onFailure || undefined,
  });
}

/** `<project>:<domain>:<name>`: FlytePropeller's workflow id, without the version. */
export function workflowIdText(id: { project: string; domain: string; name: string } | undefined): string {
  return `${id?.project ?? ""}:${id?.domain ?? ""}:${id?.name ?? ""}`;
}

/**
 * The node map. A node whose build fails stops the walk (FlytePropeller's behaviour); two different specs under
 * one id (a branch child renamed onto an existing id) are a `ValueCollision`, and the later one wins.
 */
function buildNodes(nodes: Node[], tasks: TaskIndex, errs: ErrorScope): Record<string, NodeSpec> | undefined {
  const out = new Map<string, NodeSpec>();
  const texts = new Map<string, string>();
  for (const node of nodes) {
    const specs = buildNodeSpec(node, tasks, errs.child());
    if (specs === undefined) return undefined;
    for (const spec of specs) {
      const text = JSON.stringify(spec);
      const existing = out.get(spec.id);
      if (existing !== undefined && texts.get(spec.id) !== text) {
        errs.collect({
          code: CompileErrorCode.ValueCollision,
          nodeId: node.id,
          description: `${fieldDiff(existing, spec).join("\r\n")} is expected to be unique. ${spec.id} already exists.`,
        });
      }
      out.set(spec.id, spec);
      texts.set(spec.id, text);
    }
  }
  return errs.hasErrors() ? undefined : sortedRecord(out);
}

/** Go field names of NodeSpec's JSON keys, for the collision message. */
const GO_FIELDS: Readonly<Record<string, string>> = {
  id: "ID",
  name: "Name",
  resources: "Resources",
  kind: "Kind",
  branch: "BranchNode",
  task: "TaskRef",
  workflow: "WorkflowNode",
  gate: "GateNode",
  array: "ArrayNode",
  inputBindings: "InputBindings",
  retry: "RetryStrategy",
  outputAlias: "OutputAliases",
  extendedResources: "ExtendedResources",
  executionDeadline: "ExecutionDeadline",
  activeDeadline: "ActiveDeadline",
  interruptible: "Interruptible",
  containerImage: "ContainerImage",
  podTemplate: "PodTemplate",
};

/** The differing fields, `Field: <a> != <b>` (in the spirit of go-test/deep's diff, which FlytePropeller prints). */
function fieldDiff(a: NodeSpec, b: NodeSpec): string[] {
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])];
  const text = (v: unknown) => (v === undefined ? "<nil pointer>" : JSON.stringify(v));
  return keys
    .filter((k) => JSON.stringify(ra[k]) !== JSON.stringify(rb[k]))
    .map((k) => `${GO_FIELDS[k] ?? k}: ${text(ra[k])} != ${text(rb[k])}`);
}

function idLists(conn: Record<string, { ids: string[] }> | undefined): Record<string, string[] | null> {
  return sortedRecord(Object.entries(conn ?? {}).map(([k, v]) => [k, v.ids.length > 0 ? [...v.ids] : null] as const));
}

/** Task templates (jsonpb) by Identifier text; a second task with the same id is a `ValueCollision`. */
export function buildTasks(closure: CompiledWorkflowClosure, errs: ErrorScope): Record<string, JsonValue> {
  const out = new Map<string, JsonValue>();
  for (const t of closure.tasks) {
    const key = identifierText(t.template?.id);
    if (out.has(key)) {
      errs.collect({
        code: CompileErrorCode.ValueCollision,
        nodeId: key,
        description: `Id is expected to be unique. ${key} already exists.`,
      });
    }
    if (t.template) out.set(key, jsonpb(TaskTemplateSchema, t.template));
  }
  return sortedRecord(out);
}
