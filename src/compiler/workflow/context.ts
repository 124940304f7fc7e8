import { create } from "@bufbuild/protobuf";
import type { CompiledWorkflow } from "../../proto/gen/flyteidl/core/compiler_pb.js";
import type { Identifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import {
  type ParameterMap,
  type TypedInterface,
  type VariableMap,
  VariableMapSchema,
} from "../../proto/gen/flyteidl/core/interface_pb.js";
import type { TaskTemplate } from "../../proto/gen/flyteidl/core/tasks_pb.js";
import type { Node, WorkflowTemplate } from "../../proto/gen/flyteidl/core/workflow_pb.js";
import type { ErrorScope } from "../error-scope.js";
import type { EdgeSets } from "./graph.js";
import type { DirectRequirements } from "./requirements.js";

/** Id of the synthetic node whose outputs are the workflow inputs. */
export const START_NODE_ID = "start-node";
/** Id of the synthetic node whose inputs are the workflow outputs. */
export const END_NODE_ID = "end-node";

/** What the compiler needs to know of a launch plan a node launches: its id and its closure's interface. */
export interface LaunchPlanInterfaceProvider {
  id: Identifier;
  expectedInputs: ParameterMap;
  expectedOutputs: VariableMap;
}

/** A node being compiled, with the interface derived for it once that succeeded. */
export interface NodeState {
  readonly node: Node;
  iface: TypedInterface | undefined;
}

/** State shared by the primary workflow and every sub-workflow of one compile. */
export interface SharedState {
  /** Every sub-workflow passed in, by identifier text; compiled in place when a node references it. */
  readonly subWorkflows: ReadonlyMap<string, CompiledWorkflow>;
  /** Every task passed in, by identifier text (first one wins). */
  readonly tasks: ReadonlyMap<string, TaskTemplate>;
  /** Every launch plan passed in, by identifier text. */
  readonly launchPlans: ReadonlyMap<string, LaunchPlanInterfaceProvider>;
  /** What each template's own nodes reference, computed once per compile. */
  readonly requirements: Map<WorkflowTemplate, DirectRequirements>;
  /** Outcome of each sub-workflow compiled so far, so each one is compiled (and reported on) once. */
  readonly subWorkflowResults: Map<string, boolean>;
  /** Sub-workflows being compiled right now, outermost first: a reference back into this stack is recursion. */
  readonly compiling: string[];
  /** Compiles a sub-workflow in place (the workflow compiler itself, passed in to keep modules acyclic). */
  readonly compileSubWorkflow: (shared: SharedState, workflow: CompiledWorkflow, errs: ErrorScope) => boolean;
}

/** One workflow (primary or sub-workflow) being compiled. */
export interface WorkflowContext {
  readonly shared: SharedState;
  readonly template: WorkflowTemplate;
  /** Tasks and launch plans this workflow's own nodes reference (sub-workflows see their own). */
  readonly tasks: ReadonlyMap<string, TaskTemplate>;
  readonly launchPlans: ReadonlyMap<string, LaunchPlanInterfaceProvider>;
  /** Top-level nodes by id, start and end nodes included; a node whose id is taken is not added. */
  readonly nodes: Map<string, NodeState>;
  /** Per node object, so that every look-up of the same node (branch sub-nodes too) shares one state. */
  readonly states: Map<Node, NodeState>;
  readonly edges: EdgeSets;
}

/** The state of a node object, created on first use. */
export function stateOf(ctx: WorkflowContext, node: Node): NodeState {
  let state = ctx.states.get(node);
  if (state === undefined) {
    state = { node, iface: undefined };
    ctx.states.set(node, state);
  }
  return state;
}

/** An empty variable map (FlytePropeller replaces absent inputs/outputs by empty ones). */
export function emptyVariableMap(): VariableMap {
  return create(VariableMapSchema);
}
