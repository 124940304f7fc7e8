import { create } from "@bufbuild/protobuf";
import { type VariableMap, VariableMapSchema, VariableSchema } from "../../proto/gen/flyteidl/core/interface_pb.js";
import {
  type Binding,
  type BindingData,
  BindingDataCollectionSchema,
  BindingDataMapSchema,
  BindingDataSchema,
  type Scalar,
} from "../../proto/gen/flyteidl/core/literals_pb.js";
import { type LiteralType, SimpleType } from "../../proto/gen/flyteidl/core/types_pb.js";
import { ErrorScope } from "../error-scope.js";
import {
  ambiguousBindingUnionValue,
  illegalEnumValue,
  incompatibleBindingUnionValue,
  mismatchingBindings,
  mismatchingTypes,
  parameterBoundMoreThanOnce,
  parameterNotBound,
  unrecognizedValue,
  valueRequired,
  variableNameNotFound,
} from "../errors.js";
import { putEntry } from "../order.js";
import { protoText } from "../text-format.js";
import { areTypesCastable } from "../types/castability.js";
import { collectionType, literalTypeForScalar, mapType, simpleType } from "../types/literal-inference.js";
import { literalTypeText, literalTypeToStr } from "../types/type-text.js";
import type { NodeState, WorkflowContext } from "./context.js";
import { addEdge, type EdgeDirection } from "./graph.js";
import { findVariable } from "./outputs.js";
import { validatePromise } from "./promise.js";

/** Outcome of checking one binding: the type it resolves to and the nodes it reads from. */
export interface BindingResult {
  readonly type: LiteralType | undefined;
  readonly upstream: readonly string[];
  readonly ok: boolean;
}

const failed: BindingResult = { type: undefined, upstream: [], ok: false };

/**
 * Checks a node's bindings against its input variables (compiler.md §2.4) and records an edge from every promise
 * source. With `validateParamTypes` off (branch and approve-gate nodes, whose inputs are inferred) any name is
 * accepted and no type is checked, and `resolved` describes the inferred inputs (it stays empty otherwise).
 */
export function validateBindings(
  ctx: WorkflowContext,
  state: NodeState,
  bindings: readonly Binding[],
  params: VariableMap | undefined,
  validateParamTypes: boolean,
  direction: EdgeDirection,
  errs: ErrorScope,
): { resolved: VariableMap; ok: boolean } {
  const nodeId = state.node.id;
  const resolved = create(VariableMapSchema);
  const provided = new Set<string>();
  for (const binding of bindings) {
    const param = findVariable(params, binding.var);
    if (param === undefined && validateParamTypes) {
      errs.collect(variableNameNotFound(nodeId, nodeId, binding.var));
    } else if (binding.binding === undefined) {
      errs.collect(valueRequired(nodeId, "Binding"));
    } else if (provided.has(binding.var)) {
      errs.collect(parameterBoundMoreThanOnce(nodeId, binding.var));
    } else {
      provided.add(binding.var);
      // Inferred inputs (branch and approve-gate nodes) have no declared type; NONE stands in for it.
      const expected = param?.type ?? simpleType(SimpleType.NONE);
      const result = validateBinding(
        ctx,
        state,
        binding.var,
        binding.binding,
        expected,
        errs.child(),
        validateParamTypes,
      );
      if (result.ok) {
        for (const up of result.upstream) addEdge(ctx.edges, direction, up, nodeId);
        // Only inferred interfaces read the resolved types; the type-checked path skips building them.
        if (!validateParamTypes)
          putEntry(resolved.variables, binding.var, create(VariableSchema, { type: result.type }));
      }
    }
  }
  for (const [name, variable] of Object.entries(params?.variables ?? {})) {
    if (!provided.has(name) && !isOptionalType(variable.type)) errs.collect(parameterNotBound(nodeId, name));
  }
  return { resolved, ok: !errs.hasErrors() };
}

/** An input may stay unbound when its type is a union with a NONE variant (`Optional[...]`). */
export function isOptionalType(t: LiteralType | undefined): boolean {
  if (t?.type.case !== "unionType") return false;
  return t.type.value.variants.some((v) => v.type.case === "simple" && v.type.value === SimpleType.NONE);
}

/** Checks one binding (recursively for collections and maps) against the type it must produce. */
export function validateBinding(
  ctx: WorkflowContext,
  state: NodeState,
  param: string,
  binding: BindingData,
  expected: LiteralType,
  errs: ErrorScope,
  validateParamTypes: boolean,
): BindingResult {
  const value = binding.value;
  // Scalars and promises go through the union-aware castability check; anything else must pick a variant here.
  if (value.case !== "scalar" && value.case !== "promise" && expected.type.case === "unionType") {
    return validateUnionBinding(
      ctx,
      state,
      param,
      binding,
      expected,
      expected.type.value.variants,
      errs,
      validateParamTypes,
    );
  }
  const nodeId = state.node.id;
  switch (value.case) {
    case "collection":
    case "map": {
      const element = containerElement(expected, value.case);
      const items = value.case === "collection" ? value.value.bindings : Object.values(value.value.bindings);
      if (element === undefined) {
        const received =
          value.case === "collection"
            ? protoText(BindingDataCollectionSchema, value.value)
            : protoText(BindingDataMapSchema, value.value);
        errs.collect(mismatchingBindings(nodeId, param, literalTypeText(expected), received));
        return failed;
      }
      return validateItems(ctx, state, param, items, element, value.case, errs, validateParamTypes);
    }
    case "promise":
      return validatePromise(ctx, state, param, value.value, expected, errs, validateParamTypes);
    case "scalar":
      return validateScalar(nodeId, param, value.value, expected, errs, validateParamTypes);
    default: {
      const goType = value.case === "offloadedMetadata" ? "*core.BindingData_OffloadedMetadata" : "";
      errs.collect(mismatchingBindings(nodeId, param, literalTypeText(expected), goType));
      return failed;
    }
  }
}

function containerElement(expected: LiteralType, kind: "collection" | "map"): LiteralType | undefined {
  if (kind === "collection") return expected.type.case === "collectionType" ? expected.type.value : undefined;
  return expected.type.case === "mapValueType" ? expected.type.value : undefined;
}

function validateItems(
  ctx: WorkflowContext,
  state: NodeState,
  param: string,
  items: readonly BindingData[],
  element: LiteralType,
  kind: "collection" | "map",
  errs: ErrorScope,
  validateParamTypes: boolean,
): BindingResult {
  const upstream: string[] = [];
  let itemType: LiteralType | undefined;
  for (const item of items) {
    const r = validateBinding(ctx, state, param, item, element, errs.child(), validateParamTypes);
    if (r.ok) {
      upstream.push(...r.upstream);
      itemType = r.type;
    }
  }
  const type =
    itemType === undefined ? undefined : kind === "collection" ? collectionType(itemType) : mapType(itemType);
  return { type, upstream, ok: !errs.hasErrors() };
}

/** Tries every variant in isolation: exactly one must accept the binding. */
function validateUnionBinding(
  ctx: WorkflowContext,
  state: NodeState,
  param: string,
  binding: BindingData,
  expected: LiteralType,
  variants: readonly LiteralType[],
  errs: ErrorScope,
  validateParamTypes: boolean,
): BindingResult {
  const nodeId = state.node.id;
  let match: { variant: LiteralType; result: BindingResult } | undefined;
  for (const variant of variants) {
    const result = validateBinding(ctx, state, param, binding, variant, new ErrorScope(), validateParamTypes);
    if (!result.ok) continue;
    if (match !== undefined) {
      errs.collect(
        ambiguousBindingUnionValue(
          nodeId,
          param,
          literalTypeText(expected),
          protoText(BindingDataSchema, binding),
          literalTypeText(match.variant),
          literalTypeText(variant),
        ),
      );
      return failed;
    }
    match = { variant, result };
  }
  if (match !== undefined) return match.result;
  errs.collect(
    incompatibleBindingUnionValue(nodeId, param, literalTypeText(expected), protoText(BindingDataSchema, binding)),
  );
  return failed;
}

const GO_SCALAR_TYPES: Readonly<Record<string, string>> = {
  primitive: "*core.Scalar_Primitive",
  blob: "*core.Scalar_Blob",
  binary: "*core.Scalar_Binary",
  schema: "*core.Scalar_Schema",
  noneType: "*core.Scalar_NoneType",
  error: "*core.Scalar_Error",
  generic: "*core.Scalar_Generic",
  structuredDataset: "*core.Scalar_StructuredDataset",
  union: "*core.Scalar_Union",
};

function validateScalar(
  nodeId: string,
  param: string,
  scalar: Scalar,
  expected: LiteralType,
  errs: ErrorScope,
  validateParamTypes: boolean,
): BindingResult {
  const type = literalTypeForScalar(scalar);
  if (type === undefined) {
    errs.collect(unrecognizedValue(nodeId, GO_SCALAR_TYPES[scalar.value.case ?? ""] ?? "<nil>"));
  } else if (validateParamTypes && !areTypesCastable(type, expected)) {
    errs.collect(mismatchingTypes(nodeId, param, literalTypeToStr(type), literalTypeToStr(expected)));
  }
  if (expected.type.case === "enumType") {
    const primitive = scalar.value.case === "primitive" ? scalar.value.value.value : undefined;
    const text = primitive?.case === "stringValue" ? primitive.value : "";
    const values = expected.type.value.values;
    if (!values.includes(text)) errs.collect(illegalEnumValue(nodeId, param, text, values));
  }
  return { type, upstream: [], ok: !errs.hasErrors() };
}
