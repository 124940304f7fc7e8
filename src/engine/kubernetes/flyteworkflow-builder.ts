/**
 * Builds the `flyte.lyft.com/v1alpha1` FlyteWorkflow resource of an execution
 * (compiler.md §4, executions.md §5.1): FlytePropeller's `BuildFlyteWorkflow`
 * (inputs checked against the workflow interface, node specs, tasks,
 * sub-workflows, labels) followed by FlyteAdmin's `PrepareFlyteWorkflow`
 * (execution id, accepted-at, finalizer, security, labels and annotations,
 * event version, execution config) and the executor's offloading switches.
 * Pure: the same ExecutionData always yields the same object, which is what
 * Go's `encoding/json` would send to the Kubernetes API.
 */
import { fromBinary, type JsonValue, toBinary } from "@bufbuild/protobuf";
import { valueRequired } from "../../compiler/errors.js";
import {
  type CompileError,
  ErrorScope,
  formatCompileErrors,
  identifierText,
  validateInputLiterals,
} from "../../compiler/index.js";
import {
  type CompiledWorkflowClosure,
  CompiledWorkflowClosureSchema,
} from "../../proto/gen/flyteidl/core/compiler_pb.js";
import type { WorkflowExecutionIdentifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { TypedInterface } from "../../proto/gen/flyteidl/core/interface_pb.js";
import type { LiteralMap } from "../../proto/gen/flyteidl/core/literals_pb.js";
import type { ExecutionData } from "../workflow-executor.js";
import type { FlyteWorkflow, WorkflowSpec } from "./flyteworkflow-types.js";
import { sortedRecord, workflowBuildError } from "./json-parts.js";
import type { TaskIndex } from "./node-spec.js";
import { type FlyteWorkflowSettings, prepareFlyteWorkflow } from "./prepare.js";
import { stripInterfaceTypeMetadata } from "./strip-metadata.js";
import { buildTasks, buildWorkflowSpec } from "./workflow-spec.js";

export type { FlyteWorkflowSettings } from "./prepare.js";

const START_NODE = "start-node";
const SHARD_KEYSPACE = 32;

/**
 * A workflow FlytePropeller's transform refuses; the message is FlyteAdmin's compile-error aggregate.
 *
 * @example
 * try { flyteWorkflowFor(data, settings); } catch (e) { if (e instanceof FlyteWorkflowBuildError) e.errors; }
 */
export class FlyteWorkflowBuildError extends Error {
  readonly errors: readonly CompileError[];

  constructor(errors: readonly CompileError[]) {
    super(formatCompileErrors(errors));
    this.name = "FlyteWorkflowBuildError";
    this.errors = errors;
  }
}

/**
 * The resource an execution is launched with.
 *
 * @example
 * const resource = flyteWorkflowFor(data, { useOffloadedWorkflowClosure: false, useOffloadedInputs: false, consoleUrl: "" });
 * // throws FlyteWorkflowBuildError when the inputs or the closure are unfit
 */
export function flyteWorkflowFor(data: ExecutionData, settings: FlyteWorkflowSettings): FlyteWorkflow {
  const built = buildFlyteWorkflow(
    data.workflowClosure,
    data.executionParameters.inputs,
    data.executionId,
    data.namespace,
  );
  if ("errors" in built) throw new FlyteWorkflowBuildError(built.errors);
  return prepareFlyteWorkflow(data, built.workflow, settings);
}

/** What `BuildFlyteWorkflow` produces before FlyteAdmin prepares it. */
export interface BuiltWorkflow {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Map<string, string>;
  readonly spec: WorkflowSpec;
  readonly subWorkflows: Record<string, WorkflowSpec>;
  readonly tasks: Record<string, JsonValue>;
  readonly inputs: LiteralMap | undefined;
  readonly interruptible: boolean;
}

/**
 * FlytePropeller's `BuildFlyteWorkflow`: checks the inputs against the workflow interface, builds the primary
 * and sub-workflow specs and the task map, and the system labels. The closure is not modified.
 */
export function buildFlyteWorkflow(
  closure: CompiledWorkflowClosure | undefined,
  inputs: LiteralMap | undefined,
  executionId: WorkflowExecutionIdentifier,
  namespace: string,
): { workflow: BuiltWorkflow } | { errors: CompileError[] } {
  const errs = new ErrorScope();
  if (closure === undefined) {
    errs.collect(valueRequired("root", "wfClosure"));
    return { errors: errs.list() };
  }
  // Stripping metadata edits the interfaces; work on a copy.
  const own = fromBinary(CompiledWorkflowClosureSchema, toBinary(CompiledWorkflowClosureSchema, closure));
  const template = own.primary?.template;
  if (inputs !== undefined) {
    const problems = checkInputs(template?.interface, inputs);
    if (problems.length > 0) return { errors: problems };
  } else if (Object.keys(template?.interface?.inputs?.variables ?? {}).length > 0) {
    errs.collect(valueRequired("root", "inputs"));
    return { errors: errs.list() };
  }
  for (const t of own.tasks) stripInterfaceTypeMetadata(t.template?.interface);
  const tasks: TaskIndex = new Map(own.tasks.map((t) => [identifierText(t.template?.id), t.template!]));
  stripInterfaceTypeMetadata(template?.interface);
  const primary = buildWorkflowSpec(own.primary, tasks, errs.child());
  if (primary === undefined) {
    errs.collect(workflowBuildError(formatCompileErrors(errs.list())));
    return { errors: errs.list() };
  }
  const subWorkflows = new Map<string, WorkflowSpec>();
  for (const sub of own.subWorkflows) {
    stripInterfaceTypeMetadata(sub.template?.interface);
    const spec = buildWorkflowSpec(sub, tasks, errs.child());
    if (spec === undefined) errs.collect(workflowBuildError(formatCompileErrors(errs.list())));
    else subWorkflows.set(identifierText(sub.template?.id), spec);
  }
  if (errs.hasErrors()) return { errors: errs.list() };
  const taskSpecs = buildTasks(own, errs.child());
  checkEntryNode(primary, identifierText(template?.id), errs);
  if (errs.hasErrors()) return { errors: errs.list() };
  return {
    workflow: {
      name: executionId.name,
      namespace,
      labels: systemLabels(executionId, primary.id),
      spec: primary,
      subWorkflows: sortedRecord(subWorkflows),
      tasks: taskSpecs,
      inputs,
      interruptible: template?.metadataDefaults?.interruptible ?? false,
    },
  };
}

/** FlytePropeller's input check (compiler.md §3.3, k8s transform), against the unstripped interface. */
function checkInputs(iface: TypedInterface | undefined, inputs: LiteralMap): CompileError[] {
  if (iface === undefined) return [valueRequired(START_NODE, "interface")];
  return validateInputLiterals(START_NODE, iface.inputs, inputs.literals);
}

/** The resource must have a start node with something downstream of it. */
function checkEntryNode(spec: WorkflowSpec, graphId: string, errs: ErrorScope): void {
  if (!Object.hasOwn(spec.nodes, START_NODE)) {
    errs.collect(workflowBuildError(`Bad Node [${START_NODE}], is not defined in the Workflow [${spec.id}]`));
    return;
  }
  if ((spec.edges.downstream[START_NODE] ?? []).length === 0) {
    errs.collect({
      code: "NoEntryNodeFound",
      nodeId: graphId,
      description: `Can't find a node to start executing Workflow [${graphId}].`,
    });
  }
}

/** The labels FlytePropeller sets: execution id, project, domain, sanitised workflow name and shard key. */
function systemLabels(executionId: WorkflowExecutionIdentifier, workflowId: string): Map<string, string> {
  const tokens = workflowId.split(":");
  const workflowName = tokens.length === 3 ? (tokens[2] as string) : "";
  return new Map([
    ["execution-id", executionId.name],
    ["project", executionId.project],
    ["domain", executionId.domain],
    ["workflow-name", sanitizeLabelValue(workflowName)],
    ["shard-key", String(fnv1a32(executionId.name) % SHARD_KEYSPACE)],
  ]);
}

/** FlytePropeller's label sanitising: lower case, runs outside `[-a-z0-9]` become `-`, at most 63, trimmed of `-`. */
export function sanitizeLabelValue(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^-a-z0-9]+/g, "-")
    .slice(0, 63);
  return s.replace(/^-+|-+$/g, "");
}

/** 32-bit FNV-1a of the UTF-8 bytes. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, "utf8")) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
