/**
 * CheckAndFetchInputsForExecution (executions.md §1.1 step 5): the inputs an
 * execution runs with are the user's, checked against the launch plan's
 * expected inputs, completed with defaults, plus the fixed inputs. Names are
 * visited in sorted order, so with several bad inputs the error is
 * deterministic (FlyteAdmin's Go map order is not).
 */
import { create } from "@bufbuild/protobuf";
import {
  areTypesCastable,
  literalTypeForLiteral,
  literalTypeText,
  UNKNOWN_LITERAL_TYPE_MESSAGE,
  validateLiteralType,
} from "../../compiler/index.js";
import { AdminError } from "../../errors/admin-error.js";
import type { ParameterMap } from "../../proto/gen/flyteidl/core/interface_pb.js";
import {
  type Literal,
  type LiteralMap,
  LiteralMapSchema,
  LiteralSchema,
} from "../../proto/gen/flyteidl/core/literals_pb.js";

/**
 * The merged input map, or INVALID_ARGUMENT naming the first offending input.
 *
 * @example
 * const inputs = checkAndFetchInputs(request.inputs, lp.spec?.fixedInputs, lp.closure?.expectedInputs);
 */
export function checkAndFetchInputs(
  user: LiteralMap | undefined,
  fixed: LiteralMap | undefined,
  expected: ParameterMap | undefined,
): LiteralMap {
  const params = expected?.parameters ?? {};
  const out: Record<string, Literal> = {};
  const given = user?.literals ?? {};
  for (const name of Object.keys(given).sort()) {
    if (!Object.hasOwn(params, name)) throw AdminError.invalidArgument(`invalid input ${name}`);
    out[name] = given[name] as Literal;
  }
  for (const name of Object.keys(params).sort()) {
    const param = params[name];
    if (!param) continue;
    const value = out[name];
    if (value === undefined) {
      if (param.behavior.case === "required" && param.behavior.value)
        throw AdminError.invalidArgument(`expected_inputs ${name} missing`);
      // An optional input without a default stays in the map as an empty literal, as Go marshals a nil entry.
      out[name] = param.behavior.case === "default" ? param.behavior.value : create(LiteralSchema);
      continue;
    }
    const inferred = literalTypeForLiteral(value);
    if (validateLiteralType(inferred)) {
      throw AdminError.invalidArgument(
        `Failed to validate literal type for [${name}] with err: ${UNKNOWN_LITERAL_TYPE_MESSAGE}`,
      );
    }
    const want = param.var?.type;
    if (!areTypesCastable(inferred, want)) {
      throw AdminError.invalidArgument(
        `invalid ${name} input wrong type. Expected ${literalTypeText(want)}, but got ${literalTypeText(inferred)}`,
      );
    }
  }
  const fixedLiterals = fixed?.literals ?? {};
  for (const name of Object.keys(fixedLiterals).sort()) {
    if (Object.hasOwn(out, name)) throw AdminError.invalidArgument(`fixed_inputs ${name} cannot be overridden`);
    out[name] = fixedLiterals[name] as Literal;
  }
  return create(LiteralMapSchema, { literals: out });
}
