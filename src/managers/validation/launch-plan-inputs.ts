/**
 * Launch plan inputs (entities.md §3.3 step 3.6-3.8): the fixed and default
 * input maps on their own, then against the workflow's interface, which
 * yields the expected inputs FlyteAdmin stores as the spec's default inputs.
 * Maps are walked in key order (FlyteAdmin walks Go maps, in no fixed order).
 */
import { create } from "@bufbuild/protobuf";
import { type Timestamp, TimestampSchema } from "@bufbuild/protobuf/wkt";
import {
  areTypesCastable,
  literalTypeForLiteral,
  literalTypeText,
  protoText,
  validateLiteralType,
} from "../../compiler/index.js";
import { AdminError } from "../../errors/admin-error.js";
import {
  type Parameter,
  type ParameterMap,
  ParameterMapSchema,
  ParameterSchema,
  type VariableMap,
} from "../../proto/gen/flyteidl/core/interface_pb.js";
import type { Literal, LiteralMap } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { SimpleType } from "../../proto/gen/flyteidl/core/types_pb.js";

const MIN_SECONDS = -62135596800n; // 0001-01-01T00:00:00Z
const MAX_SECONDS = 253402300799n; // 9999-12-31T23:59:59Z

/** `fixed_inputs`: named, each a literal with a value (an offloaded one counts), datetimes in range. */
export function validateLiteralMap(map: LiteralMap | undefined, field: string): void {
  const literals = map?.literals ?? {};
  for (const name of Object.keys(literals).sort()) {
    const literal = literals[name] as Literal;
    if (name === "") throw AdminError.invalidArgument(`missing key in ${field}`);
    if (literal.value.case === undefined) throw AdminError.invalidArgument(`missing valid literal in ${field} ${name}`);
    const datetime = datetimeOf(literal);
    if (datetime) validateDatetime(datetime);
  }
}

/**
 * `default_inputs`: named, each with a typed variable, a default or required
 * (or, with artifacts enabled, an artifact query), and a default whose type
 * is valid and fits the declared one.
 */
export function validateParameterMap(map: ParameterMap | undefined, field: string, enableArtifacts: boolean): void {
  const params = map?.parameters ?? {};
  const names = Object.keys(params).sort();
  if (!enableArtifacts) {
    for (const name of names) {
      if ((params[name] as Parameter).behavior.case === "artifactQuery") {
        throw AdminError.invalidArgument(`artifact mode not enabled but query found ${field} ${name}`);
      }
    }
  }
  for (const name of names) {
    const param = params[name] as Parameter;
    if (name === "") throw AdminError.invalidArgument(`missing key in ${field}`);
    const declared = param.var?.type;
    if (!declared) {
      throw AdminError.invalidArgument(
        `The Variable component of the Parameter ${name} in ${field} either is missing, or has a missing Type`,
      );
    }
    const behavior = param.behavior;
    const required = behavior.case === "required" && behavior.value;
    if (behavior.case !== "default" && behavior.case !== "artifactQuery" && !required) {
      throw AdminError.invalidArgument(
        `Invalid variable ${name} in ${field} - variable has neither default, nor is required. One must be specified`,
      );
    }
    if (behavior.case !== "default") continue;
    const inferred = literalTypeOf(name, behavior.value);
    if (!areTypesCastable(inferred, declared)) {
      throw AdminError.invalidArgument(
        `Type mismatch for Parameter ${name} in ${field} has type ${literalTypeText(declared)}, expected ${literalTypeText(inferred)}`,
      );
    }
    if (declared.type.case === "simple" && declared.type.value === SimpleType.DATETIME) {
      validateDatetime(datetimeOf(behavior.value));
    }
  }
}

/**
 * The inputs an execution of the launch plan expects: for each workflow
 * input, the launch plan's default parameter if it has one, else (unless it
 * is fixed) a required parameter of the workflow's type and description.
 */
export function expectedInputs(
  workflowInputs: VariableMap | undefined,
  fixed: LiteralMap | undefined,
  defaults: ParameterMap | undefined,
): ParameterMap {
  const defaultParams = defaults?.parameters ?? {};
  const fixedLiterals = fixed?.literals ?? {};
  const wfVars = workflowInputs?.variables ?? {};
  const defaultNames = Object.keys(defaultParams).sort();
  const fixedNames = Object.keys(fixedLiterals).sort();
  if (Object.keys(wfVars).length === 0) {
    if (defaultNames.length > 0) {
      throw AdminError.invalidArgument(
        `invalid launch plan default inputs, expected none but found ${defaultNames.length}`,
      );
    }
    if (fixedNames.length > 0) {
      throw AdminError.invalidArgument(
        `invalid launch plan fixed inputs, expected none but found ${fixedNames.length}`,
      );
    }
    return create(ParameterMapSchema);
  }
  for (const name of defaultNames) {
    const wfVar = wfVars[name];
    if (!wfVar) throw AdminError.invalidArgument(`unexpected default_input ${name}`);
    const declared = (defaultParams[name] as Parameter).var?.type;
    if (!areTypesCastable(declared, wfVar.type)) {
      throw AdminError.invalidArgument(
        `invalid default_input wrong type ${name}, expected ${literalTypeText(declared)}, got ${literalTypeText(wfVar.type)} instead`,
      );
    }
  }
  for (const name of fixedNames) {
    const wfVar = wfVars[name];
    if (!wfVar) throw AdminError.invalidArgument(`unexpected fixed_input ${name}`);
    const inferred = literalTypeOf(name, fixedLiterals[name] as Literal);
    if (!areTypesCastable(inferred, wfVar.type)) {
      throw AdminError.invalidArgument(
        `invalid fixed_input wrong type ${name}, expected ${literalTypeText(wfVar.type)}, got ${literalTypeText(inferred)} instead`,
      );
    }
  }
  const parameters: Record<string, Parameter> = {};
  for (const [name, wfVar] of Object.entries(wfVars)) {
    const dflt = defaultParams[name];
    if (dflt) parameters[name] = dflt;
    else if (!(name in fixedLiterals)) {
      parameters[name] = create(ParameterSchema, {
        var: { type: wfVar.type, description: wfVar.description },
        behavior: { case: "required", value: true },
      });
    }
  }
  return create(ParameterMapSchema, { parameters });
}

/** The inferred type of a literal; INVALID_ARGUMENT when it cannot be inferred. */
function literalTypeOf(name: string, literal: Literal) {
  const inferred = literalTypeForLiteral(literal);
  const invalid = validateLiteralType(inferred);
  if (invalid)
    throw AdminError.invalidArgument(`Failed to validate literal type for [${name}] with err: ${invalid.description}`);
  return inferred;
}

function datetimeOf(literal: Literal): Timestamp | undefined {
  const scalar = literal.value.case === "scalar" ? literal.value.value.value : undefined;
  const primitive = scalar?.case === "primitive" ? scalar.value.value : undefined;
  return primitive?.case === "datetime" ? primitive.value : undefined;
}

/** protobuf's `Timestamp.CheckValid`, with its messages. */
function validateDatetime(ts: Timestamp | undefined): void {
  if (!ts) throw AdminError.invalidArgument("proto: invalid nil Timestamp");
  const text = () => protoText(TimestampSchema, create(TimestampSchema, ts));
  if (ts.seconds < MIN_SECONDS) throw AdminError.invalidArgument(`proto: timestamp (${text()}) before 0001-01-01`);
  if (ts.seconds > MAX_SECONDS) throw AdminError.invalidArgument(`proto: timestamp (${text()}) after 9999-12-31`);
  if (ts.nanos < 0 || ts.nanos >= 1e9)
    throw AdminError.invalidArgument(`proto: timestamp (${text()}) has out-of-range nanos`);
}
