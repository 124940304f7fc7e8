import { create } from "@bufbuild/protobuf";
import { type CompiledWorkflow, CompiledWorkflowSchema } from "../../proto/gen/flyteidl/core/compiler_pb.js";
import type { Identifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { Node, WorkflowTemplate } from "../../proto/gen/flyteidl/core/workflow_pb.js";
import { ErrorScope } from "../error-scope.js";
import { type CompileError, duplicateId, valueRequired, workflowReferenceNotFound } from "../errors.js";
import { compareIdentifiers, identifierText } from "../identifier.js";

/** Task and launch plan ids a workflow needs, keyed by identifier text. */
export interface RequirementSets {
  readonly tasks: Map<string, Identifier>;
  readonly launchPlans: Map<string, Identifier>;
}

/** What one template's own nodes reference, sub-workflow references included (unfollowed). */
export interface DirectRequirements extends RequirementSets {
  readonly subWorkflowRefs: ReadonlyArray<{ readonly nodeId: string; readonly key: string }>;
}

/**
 * Indexes sub-workflows by identifier text. A duplicate id is `DuplicateId`; a sub-workflow without an id stops
 * indexing (FlytePropeller then fails with no error at all; we report `ValueRequired` instead so the caller can
 * tell why). Returns `undefined` when the index is unusable.
 */
export function indexSubWorkflows(
  subWorkflows: readonly CompiledWorkflow[],
  errs: ErrorScope,
): Map<string, CompiledWorkflow> | undefined {
  const index = new Map<string, CompiledWorkflow>();
  let ok = true;
  for (const wf of subWorkflows) {
    if (wf.template?.id === undefined) {
      errs.collect(valueRequired("subworkflow", "Template.Id"));
      return undefined;
    }
    const key = identifierText(wf.template.id);
    if (index.has(key)) {
      errs.collect(duplicateId(key));
      ok = false;
    } else {
      index.set(key, wf);
    }
  }
  return ok ? index : undefined;
}

/**
 * The tasks, launch plans and sub-workflows a template's own nodes reference (its failure node, branch cases and
 * array sub-nodes included), remembered in `cache` when one is given.
 */
export function directRequirements(
  template: WorkflowTemplate | undefined,
  cache?: Map<WorkflowTemplate, DirectRequirements>,
): DirectRequirements {
  const cached = template === undefined ? undefined : cache?.get(template);
  if (cached !== undefined) return cached;
  const sets = {
    tasks: new Map<string, Identifier>(),
    launchPlans: new Map<string, Identifier>(),
    subWorkflowRefs: [] as Array<{ nodeId: string; key: string }>,
  };
  const onNode = (node: Node | undefined): void => {
    const target = node?.target;
    if (node === undefined || target === undefined) return;
    if (target.case === "taskNode") {
      const ref = target.value.reference.case === "referenceId" ? target.value.reference.value : undefined;
      if (ref !== undefined) sets.tasks.set(identifierText(ref), ref);
    } else if (target.case === "workflowNode") {
      const ref = target.value.reference;
      if (ref.case === "launchplanRef") sets.launchPlans.set(identifierText(ref.value), ref.value);
      else if (ref.case === "subWorkflowRef")
        sets.subWorkflowRefs.push({ nodeId: node.id, key: identifierText(ref.value) });
    } else if (target.case === "branchNode") {
      const ifElse = target.value.ifElse;
      onNode(ifElse?.case?.thenNode);
      for (const other of ifElse?.other ?? []) onNode(other.thenNode);
      if (ifElse?.default.case === "elseNode") onNode(ifElse.default.value);
    } else if (target.case === "arrayNode") {
      onNode(target.value.node);
    }
  };
  for (const node of template?.nodes ?? []) onNode(node);
  onNode(template?.failureNode);
  if (template !== undefined) cache?.set(template, sets);
  return sets;
}

/**
 * Collects the tasks and launch plans a workflow needs, following its sub-workflow references into `subWorkflows`
 * (each sub-workflow once); a reference to a missing one is `WorkflowReferenceNotFound` on the referencing node.
 */
export function collectRequirements(
  template: WorkflowTemplate | undefined,
  subWorkflows: ReadonlyMap<string, CompiledWorkflow>,
  errs: ErrorScope,
  cache?: Map<WorkflowTemplate, DirectRequirements>,
): RequirementSets {
  const sets: RequirementSets = { tasks: new Map(), launchPlans: new Map() };
  const seen = new Set<string>();
  const visit = (reqs: DirectRequirements): void => {
    for (const [k, v] of reqs.tasks) sets.tasks.set(k, v);
    for (const [k, v] of reqs.launchPlans) sets.launchPlans.set(k, v);
    for (const { nodeId, key } of reqs.subWorkflowRefs) {
      const sub = subWorkflows.get(key);
      if (sub === undefined) errs.collect(workflowReferenceNotFound(nodeId, key));
      else if (!seen.has(key)) {
        seen.add(key);
        visit(directRequirements(sub.template, cache));
      }
    }
  };
  visit(directRequirements(template, cache));
  return sets;
}

/** The ids of a requirement set, sorted as FlytePropeller lists them. */
export function sortedIds(ids: ReadonlyMap<string, Identifier>): Identifier[] {
  return [...ids.values()].sort(compareIdentifiers);
}

/**
 * The task and launch plan ids a workflow needs (following its sub-workflows), sorted by resource type, project,
 * domain, name and version, so that a caller can fetch them before `compileWorkflow`. `errors` holds only what
 * makes the sub-workflow list unusable (`DuplicateId`, a sub-workflow without id); as in FlyteAdmin, a reference
 * to a missing sub-workflow is left for `compileWorkflow` to report.
 */
export function getRequirements(
  template: WorkflowTemplate,
  subWorkflows: WorkflowTemplate[],
): { taskIds: Identifier[]; launchPlanIds: Identifier[]; errors: CompileError[] } {
  const errs = new ErrorScope();
  const index = indexSubWorkflows(
    subWorkflows.map((t) => create(CompiledWorkflowSchema, { template: t })),
    errs,
  );
  if (index === undefined) return { taskIds: [], launchPlanIds: [], errors: errs.list() };
  const sets = collectRequirements(template, index, new ErrorScope());
  return { taskIds: sortedIds(sets.tasks), launchPlanIds: sortedIds(sets.launchPlans), errors: errs.list() };
}
