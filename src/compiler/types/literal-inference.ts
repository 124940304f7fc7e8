import { create } from "@bufbuild/protobuf";
import type { Literal, Primitive, Scalar } from "../../proto/gen/flyteidl/core/literals_pb.js";
import { type LiteralType, LiteralTypeSchema, SimpleType } from "../../proto/gen/flyteidl/core/types_pb.js";
import { compareStrings } from "../order.js";
import { literalTypeText } from "./type-text.js";

/** The tag flytekit puts on msgpack-encoded Binary literals (dataclasses, dicts, Pydantic models). */
export const MESSAGEPACK_TAG = "msgpack";

/** A LiteralType of the given simple kind. */
export function simpleType(simple: SimpleType): LiteralType {
  return create(LiteralTypeSchema, { type: { case: "simple", value: simple } });
}

/** A collection of the given element type. */
export function collectionType(element: LiteralType): LiteralType {
  return create(LiteralTypeSchema, { type: { case: "collectionType", value: element } });
}

/** A map with the given value type. */
export function mapType(value: LiteralType): LiteralType {
  return create(LiteralTypeSchema, { type: { case: "mapValueType", value } });
}

/** A union of the given variants. */
export function unionType(variants: LiteralType[]): LiteralType {
  return create(LiteralTypeSchema, { type: { case: "unionType", value: { variants } } });
}

/** The type of a primitive; an unset primitive is NONE. */
export function literalTypeForPrimitive(p: Primitive | undefined): LiteralType {
  switch (p?.value.case) {
    case "integer":
      return simpleType(SimpleType.INTEGER);
    case "floatValue":
      return simpleType(SimpleType.FLOAT);
    case "stringValue":
      return simpleType(SimpleType.STRING);
    case "boolean":
      return simpleType(SimpleType.BOOLEAN);
    case "datetime":
      return simpleType(SimpleType.DATETIME);
    case "duration":
      return simpleType(SimpleType.DURATION);
    default:
      return simpleType(SimpleType.NONE);
  }
}

// A kind whose payload is missing (a schema without type, a structured dataset without metadata) must match no
// specific checker, as in FlytePropeller where such a type carries a nil payload. A type with no kind does that.
const untypedKind = (): LiteralType => create(LiteralTypeSchema);

/** The type of a scalar (compiler.md §3.2); `undefined` when it cannot be known (e.g. a blob without metadata). */
export function literalTypeForScalar(scalar: Scalar): LiteralType | undefined {
  const v = scalar.value;
  switch (v.case) {
    case "primitive":
      return literalTypeForPrimitive(v.value);
    case "blob": {
      if (v.value.metadata === undefined) return undefined;
      const blob = v.value.metadata.type;
      return blob === undefined ? untypedKind() : create(LiteralTypeSchema, { type: { case: "blob", value: blob } });
    }
    case "binary":
      return simpleType(v.value.tag === MESSAGEPACK_TAG ? SimpleType.STRUCT : SimpleType.BINARY);
    case "schema": {
      const schema = v.value.type;
      return schema === undefined
        ? untypedKind()
        : create(LiteralTypeSchema, { type: { case: "schema", value: schema } });
    }
    case "structuredDataset": {
      const sd = v.value.metadata?.structuredDatasetType;
      return sd === undefined
        ? untypedKind()
        : create(LiteralTypeSchema, { type: { case: "structuredDatasetType", value: sd } });
    }
    case "noneType":
      return simpleType(SimpleType.NONE);
    case "error":
      return simpleType(SimpleType.ERROR);
    case "generic":
      return simpleType(SimpleType.STRUCT);
    case "union":
      return v.value.type === undefined ? undefined : unionType([v.value.type]);
    default:
      return undefined;
  }
}

/**
 * Infers the type of a literal (compiler.md §3.2): scalars by kind, collections and maps from the distinct types of
 * their elements (several distinct types make a union sorted by text form), offloaded literals by their inferred
 * type. `undefined` when any part cannot be typed.
 */
export function literalTypeForLiteral(literal: Literal | undefined): LiteralType | undefined {
  const v = literal?.value;
  switch (v?.case) {
    case "scalar":
      return literalTypeForScalar(v.value);
    case "collection": {
      const element = literalTypeForLiterals(v.value.literals);
      return element === undefined ? undefined : collectionType(element);
    }
    case "map": {
      const value = literalTypeForLiterals(Object.values(v.value.literals));
      return value === undefined ? undefined : mapType(value);
    }
    case "offloadedMetadata":
      return v.value.inferredType;
    default:
      return undefined;
  }
}

function literalTypeForLiterals(literals: readonly Literal[]): LiteralType | undefined {
  const distinct = new Map<string, LiteralType>();
  let emptyCollection: LiteralType | undefined;
  for (const literal of literals) {
    const t = literalTypeForLiteral(literal);
    if (t === undefined) return undefined;
    // An empty list says nothing about the element type, so it only counts when nothing else does.
    if (literal.value.case === "collection" && literal.value.value.literals.length === 0) {
      emptyCollection = t;
      continue;
    }
    const key = literalTypeText(t);
    if (!distinct.has(key)) distinct.set(key, t);
  }
  if (distinct.size === 0) return emptyCollection ?? simpleType(SimpleType.NONE);
  if (distinct.size === 1) return [...distinct.values()][0];
  const sorted = [...distinct.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, t]) => t);
  return multipleTypeUnion(sorted);
}

/** Several element types make a union; a list-of-union element is flattened into it and the result re-wrapped. */
function multipleTypeUnion(types: readonly LiteralType[]): LiteralType {
  const variants: LiteralType[] = [];
  let nested = false;
  for (const t of types) {
    const inner = t.type.case === "collectionType" ? t.type.value : undefined;
    if (inner?.type.case === "unionType") {
      nested = true;
      variants.push(...inner.type.value.variants);
    } else {
      variants.push(t);
    }
  }
  const union = unionType(variants);
  return nested ? collectionType(union) : union;
}
