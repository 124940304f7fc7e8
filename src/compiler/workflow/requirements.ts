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
 * Collects the tasks and launch plans referenced by a workflow's nodes (its failure node, branch cases and array
 * sub-nodes included). With `followSubWorkflows`, references to sub-workflows are followed into `subWorkflows`
 * (each once), and a missing one is `WorkflowReferenceNotFound` on the referencing node.
 */
export function collectRequirements(
  template: WorkflowTemplate | undefined,
  subWorkflows: ReadonlyMap<string, CompiledWorkflow>,
  followSubWorkflows: boolean,
  errs: ErrorScope,
): RequirementSets {
  const sets: RequirementSets = { tasks: new Map(), launchPlans: new Map() };
  const visit = (wf: WorkflowTemplate | undefined, seen: Set<string>): void => {
    const onNode = (node: Node | undefined): void => {
      const target = node?.target;
      if (node === undefined || target === undefined) return;
      if (target.case === "taskNode") {
        const ref = target.value.reference.case === "referenceId" ? target.value.reference.value : undefined;
        if (ref !== undefined) sets.tasks.set(identifierText(ref), ref);
      } else if (target.case === "workflowNode") {
        const ref = target.value.reference;
        if (ref.case === "launchplanRef") sets.launchPlans.set(identifierText(ref.value), ref.value);
        else if (ref.case === "subWorkflowRef" && followSubWorkflows) {
          const key = identifierText(ref.value);
          const sub = subWorkflows.get(key);
          if (sub === undefined) errs.collect(workflowReferenceNotFound(node.id, key));
          else if (!seen.has(key)) visit(sub.template, seen.add(key));
        }
      } else if (target.case === "branchNode") {
        const ifElse = target.value.ifElse;
        onNode(ifElse?.case?.thenNode);
        for (const other of ifElse?.other ?? []) onNode(other.thenNode);
        if (ifElse?.default.case === "elseNode") onNode(ifElse.default.value);
      } else if (target.case === "arrayNode") {
        onNode(target.value.node);
      }
    };
    for (const node of wf?.nodes ?? []) onNode(node);
    onNode(wf?.failureNode);
  };
  visit(template, new Set());
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
  const sets = collectRequirements(template, index, true, new ErrorScope());
  return { taskIds: sortedIds(sets.tasks), launchPlanIds: sortedIds(sets.launchPlans), errors: errs.list() };
}
