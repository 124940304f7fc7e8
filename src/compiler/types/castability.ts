import { equals } from "@bufbuild/protobuf";
import {
  SchemaType_SchemaColumn_SchemaColumnType as ColumnType,
  EnumTypeSchema,
  type LiteralType,
  LiteralTypeSchema,
  type SchemaType,
  SimpleType,
  type StructuredDatasetType,
} from "../../proto/gen/flyteidl/core/types_pb.js";
import { isJsonSchemaSupertype, jsonEqual } from "./json-schema.js";

/**
 * Whether a value of the `upstream` type may be bound to an input of the `downstream` type, by FlytePropeller's
 * rules (compiler.md §3.1): the downstream type picks the checker; a single-variant upstream union is first
 * tried through its variant. An absent type casts to nothing (Go would crash on it).
 */
export function areTypesCastable(upstream: LiteralType | undefined, downstream: LiteralType | undefined): boolean {
  if (upstream === undefined || downstream === undefined) return false;
  if (upstream.type.case === "unionType" && upstream.type.value.variants.length === 1) {
    if (castsFrom(downstream, upstream.type.value.variants[0])) return true;
  }
  return castsFrom(downstream, upstream);
}

/** Whether the type is the simple NONE type (a type with no kind set is not). */
export function isNoneType(t: LiteralType | undefined): boolean {
  return t?.type.case === "simple" && t.type.value === SimpleType.NONE;
}

function castsFrom(down: LiteralType, up: LiteralType): boolean {
  switch (down.type.case) {
    case "collectionType":
      return containerCastsFrom(down.type.value, up.type.case === "collectionType" ? up.type.value : undefined);
    case "mapValueType":
      return containerCastsFrom(down.type.value, up.type.case === "mapValueType" ? up.type.value : undefined);
    case "blob":
      return up.type.case === "blob" && blobFormatsMatch(up.type.value.format, down.type.value.format);
    case "schema":
      return schemaCastsFrom(down.type.value, up);
    case "structuredDatasetType":
      return structuredDatasetCastsFrom(down.type.value, up);
    case "unionType":
      return unionCastsFrom(down.type.value.variants, up);
    default:
      return isNoneType(down) ? isNoneType(up) : trivialCastsFrom(down, up);
  }
}

/** Lists and maps: an empty one (element type NONE) fits any; otherwise the element types must cast. */
function containerCastsFrom(downElement: LiteralType, upElement: LiteralType | undefined): boolean {
  if (upElement === undefined) return false;
  return isNoneType(upElement) || castsFrom(downElement, upElement);
}

function blobFormatsMatch(up: string, down: string): boolean {
  // Dimensionality is deliberately not compared: FlytePropeller 1.16 stopped doing so.
  return up === "" || down === "" || up === down;
}

function unionCastsFrom(variants: readonly LiteralType[], up: LiteralType): boolean {
  if (up.type.case === "unionType") {
    return up.type.value.variants.every((u) => variants.some((d) => areTypesCastable(u, d)));
  }
  // A plain value must select exactly one variant, or the runtime could not tell which one it is.
  let matches = 0;
  for (const d of variants) {
    if (areTypesCastable(up, d) && ++matches > 1) return false;
  }
  return matches === 1;
}

function schemaCastsFrom(down: SchemaType, up: LiteralType): boolean {
  if (up.type.case === "schema") return columnsSubset(up.type.value.columns, down.columns, (a, b) => a.type === b.type);
  if (up.type.case !== "structuredDatasetType") return false;
  const sd = up.type.value;
  if (!isParquetOrEmpty(sd.format)) return false;
  return columnsSubset(sd.columns, down.columns, (u, d) => columnTypeMatches(d.type, u.literalType));
}

function structuredDatasetCastsFrom(down: StructuredDatasetType, up: LiteralType): boolean {
  if (isNoneType(up)) return true; // structured datasets are nullable
  if (up.type.case === "schema") {
    if (!isParquetOrEmpty(down.format)) return false;
    return columnsSubset(up.type.value.columns, down.columns, (u, d) => columnTypeMatches(u.type, d.literalType));
  }
  if (up.type.case !== "structuredDatasetType") return false;
  const sd = up.type.value;
  if (sd.format !== "" && down.format !== "" && sd.format.toLowerCase() !== down.format.toLowerCase()) return false;
  return columnsSubset(sd.columns, down.columns, (u, d) => columnCastsFrom(d, u));
}

type Column = { literalType?: LiteralType | undefined };

/** Column types go straight to the checker (no single-variant union step), as in FlytePropeller. */
function columnCastsFrom(d: Column, u: Column): boolean {
  return d.literalType !== undefined && u.literalType !== undefined && castsFrom(d.literalType, u.literalType);
}

function isParquetOrEmpty(format: string): boolean {
  return format === "" || format.toLowerCase() === "parquet";
}

/** Every downstream column must exist upstream (by name) and match; an empty column list on either side is generic. */
function columnsSubset<U extends { name: string }, D extends { name: string }>(
  up: readonly U[],
  down: readonly D[],
  matches: (u: U, d: D) => boolean,
): boolean {
  if (up.length === 0 || down.length === 0) return true;
  const byName = new Map<string, U>();
  for (const c of up) byName.set(c.name, c);
  return down.every((d) => {
    const u = byName.get(d.name);
    return u !== undefined && matches(u, d);
  });
}

const COLUMN_SIMPLE_TYPES: ReadonlyMap<ColumnType, SimpleType> = new Map([
  [ColumnType.INTEGER, SimpleType.INTEGER],
  [ColumnType.FLOAT, SimpleType.FLOAT],
  [ColumnType.STRING, SimpleType.STRING],
  [ColumnType.BOOLEAN, SimpleType.BOOLEAN],
  [ColumnType.DATETIME, SimpleType.DATETIME],
  [ColumnType.DURATION, SimpleType.DURATION],
]);

function columnTypeMatches(column: ColumnType, t: LiteralType | undefined): boolean {
  const simple = COLUMN_SIMPLE_TYPES.get(column);
  const actual = t?.type.case === "simple" ? t.type.value : SimpleType.NONE;
  return simple !== undefined && simple === actual;
}

function simpleOf(t: LiteralType): SimpleType | undefined {
  return t.type.case === "simple" ? t.type.value : undefined;
}

/** Simple types, enums, STRUCTs and types without a kind: equal apart from top-level metadata (compiler.md §3.1). */
function trivialCastsFrom(down: LiteralType, up: LiteralType): boolean {
  if (up.type.case === "enumType" && simpleOf(down) === SimpleType.STRING) return true;
  if (down.type.case === "enumType" && simpleOf(up) === SimpleType.STRING) return true;
  const upTag = up.structure?.tag ?? "";
  if (upTag !== "" && (down.structure?.tag ?? "") !== upTag) return false;
  if (simpleOf(up) === SimpleType.STRUCT && simpleOf(down) === SimpleType.STRUCT) {
    // Older flytekit versions sent no JSON schema; such types stay compatible with every STRUCT.
    if (up.metadata === undefined || down.metadata === undefined) return true;
    return jsonEqual(up.metadata, down.metadata) || isJsonSchemaSupertype(down.metadata, up.metadata);
  }
  return sameKind(up, down);
}

function sameKind(a: LiteralType, b: LiteralType): boolean {
  if (a.type.case !== b.type.case) return false;
  switch (a.type.case) {
    case undefined:
      return true;
    case "simple":
      return a.type.value === b.type.value;
    case "enumType":
      return equals(EnumTypeSchema, a.type.value, b.type.value as typeof a.type.value);
    default: {
      // Other kinds never reach the trivial checker as downstream; compare whole types without top-level metadata.
      const strip = (t: LiteralType): LiteralType => ({
        ...t,
        metadata: undefined,
        annotation: undefined,
        structure: undefined,
      });
      return equals(LiteralTypeSchema, strip(a), strip(b));
    }
  }
}
