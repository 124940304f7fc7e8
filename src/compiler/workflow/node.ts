import type { ErrorScope } from "../error-scope.js";
import { cycleDetected, taskReferenceNotFound, valueRequired, workflowReferenceNotFound } from "../errors.js";
import { identifierText } from "../identifier.js";
import { compareStrings } from "../order.js";
import { validateBindings } from "./bindings.js";
import { validateBranchNode } from "./branch.js";
import { END_NODE_ID, type NodeState, START_NODE_ID, type WorkflowContext } from "./context.js";
import { addEdge, type EdgeDirection } from "./graph.js";
import { validateUnderlyingInterface } from "./interface.js";
import { effectiveOutputs } from "./outputs.js";

/**
 * Validates one node (compiler.md §2.3): its id, its interface and output aliases, its branch body or referenced
 * sub-workflow (compiled once, in place), and sorts its `upstream_node_ids`. The start and end nodes pass as they are.
 */
export function validateNode(
  ctx: WorkflowContext,
  state: NodeState,
  requireParamType: boolean,
  errs: ErrorScope,
): boolean {
  const { node } = state;
  if (node.id === "") errs.collect(valueRequired("<node>", "Id"));
  if (node.id === START_NODE_ID || node.id === END_NODE_ID) return true;
  if (validateUnderlyingInterface(ctx, state, errs.child())) effectiveOutputs(state, errs.child());
  // Sorted so that the compiled output does not depend on the order the client listed them in.
  node.upstreamNodeIds.sort(compareStrings);
  const target = node.target;
  if (target.case === "branchNode") {
    const { discovered, ok } = validateBranchNode(ctx, state, requireParamType, errs.child(), validateNode);
    if (ok) for (const sub of discovered) addEdges(ctx, sub, "upstream", errs.child());
  } else if (target.case === "workflowNode" && target.value.reference.case === "subWorkflowRef") {
    compileReferencedSubWorkflow(ctx, state, identifierText(target.value.reference.value), errs.child());
  } else if (target.case === "taskNode" && target.value.reference.case === "referenceId") {
    const key = identifierText(target.value.reference.value);
    if (!ctx.tasks.has(key)) errs.collect(taskReferenceNotFound(node.id, key));
  }
  return !errs.hasErrors();
}

/**
 * Compiles a referenced sub-workflow once per compile; its errors join the same set. A sub-workflow that
 * (indirectly) references itself is reported as a cycle rather than recursing forever.
 */
function compileReferencedSubWorkflow(ctx: WorkflowContext, state: NodeState, key: string, errs: ErrorScope): void {
  const { shared } = ctx;
  const sub = shared.subWorkflows.get(key);
  if (sub === undefined) {
    errs.collect(workflowReferenceNotFound(state.node.id, key));
    return;
  }
  if (shared.subWorkflowResults.has(key)) return;
  const depth = shared.compiling.indexOf(key);
  if (depth >= 0) {
    errs.collect(cycleDetected(state.node.id, [...shared.compiling.slice(depth), key].join(">")));
    return;
  }
  shared.compiling.push(key);
  const ok = shared.compileSubWorkflow(shared, sub, errs.child());
  shared.compiling.pop();
  shared.subWorkflowResults.set(key, ok);
}

/**
 * Adds a node's edges: its explicit `upstream_node_ids` (unless only upstream entries are wanted) and one edge per
 * promise source found while type-checking its bindings against its interface. Nodes whose interface failed get none.
 */
export function addEdges(ctx: WorkflowContext, state: NodeState, direction: EdgeDirection, errs: ErrorScope): void {
  const iface = state.iface;
  if (iface === undefined) return;
  if (direction !== "upstream") {
    for (const up of state.node.upstreamNodeIds) addEdge(ctx.edges, "bidirectional", up, state.node.id);
  }
  validateBindings(ctx, state, state.node.inputs, iface.inputs, true, direction, errs.child());
}
