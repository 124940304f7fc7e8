import { compareStrings } from "./order.js";

/** Compile error codes, spelled as FlytePropeller reports them (`DuplicateNodeId` prints as `DuplicateId`). */
export const CompileErrorCode = {
  CycleDetected: "CycleDetected",
  BranchNodeIdNotFound: "BranchNodeIdNotFound",
  BranchNodeHasNoCondition: "BranchNodeHasNoCondition",
  BranchNodeHasNoDefault: "BranchNodeHasNoDefault",
  ValueRequired: "ValueRequired",
  InvalidValue: "InvalidValue",
  NodeReferenceNotFound: "NodeReferenceNotFound",
  TaskReferenceNotFound: "TaskReferenceNotFound",
  WorkflowReferenceNotFound: "WorkflowReferenceNotFound",
  VariableNameNotFound: "VariableNameNotFound",
  DuplicateAlias: "DuplicateAlias",
  DuplicateNodeId: "DuplicateId",
  MismatchingTypes: "MismatchingTypes",
  MismatchingBindings: "MismatchingBindings",
  MismatchingInterfaces: "MismatchingInterfaces",
  InconsistentTypes: "InconsistentTypes",
  ParameterBoundMoreThanOnce: "ParameterBoundMoreThanOnce",
  ParameterNotBound: "ParameterNotBound",
  NoEntryNodeFound: "NoEntryNodeFound",
  UnreachableNodes: "UnreachableNodes",
  UnrecognizedValue: "UnrecognizedValue",
  WorkflowBuildError: "WorkflowBuildError",
  ValueCollision: "ValueCollision",
  SyntaxError: "SyntaxError",
  NoNodesFound: "NoNodesFound",
  IllegalEnumValue: "IllegalEnumValue",
  AmbiguousBindingUnionValue: "AmbiguousBindingUnionValue",
  IncompatibleBindingUnionValue: "IncompatibleBindingUnionValue",
  NoConditionFound: "NoConditionFound",
  FieldNotFound: "FieldNotFound",
  InvalidLiteralType: "InvalidLiteralType",
} as const;

/** One of the compile error code strings. */
export type CompileErrorCode = (typeof CompileErrorCode)[keyof typeof CompileErrorCode];

/** A problem found while compiling, attributed to a node (or a pseudo node such as `root` or `start-node`). */
export interface CompileError {
  readonly code: CompileErrorCode;
  readonly nodeId: string;
  readonly description: string;
}

/** Renders one error as FlytePropeller does: `Code: X, Node Id: Y, Description: Z`. */
export function formatCompileError(e: CompileError): string {
  return `Code: ${e.code}, Node Id: ${e.nodeId}, Description: ${e.description}`;
}

/** Sorts errors as FlyteAdmin lists them: by code, then by rendered text. */
export function sortCompileErrors(errors: readonly CompileError[]): CompileError[] {
  return [...errors].sort(
    (a, b) => compareStrings(a.code, b.code) || compareStrings(formatCompileError(a), formatCompileError(b)),
  );
}

/** Renders an error list as FlyteAdmin's aggregate: `Collected Errors: N\n\tError 0: ...\n...` (sorted). */
export function formatCompileErrors(errors: readonly CompileError[]): string {
  const lines = sortCompileErrors(errors).map((e, i) => `\tError ${i}: ${formatCompileError(e)}\n`);
  return `Collected Errors: ${errors.length}\n${lines.join("")}`;
}

function compileError(code: CompileErrorCode, nodeId: string, description: string): CompileError {
  return { code, nodeId, description };
}

/** Go's `%v` of a string slice: `[a b c]`. */
function goList(values: readonly string[]): string {
  return `[${values.join(" ")}]`;
}

// The constructors below reproduce FlytePropeller's descriptions word for word, because FlyteAdmin returns them to
// clients inside the InvalidArgument message.

/** `BranchNodeIdNotFound`: an if/elif block has no then-node. */
export const branchNodeNotSpecified = (nodeId: string): CompileError =>
  compileError(CompileErrorCode.BranchNodeIdNotFound, nodeId, "BranchNode not assigned");

/** `BranchNodeHasNoCondition`: a block or expression without a condition. */
export const branchNodeHasNoCondition = (nodeId: string): CompileError =>
  compileError(
    CompileErrorCode.BranchNodeHasNoCondition,
    nodeId,
    "One of the branches on the node doesn't have a condition.",
  );

/** `BranchNodeHasNoDefault`: neither an else node nor an else error. */
export const branchNodeHasNoDefault = (nodeId: string): CompileError =>
  compileError(
    CompileErrorCode.BranchNodeHasNoDefault,
    nodeId,
    "Branch Node must have either the else case set or a default error.",
  );

/** `ValueRequired`: a required field is missing. */
export const valueRequired = (nodeId: string, param: string): CompileError =>
  compileError(CompileErrorCode.ValueRequired, nodeId, `Value required [${param}].`);

/** `InvalidValue`: a field is present but malformed. */
export const invalidValue = (nodeId: string, param: string): CompileError =>
  compileError(CompileErrorCode.InvalidValue, nodeId, `Invalid value [${param}].`);

/** `ParameterNotBound`: an input or output is left without a binding. */
export const parameterNotBound = (nodeId: string, param: string): CompileError =>
  compileError(CompileErrorCode.ParameterNotBound, nodeId, `Parameter not bound [${param}].`);

/** `NodeReferenceNotFound`: a promise names a node that is not in the workflow. */
export const nodeReferenceNotFound = (nodeId: string, referenceId: string): CompileError =>
  compileError(CompileErrorCode.NodeReferenceNotFound, nodeId, `Referenced node [${referenceId}] not found.`);

/** `WorkflowReferenceNotFound`: a launch plan or sub-workflow that was not supplied. */
export const workflowReferenceNotFound = (nodeId: string, referenceId: string): CompileError =>
  compileError(CompileErrorCode.WorkflowReferenceNotFound, nodeId, `Referenced Workflow [${referenceId}] not found.`);

/** `TaskReferenceNotFound`: a task that was not supplied. */
export const taskReferenceNotFound = (nodeId: string, referenceId: string): CompileError =>
  compileError(CompileErrorCode.TaskReferenceNotFound, nodeId, `Referenced Task [${referenceId}] not found.`);

/** `VariableNameNotFound`: an unknown input or output name. */
export const variableNameNotFound = (nodeId: string, referenceId: string, variable: string): CompileError =>
  compileError(
    CompileErrorCode.VariableNameNotFound,
    nodeId,
    `Variable [${variable}] not found on node [${referenceId}].`,
  );

/** `ParameterBoundMoreThanOnce`: two bindings for one input. */
export const parameterBoundMoreThanOnce = (nodeId: string, param: string): CompileError =>
  compileError(CompileErrorCode.ParameterBoundMoreThanOnce, nodeId, `Input [${param}] is bound more than once.`);

/** `DuplicateAlias`: two aliases for one output. */
export const duplicateAlias = (nodeId: string, alias: string): CompileError =>
  compileError(
    CompileErrorCode.DuplicateAlias,
    nodeId,
    `Duplicate alias [${alias}] found. An output alias can only be used once in the Workflow.`,
  );

/** `DuplicateId`: two sub-workflows with the same id. */
export const duplicateId = (nodeId: string): CompileError =>
  compileError(CompileErrorCode.DuplicateNodeId, nodeId, "Trying to insert two nodes with the same id.");

/** `MismatchingTypes` for a value or variable whose type does not fit. */
export const mismatchingTypes = (nodeId: string, fromVar: string, fromType: string, toType: string): CompileError =>
  compileError(
    CompileErrorCode.MismatchingTypes,
    nodeId,
    `Variable [${fromVar}] (type [${fromType}]) doesn't match expected type [${toType}].`,
  );

/** `MismatchingTypes` for a promise whose source output does not fit the input it feeds. */
export function mismatchingVariables(
  nodeId: string,
  fromVar: string,
  fromType: string,
  toVar: string,
  toType: string,
): CompileError {
  return compileError(
    CompileErrorCode.MismatchingTypes,
    nodeId,
    `The output variable '${fromVar}' has type [${fromType}], but it's assigned to the input variable '${toVar}' which has type type [${toType}].`,
  );
}

/** `InvalidLiteralType`: a literal whose type cannot be inferred. */
export const invalidLiteralType = (nodeId: string, inputVar: string, cause: string): CompileError =>
  compileError(
    CompileErrorCode.InvalidLiteralType,
    nodeId,
    `Failed to validate literal type for [${inputVar}] with err: ${cause}`,
  );

/** `MismatchingBindings`: a collection or map binding for a type that is neither, or a binding with no value. */
export function mismatchingBindings(
  nodeId: string,
  sinkParam: string,
  expectedType: string,
  receivedType: string,
): CompileError {
  return compileError(
    CompileErrorCode.MismatchingBindings,
    nodeId,
    `Input [${sinkParam}] on node [${nodeId}] expects bindings of type [${expectedType}].  Received [${receivedType}]`,
  );
}

/** `FieldNotFound`: a promise attribute path names a field the dataclass does not have. */
export const fieldNotFound = (nodeId: string, fromVar: string, fromType: string, key: string): CompileError =>
  compileError(
    CompileErrorCode.FieldNotFound,
    nodeId,
    `Variable [${fromVar}] (type [${fromType}]) doesn't have field [${key}].`,
  );

/** `IllegalEnumValue`: a literal bound to an enum input is not one of its values. */
export function illegalEnumValue(
  nodeId: string,
  sinkParam: string,
  received: string,
  expected: readonly string[],
): CompileError {
  return compileError(
    CompileErrorCode.IllegalEnumValue,
    nodeId,
    `Input [${sinkParam}] on node [${nodeId}] is an Enum and expects value to be one of [${goList(expected)}].  Received [${received}]`,
  );
}

/** `CycleDetected`: the path runs from the start node to the node met twice. */
export const cycleDetected = (nodeId: string, cycle: string): CompileError =>
  compileError(
    CompileErrorCode.CycleDetected,
    nodeId,
    `A cycle has been detected while traversing the Workflow [${cycle}].`,
  );

/** `UnreachableNodes`: nodes the start node cannot reach. */
export const unreachableNodes = (nodeId: string, nodes: string): CompileError =>
  compileError(CompileErrorCode.UnreachableNodes, nodeId, `The Workflow contain unreachable nodes [${nodes}].`);

/** `UnrecognizedValue`: a scalar of unknown type, or a resource quantity that does not parse. */
export const unrecognizedValue = (nodeId: string, value: string): CompileError =>
  compileError(CompileErrorCode.UnrecognizedValue, nodeId, `Unrecognized value [${value}].`);

/** `SyntaxError`: a promise variable that does not parse. */
export const syntaxError = (nodeId: string, element: string): CompileError =>
  compileError(CompileErrorCode.SyntaxError, nodeId, `Failed to parse element [${element}].`);

/** `NoNodesFound`: a workflow without nodes. */
export const noNodesFound = (graphId: string): CompileError =>
  compileError(CompileErrorCode.NoNodesFound, graphId, `Can't find any nodes in workflow [${graphId}].`);

/** `AmbiguousBindingUnionValue`: a collection or map binding that fits two union variants. */
export function ambiguousBindingUnionValue(
  nodeId: string,
  sinkParam: string,
  expectedType: string,
  binding: string,
  match1: string,
  match2: string,
): CompileError {
  return compileError(
    CompileErrorCode.AmbiguousBindingUnionValue,
    nodeId,
    `Input [${sinkParam}] on node [${nodeId}] expects bindings of union type [${expectedType}].  Received [${binding}] which is ambiguous as both variants [${match1}] and [${match2}] match.`,
  );
}

/** `IncompatibleBindingUnionValue`: a collection or map binding that fits no union variant. */
export function incompatibleBindingUnionValue(
  nodeId: string,
  sinkParam: string,
  expectedType: string,
  binding: string,
): CompileError {
  return compileError(
    CompileErrorCode.IncompatibleBindingUnionValue,
    nodeId,
    `Input [${sinkParam}] on node [${nodeId}] expects bindings of union type [${expectedType}].  Received [${binding}] which does not match any of the variants.`,
  );
}

/** `NoConditionFound`: a gate node with neither approve, signal nor sleep. */
export const noConditionFound = (nodeId: string): CompileError =>
  compileError(CompileErrorCode.NoConditionFound, nodeId, `Can't find any condition in gate node [${nodeId}].`);
