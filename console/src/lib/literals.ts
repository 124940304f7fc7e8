/**
 * Literals and literal types as people read them: a literal as a plain JSON
 * value (integers stay exact), a type as `int`, `list<str>`, `Optional[int]`.
 */
import type { JsonValue } from "@bufbuild/protobuf";
import type { Literal, LiteralMap, Scalar } from "../../../src/proto/gen/flyteidl/core/literals_pb.js";
import { type LiteralType, SimpleType } from "../../../src/proto/gen/flyteidl/core/types_pb.js";
import { durationMs, formatMs, timestampMs } from "./format.js";

/** What a literal shows as: a JSON-able value. */
export function literalValue(l: Literal | undefined): JsonValue {
  if (!l) return null;
  switch (l.value.case) {
    case "scalar":
      return scalarValue(l.value.value);
    case "collection":
      return l.value.value.literals.map(literalValue);
    case "map":
      return literalMapValue(l.value.value);
    case "offloadedMetadata":
      return { offloaded: l.value.value.uri };
    default:
      return null;
  }
}

export function literalMapValue(m: LiteralMap | undefined): { [k: string]: JsonValue } {
  const out: { [k: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(m?.literals ?? {})) out[k] = literalValue(v);
  return out;
}

function scalarValue(s: Scalar): JsonValue {
  const v = s.value;
  switch (v.case) {
    case "primitive": {
      const p = v.value.value;
      switch (p.case) {
        case "integer":
          return Number.isSafeInteger(Number(p.value)) ? Number(p.value) : p.value.toString();
        case "floatValue":
        case "stringValue":
        case "boolean":
          return p.value;
        case "datetime":
          return new Date(timestampMs(p.value) ?? 0).toISOString();
        case "duration":
          return formatMs(durationMs(p.value));
        default:
          return null;
      }
    }
    case "blob":
      return { uri: v.value.uri, format: v.value.metadata?.type?.format ?? "" };
    case "binary":
      return { binary: `${v.value.value.length} bytes`, tag: v.value.tag };
    case "schema":
      return { schema: v.value.uri };
    case "noneType":
      return null;
    case "error":
      return { error: v.value.message, failedNode: v.value.failedNodeId };
    case "generic":
      return v.value;
    case "structuredDataset":
      return { uri: v.value.uri, format: v.value.metadata?.structuredDatasetType?.format ?? "" };
    case "union":
      return literalValue(v.value.value);
    default:
      return null;
  }
}

const SIMPLE: Record<number, string> = {
  [SimpleType.NONE]: "none",
  [SimpleType.INTEGER]: "int",
  [SimpleType.FLOAT]: "float",
  [SimpleType.STRING]: "str",
  [SimpleType.BOOLEAN]: "bool",
  [SimpleType.DATETIME]: "datetime",
  [SimpleType.DURATION]: "duration",
  [SimpleType.BINARY]: "binary",
  [SimpleType.ERROR]: "error",
  [SimpleType.STRUCT]: "struct",
};

/** A short type name, Python-flavoured as flytekit users write them. */
export function typeName(t: LiteralType | undefined): string {
  if (!t) return "?";
  const v = t.type;
  switch (v.case) {
    case "simple":
      return SIMPLE[v.value] ?? "?";
    case "collectionType":
      return `list[${typeName(v.value)}]`;
    case "mapValueType":
      return `dict[str, ${typeName(v.value)}]`;
    case "blob":
      return v.value.dimensionality === 1 ? "directory" : "file";
    case "enumType":
      return `enum(${v.value.values.join(", ")})`;
    case "schema":
      return "schema";
    case "structuredDatasetType":
      return "structured dataset";
    case "unionType": {
      const variants = v.value.variants;
      const rest = variants.filter((x) => !(x.type.case === "simple" && x.type.value === SimpleType.NONE));
      if (rest.length === 1 && variants.length === 2) return `Optional[${typeName(rest[0])}]`;
      return `Union[${variants.map(typeName).join(", ")}]`;
    }
    default:
      return "?";
  }
}

/** Pretty text of a value for display. */
export function valueText(v: JsonValue): string {
  return typeof v === "string" ? v : JSON.stringify(v, null, 2);
}
