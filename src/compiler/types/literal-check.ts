import type { VariableMap } from "../../proto/gen/flyteidl/core/interface_pb.js";
import type { Literal } from "../../proto/gen/flyteidl/core/literals_pb.js";
import type { LiteralType } from "../../proto/gen/flyteidl/core/types_pb.js";
import {
  type CompileError,
  CompileErrorCode,
  invalidLiteralType,
  mismatchingTypes,
  parameterNotBound,
  sortCompileErrors,
  valueRequired,
  variableNameNotFound,
} from "../errors.js";
import { ownValue, sortedKeys } from "../order.js";
import { areTypesCastable } from "./castability.js";
import { literalTypeForLiteral } from "./literal-inference.js";
import { literalTypeToStr } from "./type-text.js";

/** FlytePropeller's explanation for a literal whose type cannot be inferred (usually an outdated client). */
export const UNKNOWN_LITERAL_TYPE_MESSAGE =
  "got unknown literal type: [<nil>].\nSuggested solution: Please update all your Flyte deployment images to the latest version and try again";

/**
 * Flags an inferred literal type that is absent, or whose collection element / map value type is absent, with
 * `InvalidLiteralType` (node id empty; the description is FlytePropeller's message). `undefined` when the type is
 * usable.
 */
export function validateLiteralType(t: LiteralType | undefined): CompileError | undefined {
  let current = t;
  while (current !== undefined) {
    const kind = current.type;
    if (kind.case !== "collectionType" && kind.case !== "mapValueType") return undefined;
    current = kind.value;
  }
  return { code: CompileErrorCode.InvalidLiteralType, nodeId: "", description: UNKNOWN_LITERAL_TYPE_MESSAGE };
}

/**
 * Checks one literal against the type it is meant for, as execution inputs, launch plan inputs and signals are
 * checked: its inferred type must be valid (`InvalidLiteralType`) and castable (`MismatchingTypes`, worded as
 * FlytePropeller's input check words it, expected type first). Enum membership is not checked here.
 */
export function checkLiteralAgainstType(
  nodeId: string,
  name: string,
  literal: Literal,
  expected: LiteralType | undefined,
): CompileError | undefined {
  const inferred = literalTypeForLiteral(literal);
  const invalid = validateLiteralType(inferred);
  if (invalid !== undefined) return invalidLiteralType(nodeId, name, invalid.description);
  if (!areTypesCastable(inferred, expected)) {
    return mismatchingTypes(nodeId, name, literalTypeToStr(expected), literalTypeToStr(inferred));
  }
  return undefined;
}

/**
 * FlytePropeller's check of a workflow's execution inputs (compiler.md §3.3, k8s transform): every literal must
 * name a declared input and fit its type, and every declared input, optional ones too, must be present.
 * Returns the errors sorted; empty when the inputs are acceptable.
 */
export function validateInputLiterals(
  nodeId: string,
  inputs: VariableMap | undefined,
  literals: Readonly<Record<string, Literal>>,
): CompileError[] {
  if (inputs === undefined) return [valueRequired(nodeId, "interface.InputsRef")];
  const errors: CompileError[] = [];
  const bound = new Set<string>();
  for (const name of sortedKeys(literals)) {
    const variable = ownValue(inputs.variables, name);
    if (variable === undefined) {
      errors.push(variableNameNotFound(nodeId, "", name));
      continue;
    }
    const problem = checkLiteralAgainstType(nodeId, name, literals[name], variable.type);
    if (problem === undefined) bound.add(name);
    else errors.push(problem);
  }
  for (const name of sortedKeys(inputs.variables)) {
    if (!bound.has(name)) errors.push(parameterNotBound(nodeId, name));
  }
  return sortCompileErrors(errors);
}
