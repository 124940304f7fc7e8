/**
 * The workflow compiler and Flyte type system: pure functions, no I/O. The registration manager compiles tasks and
 * workflows with it; the execution and launch plan managers check literals against types with it.
 */
export { ErrorScope } from "./error-scope.js";
export {
  type CompileError,
  CompileErrorCode,
  formatCompileError,
  formatCompileErrors,
  sortCompileErrors,
} from "./errors.js";
export { compareIdentifiers, identifierText } from "./identifier.js";
export { decodesAsPodSpec, isDns1123Label } from "./pod-spec.js";
export {
  compareQuantities,
  parseQuantity,
  type Quantity,
  type QuantityFormat,
  quantityMilliValue,
  quantityValue,
} from "./quantity.js";
export { compileTask } from "./task.js";
export { protoText } from "./text-format.js";
export { areTypesCastable, isNoneType } from "./types/castability.js";
export { isJsonSchemaSupertype, jsonEqual } from "./types/json-schema.js";
export {
  checkLiteralAgainstType,
  UNKNOWN_LITERAL_TYPE_MESSAGE,
  validateInputLiterals,
  validateLiteralType,
} from "./types/literal-check.js";
export {
  collectionType,
  literalTypeForLiteral,
  literalTypeForPrimitive,
  literalTypeForScalar,
  mapType,
  simpleType,
  unionType,
} from "./types/literal-inference.js";
export { literalTypeText, literalTypeToStr } from "./types/type-text.js";
export { isOptionalType } from "./workflow/bindings.js";
export { compileWorkflow } from "./workflow/compile.js";
export { END_NODE_ID, type LaunchPlanInterfaceProvider, START_NODE_ID } from "./workflow/context.js";
export { getRequirements } from "./workflow/requirements.js";
