/**
 * FlytePropeller strips type metadata from the interfaces it puts in a
 * FlyteWorkflow (compiler.md §4): JSON schemas and annotations only matter to
 * registration-time checks, and they can be large. Annotations carrying
 * `cache-key-metadata` stay, because the cache key is computed from them.
 */
import type { TypedInterface, VariableMap } from "../../proto/gen/flyteidl/core/interface_pb.js";
import type { LiteralType } from "../../proto/gen/flyteidl/core/types_pb.js";

const CACHE_KEY_METADATA = "cache-key-metadata";

/** Strips one type in place, recursively (union variants, collection/map elements, dataset columns, dataclass fields). */
export function stripTypeMetadata(t: LiteralType | undefined): void {
  if (t === undefined) return;
  t.metadata = undefined;
  if (t.annotation !== undefined && !Object.hasOwn(t.annotation.annotations ?? {}, CACHE_KEY_METADATA)) {
    t.annotation = undefined;
  }
  if (t.structure !== undefined) {
    for (const fieldType of Object.values(t.structure.dataclassType)) stripTypeMetadata(fieldType);
  }
  const kind = t.type;
  switch (kind.case) {
    case "unionType":
      for (const variant of kind.value.variants) stripTypeMetadata(variant);
      return;
    case "mapValueType":
    case "collectionType":
      stripTypeMetadata(kind.value);
      return;
    case "structuredDatasetType":
      for (const column of kind.value.columns) stripTypeMetadata(column.literalType);
      return;
  }
}

function stripVariables(vars: VariableMap | undefined): void {
  for (const v of Object.values(vars?.variables ?? {})) {
    stripTypeMetadata(v.type);
    v.description = "";
  }
}

/** Strips an interface's input and output types in place and clears the variables' descriptions. */
export function stripInterfaceTypeMetadata(iface: TypedInterface | undefined): void {
  if (iface === undefined) return;
  stripVariables(iface.inputs);
  stripVariables(iface.outputs);
}
