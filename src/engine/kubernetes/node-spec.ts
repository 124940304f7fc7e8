/**
 * Node specs of a FlyteWorkflow (compiler.md §4, FlytePropeller's
 * `transformers/k8s` node builder): one compiled node becomes one NodeSpec,
 * except a branch, whose then/else nodes are flattened into the same map
 * under their (already renamed) ids. Problems are collected as compile errors
 * in the scope given, and a failed node stops the build as in FlytePropeller.
 */
import type { JsonValue } from "@bufbuild/protobuf";
import { syntaxError, taskReferenceNotFound, valueRequired } from "../../compiler/errors.js";
import { type ErrorScope, identifierText } from "../../compiler/index.js";
import { BooleanExpressionSchema } from "../../proto/gen/flyteidl/core/condition_pb.js";
import { IdentifierSchema } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { BindingSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { ExtendedResourcesSchema, K8sPodSchema, type TaskTemplate } from "../../proto/gen/flyteidl/core/tasks_pb.js";
import { ErrorSchema } from "../../proto/gen/flyteidl/core/types_pb.js";
import {
  AliasSchema,
  ApproveConditionSchema,
  type ArrayNode,
  type BranchNode,
  type GateNode,
  type IfBlock,
  type Node,
  SignalConditionSchema,
  SleepConditionSchema,
  type TaskNodeOverrides,
  type WorkflowNode,
} from "../../proto/gen/flyteidl/core/workflow_pb.js";
import type {
  ArrayNodeSpec,
  BranchNodeSpec,
  GateNodeSpec,
  IfBlockSpec,
  NodeKind,
  NodeSpec,
  WorkflowNodeSpec,
} from "./flyteworkflow-types.js";
import { goStructJson } from "./go-json.js";
import {
  float32Json,
  goDeadline,
  jsonpb,
  omitUndefined,
  resourceRequirements,
  workflowBuildError,
} from "./json-parts.js";

const START_NODE = "start-node";
const END_NODE = "end-node";

/** Tasks of the closure keyed by Identifier text, as node task references name them. */
export type TaskIndex = ReadonlyMap<string, TaskTemplate>;

/** A node's specs (itself first, then flattened branch children), or undefined when the node failed. */
type Built = NodeSpec[] | undefined;

/** What the target-specific part of a node adds to its spec. */
interface TargetPart {
  kind: NodeKind | "";
  branch?: BranchNodeSpec | undefined;
  task?: string;
  workflow?: WorkflowNodeSpec;
  gate?: GateNodeSpec | undefined;
  array?: ArrayNodeSpec;
  children?: NodeSpec[];
}

/** Builds the spec(s) of one node; `undefined` when `errs` (this node's scope) has errors. */
export function buildNodeSpec(n: Node | undefined, tasks: TaskIndex, errs: ErrorScope): Built {
  if (n === undefined) {
    errs.collect(valueRequired("root", "node"));
    return undefined;
  }
  if (n.id !== START_NODE && n.id !== END_NODE && n.target.case === undefined) {
    errs.collect(valueRequired(n.id, "target"));
    return undefined;
  }
  let task: TaskTemplate | undefined;
  let overrides: TaskNodeOverrides | undefined;
  if (n.target.case === "taskNode") {
    const ref = n.target.value.reference;
    const taskRef = identifierText(ref.case === "referenceId" ? ref.value : undefined);
    task = tasks.get(taskRef);
    if (task === undefined) {
      errs.collect(taskReferenceNotFound(n.id, taskRef));
      return undefined;
    }
    overrides = n.target.value.overrides;
  }
  const resources = resourceRequirements(overrides?.resources);
  if (typeof resources === "string") {
    errs.collect(workflowBuildError(resources));
    return undefined;
  }
  const deadline = goDeadline(n.metadata?.timeout);
  if (deadline === "invalid") {
    errs.collect(syntaxError(n.id, "node:metadata:timeout"));
    return undefined;
  }
  const target = buildTarget(n, tasks, errs);
  if (target === undefined) return undefined;
  const spec = omitUndefined<NodeSpec>({
    id: n.id,
    name: n.metadata?.name || undefined,
    resources,
    kind: target.kind,
    branch: target.branch,
    task: target.task,
    workflow: target.workflow,
    gate: target.gate,
    array: target.array,
    inputBindings: n.inputs.length > 0 ? n.inputs.map((b) => jsonpb(BindingSchema, b)) : undefined,
    retry: retryOf(n, task),
    outputAlias: n.outputAliases.length > 0 ? n.outputAliases.map((a) => goStructJson(AliasSchema, a)) : undefined,
    extendedResources: overrides?.extendedResources
      ? jsonpb(ExtendedResourcesSchema, overrides.extendedResources)
      : undefined,
    executionDeadline: deadline?.execution,
    activeDeadline: deadline?.active,
    interruptible:
      n.metadata?.interruptibleValue.case === "interruptible" ? n.metadata.interruptibleValue.value : undefined,
    containerImage: overrides?.containerImage || undefined,
    podTemplate: overrides?.podTemplate ? goStructJson(K8sPodSchema, overrides.podTemplate) : undefined,
  });
  if (target.children) return errs.hasErrors() ? undefined : [spec, ...target.children];
  return errs.hasErrors() ? undefined : [spec];
}

function buildTarget(n: Node, tasks: TaskIndex, errs: ErrorScope): TargetPart | undefined {
  const t = n.target;
  switch (t.case) {
    case "taskNode": {
      const ref = t.value.reference;
      return { kind: "task", task: identifierText(ref.case === "referenceId" ? ref.value : undefined) };
    }
    case "workflowNode":
      return workflowTarget(n.id, t.value, errs);
    case "branchNode": {
      const { branch, children } = buildBranchNodeSpec(t.value, tasks, errs.child());
      return { kind: "branch", branch, children };
    }
    case "gateNode":
      return { kind: "gate", gate: gateSpec(t.value) };
    case "arrayNode":
      return arrayTarget(t.value, tasks, errs);
    default:
      return { kind: n.id === START_NODE ? "start" : n.id === END_NODE ? "end" : "" };
  }
}

function workflowTarget(nodeId: string, w: WorkflowNode, errs: ErrorScope): TargetPart | undefined {
  switch (w.reference.case) {
    case "launchplanRef":
      return { kind: "workflow", workflow: { launchPlanRefId: jsonpb(IdentifierSchema, w.reference.value) } };
    case "subWorkflowRef":
      return { kind: "workflow", workflow: { subWorkflowRef: identifierText(w.reference.value) } };
    default:
      errs.collect(valueRequired(nodeId, "WorkflowNode.Reference"));
      return undefined;
  }
}

function gateSpec(g: GateNode): GateNodeSpec | undefined {
  switch (g.condition.case) {
    case "approve":
      return { kind: "approve", approve: jsonpb(ApproveConditionSchema, g.condition.value) };
    case "signal":
      return { kind: "signal", signal: jsonpb(SignalConditionSchema, g.condition.value) };
    case "sleep":
      return { kind: "sleep", sleep: jsonpb(SleepConditionSchema, g.condition.value) };
    default:
      return undefined;
  }
}

function arrayTarget(a: ArrayNode, tasks: TaskIndex, errs: ErrorScope): TargetPart | undefined {
  // The sub-node is built in the array node's own scope, as FlytePropeller does.
  const sub = buildNodeSpec(a.node, tasks, errs);
  if (sub === undefined) return undefined;
  const success = a.successCriteria;
  return {
    kind: "array",
    array: {
      SubNodeSpec: sub[0] as NodeSpec,
      Parallelism: a.parallelismOption.case === "parallelism" ? a.parallelismOption.value : null,
      MinSuccesses: success.case === "minSuccesses" ? success.value : null,
      MinSuccessRatio: success.case === "minSuccessRatio" ? float32Json(success.value) : null,
      BoundInputs: a.boundInputs.length > 0 ? [...a.boundInputs] : null,
    },
  };
}

function retryOf(n: Node, task: TaskTemplate | undefined): { minAttempts: number } | undefined {
  const nodeRetries = n.metadata?.retries?.retries ?? 0;
  if (nodeRetries !== 0) return { minAttempts: nodeRetries + 1 };
  const taskRetries = task?.metadata?.retries?.retries ?? 0;
  if (taskRetries !== 0) return { minAttempts: taskRetries + 1 };
  return undefined;
}

function ifBlockSpec(block: IfBlock | undefined, tasks: TaskIndex, errs: ErrorScope) {
  const specs = buildNodeSpec(block?.thenNode, tasks, errs);
  if (specs === undefined) return { block: undefined, children: [] };
  const condition: JsonValue = block?.condition ? jsonpb(BooleanExpressionSchema, block.condition) : null;
  // The Go JSON key of an if-block's node is `then`; a thenable object is harmless here, nothing awaits it.
  // biome-ignore lint/suspicious/noThenProperty: the resource's field name
  const spec: IfBlockSpec = { condition, then: block?.thenNode?.id ?? null };
  return { block: spec, children: specs };
}

/**
 * A branch's spec and its flattened children: the if-block's then node first, then the else node, then the
 * elif blocks' nodes (FlytePropeller's order, which decides which of two colliding ids wins).
 */
function buildBranchNodeSpec(
  branch: BranchNode,
  tasks: TaskIndex,
  errs: ErrorScope,
): { branch: BranchNodeSpec | undefined; children: NodeSpec[] } {
  const ifElse = branch.ifElse;
  const first = ifBlockSpec(ifElse?.case, tasks, errs.child());
  // FlytePropeller dereferences the failed block here and panics; we let the collected error speak instead.
  if (first.block === undefined) return { branch: undefined, children: [] };
  const children = [...first.children];
  const spec: BranchNodeSpec = { if: first.block };
  const fallback = ifElse?.default;
  if (fallback?.case === "elseNode") {
    const ns = buildNodeSpec(fallback.value, tasks, errs);
    if (ns === undefined) return { branch: undefined, children: [] };
    children.push(...ns);
  }
  const others: (IfBlockSpec | null)[] = [];
  for (const block of ifElse?.other ?? []) {
    const built = ifBlockSpec(block, tasks, errs.child());
    others.push(built.block ?? null);
    children.push(...built.children);
  }
  return {
    branch: omitUndefined<BranchNodeSpec>({
      if: spec.if,
      elseIf: others.length > 0 ? (others as IfBlockSpec[]) : undefined,
      else: fallback?.case === "elseNode" ? fallback.value.id : undefined,
      elseFail: fallback?.case === "error" ? goStructJson(ErrorSchema, fallback.value) : undefined,
    }),
    children,
  };
}
