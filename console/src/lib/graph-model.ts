/**
 * The graph of a compiled workflow as boxes and arrows: one box per node
 * (task, sub-workflow, launch plan, branch, gate, map task), arrows from the
 * compiled connections; a branch's cases, a sub-workflow's nodes and the
 * workflow a dynamic node generated are drawn inside it, one level deep, so a
 * reader sees what actually runs. Pure: no drawing here, so it is testable
 * and cheap.
 */
import type { CompiledWorkflow, CompiledWorkflowClosure } from "../../../src/proto/gen/flyteidl/core/compiler_pb.js";
import type { Identifier } from "../../../src/proto/gen/flyteidl/core/identifier_pb.js";
import type { Node } from "../../../src/proto/gen/flyteidl/core/workflow_pb.js";

export interface GraphBox {
  readonly id: string;
  /** The node id in its workflow (what node executions are keyed by at the top level). */
  readonly nodeId: string;
  readonly label: string;
  readonly kind: string;
  readonly detail: string;
  readonly parent?: string;
}

export interface GraphArrow {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
}

export interface GraphModel {
  readonly boxes: GraphBox[];
  readonly arrows: GraphArrow[];
}

const shortName = (id: Identifier | undefined): string => (id ? id.name.split(".").slice(-2).join(".") : "");

/** What a node runs: its kind and target name. */
export function nodeTarget(n: Node): { kind: string; name: string } {
  const t = n.target;
  switch (t.case) {
    case "taskNode":
      return { kind: "task", name: t.value.reference.case === "referenceId" ? shortName(t.value.reference.value) : "" };
    case "workflowNode":
      return t.value.reference.case === "launchplanRef"
        ? { kind: "launch plan", name: shortName(t.value.reference.value) }
        : { kind: "sub-workflow", name: shortName(t.value.reference.value) };
    case "branchNode":
      return { kind: "branch", name: "" };
    case "gateNode": {
      const c = t.value.condition;
      if (c.case === "signal") return { kind: "gate", name: `signal ${c.value.signalId}` };
      if (c.case === "approve") return { kind: "gate", name: `approve ${c.value.signalId}` };
      return { kind: "gate", name: "sleep" };
    }
    case "arrayNode": {
      const inner = t.value.node ? nodeTarget(t.value.node) : { name: "" };
      return { kind: "map", name: inner.name };
    }
    default:
      return { kind: n.id === "start-node" ? "start" : n.id === "end-node" ? "end" : "node", name: "" };
  }
}

function subWorkflow(closure: CompiledWorkflowClosure, id: Identifier | undefined): CompiledWorkflow | undefined {
  if (!id) return undefined;
  return closure.subWorkflows.find(
    (w) =>
      w.template?.id?.name === id.name &&
      w.template?.id?.version === id.version &&
      w.template?.id?.project === id.project,
  );
}

/**
 * Boxes and arrows of the primary workflow, nested contents one level deep.
 * `dynamic`: the workflows dynamic nodes of the primary generated (their node
 * execution data), by node id; nodes without one are drawn as tasks.
 */
export function graphModel(
  closure: CompiledWorkflowClosure | undefined,
  dynamic: ReadonlyMap<string, CompiledWorkflowClosure> = new Map(),
): GraphModel {
  const boxes: GraphBox[] = [];
  const arrows: GraphArrow[] = [];
  if (!closure?.primary) return { boxes, arrows };
  addWorkflow(closure, closure.primary, "", undefined, boxes, arrows, 0);
  for (const [nodeId, generated] of dynamic) {
    if (generated.primary && boxes.some((b) => b.id === nodeId && b.parent === undefined)) {
      nest(generated, generated.primary, nodeId, boxes, arrows, 0);
    }
  }
  return { boxes, arrows };
}

function addWorkflow(
  closure: CompiledWorkflowClosure,
  wf: CompiledWorkflow,
  prefix: string,
  parent: string | undefined,
  boxes: GraphBox[],
  arrows: GraphArrow[],
  depth: number,
): void {
  const nodes = wf.template?.nodes ?? [];
  const inner = depth > 0;
  const known = new Set<string>();
  for (const n of nodes) {
    if (inner && (n.id === "start-node" || n.id === "end-node")) continue;
    const id = prefix + n.id;
    known.add(n.id);
    const target = nodeTarget(n);
    boxes.push({ id, nodeId: n.id, label: n.metadata?.name || n.id, kind: target.kind, detail: target.name, parent });
    if (depth < 2) addNested(closure, n, id, boxes, arrows, depth);
  }
  if (!inner) {
    known.add("start-node");
    known.add("end-node");
    if (!nodes.some((n) => n.id === "start-node"))
      boxes.unshift({ id: "start-node", nodeId: "start-node", label: "start", kind: "start", detail: "" });
    if (!nodes.some((n) => n.id === "end-node"))
      boxes.push({ id: "end-node", nodeId: "end-node", label: "end", kind: "end", detail: "" });
  }
  const downstream = wf.connections?.downstream ?? {};
  for (const [from, list] of Object.entries(downstream)) {
    for (const to of list.ids) {
      if (!known.has(from) || !known.has(to)) continue;
      arrows.push({ from: prefix + from, to: prefix + to });
    }
  }
  if (Object.keys(downstream).length === 0) {
    for (const n of nodes)
      for (const up of n.upstreamNodeIds) if (known.has(up)) arrows.push({ from: prefix + up, to: prefix + n.id });
  }
}

function addNested(
  closure: CompiledWorkflowClosure,
  n: Node,
  id: string,
  boxes: GraphBox[],
  arrows: GraphArrow[],
  depth: number,
): void {
  const t = n.target;
  if (t.case === "branchNode" && t.value.ifElse) {
    const ie = t.value.ifElse;
    const cases: [string, Node | undefined][] = [
      ["if", ie.case?.thenNode],
      ...ie.other.map((o, i): [string, Node | undefined] => [`elif ${i + 1}`, o.thenNode]),
      ["else", ie.default.case === "elseNode" ? ie.default.value : undefined],
    ];
    for (const [label, node] of cases) {
      if (!node) continue;
      const childId = `${id}/${node.id}`;
      const target = nodeTarget(node);
      boxes.push({
        id: childId,
        nodeId: node.id,
        label: node.metadata?.name || node.id,
        kind: target.kind,
        detail: target.name,
        parent: id,
      });
      arrows.push({ from: id, to: childId, label });
    }
  } else if (t.case === "workflowNode" && t.value.reference.case === "subWorkflowRef") {
    const sub = subWorkflow(closure, t.value.reference.value);
    if (sub) nest(closure, sub, id, boxes, arrows, depth);
  }
}

/** `wf`'s nodes inside box `id`, with arrows from the box to its first nodes. */
function nest(
  closure: CompiledWorkflowClosure,
  wf: CompiledWorkflow,
  id: string,
  boxes: GraphBox[],
  arrows: GraphArrow[],
  depth: number,
): void {
  const before = boxes.length;
  addWorkflow(closure, wf, `${id}/`, id, boxes, arrows, depth + 1);
  // Without compiled connections, the first nodes are those with nothing upstream but the start.
  const starts =
    wf.connections?.downstream["start-node"]?.ids ??
    (wf.template?.nodes ?? [])
      .filter((n) => n.id !== "start-node" && n.upstreamNodeIds.every((u) => u === "start-node"))
      .map((n) => n.id);
  for (const s of starts)
    if (boxes.slice(before).some((b) => b.id === `${id}/${s}`)) arrows.push({ from: id, to: `${id}/${s}` });
}
